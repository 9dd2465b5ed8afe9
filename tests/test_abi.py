"""abi/ tables, signatures and disposition maps (fexlite/abi.py, tools/gen_abi.py)."""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fexlite import abi, cli_abi

ROOT = Path(__file__).resolve().parent.parent
UNISTD_32 = Path("/usr/include/x86_64-linux-gnu/asm/unistd_32.h")
TARGETS = ("arm32", "x86_64", "aarch64")


def _gen_abi():
    spec = importlib.util.spec_from_file_location("gen_abi", ROOT / "tools" / "gen_abi.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_abi", mod)   # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def by_name(src: str, dst: str) -> dict[str, abi.Disposition]:
    return {d.name: d for d in abi.disposition_map(src, dst)}


# ---------------------------------------------------------------- generated tables
def test_generated_tables_are_current():
    gen = _gen_abi()
    if not gen.tools_available():
        pytest.skip("kernel UAPI headers or cross preprocessors not installed")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_abi.py"), "--check"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_table_headers_carry_provenance():
    for a in abi.ABIS:
        head = (ROOT / "abi" / f"syscalls_{a}.tsv").read_text().splitlines()[:4]
        assert all(line.startswith("#") for line in head)
        assert "DO NOT EDIT" in head[0] and "tools/gen_abi.py" in head[0]
        assert any("linux-libc-dev" in line for line in head)


@pytest.mark.skipif(not UNISTD_32.exists(), reason="unistd_32.h not installed")
def test_i386_table_matches_unistd_32():
    defined = dict((m.group(1), int(m.group(2))) for m in re.finditer(
        r"^#define __NR_(\w+) (\d+)$", UNISTD_32.read_text(), re.M))
    assert abi.numbers("i386") == defined
    assert len(abi.names("i386")) == len(defined) == 440


def test_known_numbers():
    assert abi.numbers("i386")["fstat64"] == 197
    assert abi.numbers("arm32")["fstat64"] == 197
    assert abi.numbers("arm32")["arm_fadvise64_64"] == 270
    assert abi.numbers("arm32")["sync_file_range2"] == abi.numbers("arm32")["arm_sync_file_range"] == 341
    assert abi.names("arm32")[341] == "arm_sync_file_range"
    assert abi.numbers("arm32")["ARM_set_tls"] == 0x0F0005
    assert "open" not in abi.numbers("aarch64")
    assert abi.numbers("aarch64")["openat"] == 56
    assert abi.numbers("x86_64")["read"] == 0
    assert "getrlimit" in abi.numbers("aarch64")          # __ARCH_WANT_SET_GET_RLIMIT
    assert "clock_gettime64" not in abi.numbers("aarch64")  # no TIME32 calls on 64-bit


def test_unknown_abi():
    with pytest.raises(abi.UnknownABI, match="unknown ABI 'mips' \\(valid: i386, arm32"):
        abi.numbers("mips")


