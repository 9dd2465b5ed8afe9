"""fexlite structs list/show/diff, called through a locally built argparse parser."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fexlite import cli_structs  # noqa: E402
from fexlite import layout as L  # noqa: E402


def run(argv, capsys):
    ap = argparse.ArgumentParser(prog="fexlite")
    sub = ap.add_subparsers(dest="cmd", required=True)
    cli_structs.register(sub)
    args = ap.parse_args(argv)
    rc = args.func(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_list(capsys):
    rc, out, _ = run(["structs", "list"], capsys)
    assert rc == 0 and "stat64" in out and "aarch64" in out.splitlines()[0]
    rc, out, _ = run(["structs", "list", "--abi", "arm32", "--json"], capsys)
    data = json.loads(out)
    assert rc == 0 and data["stat64"] == {"arm32": 104} and len(data) >= 60


def test_show(capsys):
    rc, out, _ = run(["structs", "show", "i386", "stat64"], capsys)
    assert rc == 0 and "size 96" in out
    line = next(l for l in out.splitlines() if l.endswith(" st_ino"))
    assert line.split()[:3] == ["88", "8", "u64"]
    rc, out, _ = run(["structs", "show", "x86_64", "epoll_event", "--json"], capsys)
    d = json.loads(out)
    assert d["size"] == 12 and d["fields"][1] == {"name": "data", "offset": 4, "size": 8,
                                                  "kind": "u64", "count": 1}


def test_diff_all(capsys):
    rc, out, _ = run(["structs", "diff", "i386", "arm32"], capsys)
    n = sum(L.differs(s, "i386", "arm32") for s in L.struct_names())
    assert rc == 0
    assert out.rstrip().splitlines()[-1] == f"{n} of {len(L.struct_names())} structs differ between i386 and arm32"
    assert "* stat64: i386 96 bytes, arm32 104 bytes" in out
    assert "statfs64" not in out                       # same layout: not listed in detail
    st = [l for l in out.splitlines() if "st_size" in l and l.strip().startswith("*")]
    assert st and st[0].split()[2:4] == ["44", "8"]


def test_diff_named_and_json(capsys):
    rc, out, _ = run(["structs", "diff", "i386", "arm32", "stat", "flock64"], capsys)
    assert rc == 0 and "  stat:" in out and "* flock64:" in out
    assert out.rstrip().endswith("1 of 2 structs differ between i386 and arm32")
    rc, out, _ = run(["structs", "diff", "i386", "x86_64", "timespec", "--json"], capsys)
    d = json.loads(out)
    assert d["differing"] == ["timespec"] and d["structs"]["timespec"]["size"] == [8, 16]


def test_diff_html(tmp_path, capsys):
    page = tmp_path / "d.html"
    rc, out, _ = run(["structs", "diff", "i386", "arm32", "--html", str(page)], capsys)
    text = page.read_text()
    assert rc == 0 and text.startswith("<!DOCTYPE html>") and "<script" not in text
    assert "<h2>stat64</h2>" in text and "<h2>stat</h2>" not in text
    assert 'class="f diff"' in text and "st_size: offset 48, size 8" in text


@pytest.mark.parametrize("argv,needle", [
    (["structs", "show", "i386", "nosuch"], "fexlite: unknown struct 'nosuch' (valid: "),
    (["structs", "show", "mips", "stat"], "fexlite: unknown ABI 'mips' (valid: i386, arm32, x86_64, aarch64)"),
    (["structs", "diff", "i386", "arm32", "bogus"], "fexlite: unknown struct 'bogus'"),
    (["structs", "list", "--abi", "z80"], "fexlite: unknown ABI 'z80'"),
])
def test_errors(argv, needle, capsys):
    rc, out, err = run(argv, capsys)
    assert rc == 2 and out == ""
    assert err.startswith(needle) and err.count("\n") == 1
