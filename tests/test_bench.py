"""`fexlite bench`: a tiny configuration (1 round, small N, few calls and programs) run
for real; checks the JSON structure, that every ratio is computed from the measured
medians, the translator counters, and the one-line errors.  No timing assertions."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import pytest

from fexlite import bench, cli_bench
from fexlite.asm_elf import elf_from_source
from fexlite.data import data_dir

pytestmark = pytest.mark.skipif(not os.path.exists(bench.BUSYBOX), reason="needs /bin/busybox")


@pytest.fixture(scope="module")
def tiny_result():
    routes = bench.parse_routes(None)
    cfg = bench.Config(routes=routes, rounds=1, quick=True, kinds=["getpid", "fstat64"],
                       programs=["true"], vs_qemu=bench.qemu_available(),
                       n={"i386": (100, 2000), "qemu": (100, 2000), "fexlite": (20, 200)},
                       loop_seconds={"i386": 0.0, "qemu": 0.0, "fexlite": 0.0})
    return bench.run_bench(cfg)


def _rows(result, section):
    return [r for r in result["rows"] if r["section"] == section]


def test_json_structure(tiny_result, tmp_path):
    r = json.loads(json.dumps(tiny_result))          # JSON-serialisable as it is
    for key in ("cpu", "cpus", "kernel", "python", "unicorn", "date", "qemu_i386"):
        assert key in r["machine"]
    assert r["config"]["rounds"] == 1
    assert {x["id"] for x in r["runners"]} >= set(r["config"]["routes"])
    assert {(x["name"], x["section"]) for x in r["rows"]} == {
        ("getpid", "syscall"), ("fstat64", "syscall"), ("true", "program")}
    for row in r["rows"]:
        for key in ("name", "runner", "median", "samples", "ratio_i386", "ratio_qemu",
                    "ratio_passthrough"):
            assert key in row
        assert len(row["samples"]) == 1
    for row in _rows(r, "syscall"):
        for key in ("fixups_per_call", "bytes_per_call", "n_small", "n_big", "stats_source"):
            assert key in row
    for row in _rows(r, "program"):
        assert row["failed"] == 0, row["error"]
        assert row["maxrss_kb"] is not None
        assert row["stdout_matches_i386"] in (True, None)
    if r["config"]["vs_qemu"]:
        assert r["targets"] and all("met" in t for t in r["targets"])


def test_medians_and_ratios_come_from_the_samples(tiny_result):
    rows = tiny_result["rows"]
    by = {(r["section"], r["name"], r["runner"]): r for r in rows}
    for row in rows:
        assert row["median"] == statistics.median(row["samples"])
        for key, ref in (("ratio_i386", "i386"), ("ratio_qemu", "qemu-i386"),
                         ("ratio_passthrough", "passthrough")):
            base = by.get((row["section"], row["name"], ref))
            if base is None or not base["median"] or base["median"] <= 0:
                assert row[key] is None
            else:
                assert row[key] == pytest.approx(row["median"] / base["median"])
    for row in _rows(tiny_result, "syscall"):
        assert row["n_big"][0] > row["n_small"]


def test_per_call_cost_is_the_difference_of_two_runs():
    """(t(N_big) - t(N_small)) / (N_big - N_small), with the samples run_once returns."""
    calls = []

    def fake_run_once(argv, env, cwd, capture=False, timeout=0, launcher=None):
        n = int(argv[-2])
        calls.append(n)
        return bench.Sample(wall=0.5 + n * 2e-6, cpu=0.25 + n * 1e-6, maxrss_kb=1, status=0)

    cfg = bench.Config(routes=[], rounds=2, kinds=["getpid"], n={"i386": (100, 1100)},
                       adaptive=False, loop_seconds={"i386": 0.0, "qemu": 0.0, "fexlite": 0.0})
    saved = bench.run_once
    bench.run_once = fake_run_once
    try:
        rows = bench.measure_syscalls(cfg, [bench.I386], "/prog", "/tmp")
    finally:
        bench.run_once = saved
    (row,) = rows
    assert row["samples"] == [pytest.approx(1e-6)] * 2
    assert row["wall_samples"] == [pytest.approx(2e-6)] * 2
    assert sorted(calls) == [100, 100, 1100, 1100]
    assert row["n_small"] == 100 and row["n_big"] == [1100, 1100]


def test_translator_counters(tiny_result):
    by = {(r["name"], r["runner"]): r for r in _rows(tiny_result, "syscall")}
    if ("fstat64", "compat") in by:
        # stat64 is 96 bytes on i386 and 104 on arm32 EABI: one fix-up per call
        row = by[("fstat64", "compat")]
        assert row["fixups_per_call"] == pytest.approx(1.0)
        assert row["bytes_per_call"] == pytest.approx(96.0)
        assert by[("getpid", "compat")]["fixups_per_call"] == pytest.approx(0.0)
    if ("fstat64", "i386") in by:
        assert by[("fstat64", "i386")]["fixups_per_call"] is None


def test_render_and_plot_inputs(tiny_result):
    text = bench.render(tiny_result)
    assert "per-syscall cost" in text and "whole programs" in text
    lines = text.splitlines()
    header = next(i for i, l in enumerate(lines) if l.startswith("call "))
    assert set(lines[header + 1]) <= {"-", " "}


def test_plot_writes_a_png(tiny_result, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "bench.png"
    bench.plot(tiny_result, str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_guest_program_runs_every_kind_natively(tmp_path):
    if not bench.i386_runs_here():
        pytest.skip("host does not run i386 programs")
    prog = tmp_path / "bench_syscalls"
    prog.write_bytes(elf_from_source((data_dir("examples") / "bench_syscalls.s").read_text()))
    prog.chmod(0o755)
    f = tmp_path / "file"
    f.write_bytes(b"x" * 16)
    spawn = bench.build_program(str(tmp_path), "bench_spawn")
    for kind in bench.SYSCALL_KINDS:
        s = bench.run_once([str(prog), kind.arg, "3", str(f)], dict(bench.CHILD_ENV),
                           str(tmp_path), launcher=spawn)
        assert s.status == 0, (kind.name, s.error)
    s = bench.run_once([str(prog), "7", "x"], dict(bench.CHILD_ENV), str(tmp_path))
    assert s.status == 2


# ------------------------------------------------------------------ command line
def _parse(argv):
    class P(argparse.ArgumentParser):
        def error(self, message):
            raise SystemExit(f"usage error: {message}")
    p = P(prog="fexlite")
    sub = p.add_subparsers(dest="command")
    cli_bench.register(sub)
    return p.parse_args(["bench", *argv])


@pytest.mark.parametrize("argv, message", [
    (["--rounds", "0"], "--rounds must be at least 1"),
    (["--routes", "bogus"], "unknown route 'bogus'"),
    (["--routes", ","], "needs at least one route"),
    (["--json", "/nonexistent-dir/x.json"], "does not exist"),
])
def test_bad_options_give_one_line(argv, message, capsys):
    args = _parse(argv)
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fexlite: ") and message in err


def test_bad_choice_is_a_usage_error():
    with pytest.raises(SystemExit, match="invalid choice"):
        _parse(["--vs", "kvm"])


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # import fails
    args = _parse(["--plot", "out.png"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "matplotlib" in err