# ---------------------------------------------------------------- signatures
def test_every_i386_call_has_exactly_one_signature():
    lines = [l.split("\t")[0] for l in (ROOT / "abi" / "signatures.tsv").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert len(lines) == len(set(lines)), "duplicate signature rows"
    assert set(lines) == set(abi.numbers("i386"))


ARG_KINDS = {"int", "uint", "hex", "fd", "dirfd", "path", "str", "buf_in", "buf_out", "ptr",
             "struct_in", "struct_out", "struct_inout", "array_in", "flags", "mode", "signal",
             "pid", "uid", "gid", "off", "off64_lo", "off64_hi", "size", "clockid", "whence"}
RET_KINDS = {"int", "fd", "pid", "ptr", "hex", "size", "none"}


def test_signature_kinds_are_valid():
    for name in abi.signature_names():
        sig = abi.signature(name)
        assert sig.ret in RET_KINDS, name
        assert len(sig.args) <= 6, name
        for i, a in enumerate(sig.args):
            assert a.kind in ARG_KINDS, (name, a)
            if a.kind in ("buf_in", "buf_out"):
                n = int(a.detail)
                assert 0 <= n < len(sig.args) and n != i, (name, a)
            if a.kind == "array_in":
                n = int(a.detail.split(",")[1])
                assert 0 <= n < len(sig.args), (name, a)
            if a.kind.startswith("struct_") or a.kind in ("array_in", "flags"):
                assert a.detail, (name, a)


def test_struct_names_are_known():
    """Every struct a signature names is in structs/structs.toml or abi's explicit list."""
    for name in abi.signature_names():
        for s in abi.struct_refs(abi.signature(name)):
            assert abi.struct_known(s), (name, s)


def test_uncatalogued_list_is_not_stale():
    from fexlite import layout
    cat = set(layout.struct_names(include_helpers=True))
    stale = sorted(set(abi._UNCATALOGUED) & cat)
    assert not stale, f"now in structs.toml, drop from abi._UNCATALOGUED: {stale}"


def test_known_signatures():
    s = abi.signature("pread64")
    assert [a.kind for a in s.args] == ["fd", "buf_out", "size", "off64_lo", "off64_hi"]
    assert s.args[1].detail == "2" and s.ret == "size"
    assert abi.signature("fstat64").args[1] == abi.Arg("statbuf", "struct_out", "stat64")
    assert abi.signature("openat").args[2] == abi.Arg("flags", "flags", "open")
    assert abi.signature("exit_group").ret == "none"
    assert abi.signature("nosuchcall") is None


# ---------------------------------------------------------------- disposition maps
@pytest.mark.parametrize("dst", abi.ABIS)
def test_every_i386_number_once(dst):
    rows = abi.disposition_map("i386", dst)
    nrs = [r.nr for r in rows]
    assert len(nrs) == len(set(nrs))
    assert set(nrs) == set(abi.names("i386"))
    assert sum(abi.counts(rows).values()) == len(rows)


@pytest.mark.parametrize("dst", abi.ABIS)
def test_targets_exist_and_kinds_valid(dst):
    table = abi.numbers(dst)
    for r in abi.disposition_map("i386", dst):
        assert r.kind in abi.KINDS, r
        assert len(r.target_names) == len(r.target_nrs), r
        for n, nr in zip(r.target_names, r.target_nrs):
            assert table[n] == nr, r
        if r.kind in ("same", "renumbered", "relaid", "struct", "demux"):
            assert r.target_names, r
        if r.kind == "same":
            assert r.target_names == (r.name,) and r.target_nrs == (r.nr,), r
        if r.kind not in ("same",):
            assert r.reason, r


@pytest.mark.parametrize("dst", abi.ABIS)
def test_no_call_falls_through_to_the_default(dst):
    """Calls a target lacks are all named in abi/special.tsv."""
    fallen = [r.name for r in abi.disposition_map("i386", dst) if "no replacement" in r.reason]
    assert fallen == []


def test_special_rows_name_i386_calls():
    for (route, name), sp in abi._specials().items():
        assert route in (*abi.ABIS, "native", "*"), (route, name)
        assert name in abi.numbers("i386"), (route, name)


def test_identity_route():
    rows = by_name("i386", "i386")
    assert rows["getpid"].kind == "same"
    assert rows["pread64"].kind == "same"


def test_pinned_arm32():
    m = by_name("i386", "arm32")
    assert (m["getpid"].nr, m["getpid"].target_nrs, m["getpid"].kind) == (20, (20,), "same")
    assert (m["fstat64"].nr, m["fstat64"].target_nrs, m["fstat64"].kind) == (197, (197,), "struct")
    assert "104" in m["fstat64"].reason
    assert m["socketcall"].nr == 102 and m["socketcall"].kind == "demux"
    assert {"socket", "connect", "sendmsg", "recvmmsg", "sendmmsg"} <= set(m["socketcall"].target_names)
    assert m["ipc"].kind == "demux" and 300 in m["ipc"].target_nrs
    f = m["fadvise64_64"]
    assert (f.nr, f.target_names, f.target_nrs, f.kind) == (272, ("arm_fadvise64_64",), (270,), "relaid")
    assert m["fadvise64"].target_nrs == (270,)
    assert m["sync_file_range"].target_nrs == (341,) and m["sync_file_range"].kind == "relaid"
    for n in ("pread64", "pwrite64", "truncate64", "ftruncate64", "readahead"):
        assert m[n].kind == "relaid" and "pad" in m[n].reason, n
    for n in ("fallocate", "preadv", "pwritev"):          # pairs already even / two longs
        assert m[n].kind == "renumbered", n
    for n in ("semctl", "msgctl", "shmctl"):
        assert m[n].kind == "struct" and "IPC_64" in m[n].reason, n
    for n in ("epoll_ctl", "epoll_wait", "epoll_pwait", "stat64", "lstat64", "fstatat64",
              "open", "openat", "ioctl", "quotactl"):
        assert m[n].kind == "struct", n
    assert m["read"].kind == "same" and m["openat"].target_nrs == (322,)
    assert m["getdents64"].kind == "renumbered"
    for n in ("set_thread_area", "modify_ldt", "mmap", "select", "readdir", "waitpid",
              "sigreturn", "rt_sigaction", "brk", "clone", "uname", "exit_group"):
        assert m[n].kind == "emulated", n
    assert m["mmap"].target_names == ("mmap2",) and m["select"].target_names == ("_newselect",)
    assert m["waitpid"].target_nrs == (114,)
    for n in ("vm86", "iopl", "ioperm", "break", "afs_syscall", "arch_prctl", "memfd_secret"):
        assert m[n].kind == "enosys", n


def test_pinned_native():
    x = by_name("i386", "x86_64")
    a = by_name("i386", "aarch64")
    assert x["getpid"].target_nrs == (39,) and x["getpid"].kind == "renumbered"
    assert (a["open"].nr, a["open"].target_names, a["open"].target_nrs) == (5, ("openat",), (56,))
    assert x["open"].target_names == ("open",) and x["open"].kind == "renumbered"
    assert x["fstat64"].target_names == ("fstat",) and x["fstat64"].kind == "struct"
    assert x["stat64"].target_names == ("stat",)
    assert a["stat64"].target_names == ("newfstatat",) and a["stat64"].kind == "struct"
    assert x["_llseek"].target_names == ("lseek",) and x["_llseek"].kind == "relaid"
    assert x["fcntl64"].target_names == ("fcntl",) and x["fcntl64"].kind == "struct"
    assert x["mmap2"].target_names == ("mmap",)
    assert x["getuid32"].target_names == ("getuid",) and x["getuid32"].kind == "renumbered"
    assert x["ugetrlimit"].target_names == ("getrlimit",)
    assert x["_newselect"].target_names == ("select",)
    assert a["_newselect"].target_names == ("pselect6",)
    assert x["clock_gettime64"].target_names == ("clock_gettime",)
    assert x["clock_gettime64"].kind == "renumbered"
    assert x["clock_gettime"].kind == "struct"             # 32-bit timespec widens
    assert x["sendmsg"].kind == "struct" and "56" in x["sendmsg"].reason
    assert x["pread64"].kind == "relaid"
    assert x["epoll_wait"].kind == "renumbered"             # x86_64 epoll_event is packed too
    assert a["epoll_wait"].target_names == ("epoll_pwait",) and a["epoll_wait"].kind == "struct"
    assert set(x["socketcall"].target_names) >= {"socket", "sendto", "recvfrom", "accept4"}
    for name, target in [("select", "pselect6"), ("poll", "ppoll"), ("getdents", "getdents64"),
                         ("dup2", "dup3"), ("pipe", "pipe2"), ("fork", "clone"),
                         ("epoll_create", "epoll_create1"), ("access", "faccessat")]:
        assert a[name].target_names == (target,), name


def test_counts_summary():
    for dst in TARGETS:
        c = abi.counts(abi.disposition_map("i386", dst))
        assert sum(c.values()) == 440
        assert c["demux"] == 2


# ---------------------------------------------------------------- CLI
def _parse(argv):
    ap = argparse.ArgumentParser(prog="fexlite")
    sub = ap.add_subparsers(dest="command")
    cli_abi.register(sub)
    return ap.parse_args(argv)


def test_cli_map_json():
    args = _parse(["abi", "map", "--from", "i386", "--to", "arm32", "--json"])
    out = io.StringIO()
    assert args.func(args, out) == 0
    doc = json.loads(out.getvalue())
    assert doc["from"] == "i386" and doc["to"] == "arm32"
    assert len(doc["rows"]) == 440 and sum(doc["counts"].values()) == 440
    row = next(r for r in doc["rows"] if r["name"] == "fadvise64_64")
    assert row == {"nr": 272, "name": "fadvise64_64", "target_names": ["arm_fadvise64_64"],
                   "target_nrs": [270], "kind": "relaid", "reason": row["reason"]}


def test_cli_map_text():
    args = _parse(["abi", "map", "--to", "aarch64"])
    out = io.StringIO()
    assert args.func(args, out) == 0
    text = out.getvalue()
    assert re.search(r"^5\s+open\s+56\s+openat\s+struct", text, re.M)
    assert re.search(r"^total\s+440$", text, re.M)


def test_cli_unknown_abi(capsys):
    args = _parse(["abi", "map", "--to", "mips"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err == "fexlite: unknown ABI 'mips' (valid: i386, arm32, x86_64, aarch64)\n"
    args = _parse(["abi", "table", "sparc"])
    assert args.func(args) == 2


def test_cli_table():
    args = _parse(["abi", "table", "i386", "--json"])
    out = io.StringIO()
    assert args.func(args, out) == 0
    doc = json.loads(out.getvalue())
    assert {"nr": 20, "name": "getpid"} in doc["rows"]


def test_python_m_fexlite_abi_map():
    if not (ROOT / "fexlite" / "cli.py").exists():
        pytest.skip("fexlite/cli.py not written yet")
    r = subprocess.run([sys.executable, "-m", "fexlite", "abi", "map", "--from", "i386",
                        "--to", "arm32", "--json"], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0 and "invalid choice: 'abi'" in r.stderr:
        pytest.skip("fexlite/cli.py does not register the abi subcommand yet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["counts"]["demux"] == 2
