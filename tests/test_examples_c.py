"""Every examples/*.c, built with gcc -m32 -static -O1, run natively and under fexlite:
identical stdout, stderr and exit status.  Each run gets its own fresh, empty working
directory (programs that create files are given "." as their directory argument).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import support

BASE = support.BASE_ENV


def _numbers_input() -> bytes:
    return "".join(f"{(i * 7919) % 20011 - 10000} word{i % 13}\n" for i in range(50000)).encode()


# program -> list of cases; a case is a dict with optional keys:
#   args: list of arguments, stdin: bytes,
#   env: guest environment (default support.BASE_ENV),
#   fexlite_opts: extra `fexlite run` options, native_env: the environment those
#   options should produce natively, argv0: argv[0] given natively (with `-0`),
#   warning: the one stderr line fexlite adds (an unknown syscall is -ENOSYS plus a
#   warning naming it, by design)
CASES = {
    "fileio": [{"args": ["."]}],
    "dirs": [{"args": ["."]}],
    "stat64": [{"args": ["."]}],
    "timefuncs": [{}],
    "getrandom": [{}],
    "bigmalloc": [{}],
    "tls": [{}],
    "errnos": [{"args": ["."],
                "warning": b"fexlite: unsupported syscall syscall_1000 (#1000)\n"}],
    "auxv": [{}, {"args": ["one", "two"]},
             {"argv0": "custom-argv0", "fexlite_opts": ["-0", "custom-argv0"]}],
    "stdin_sum": [{"stdin": b""},
                  {"stdin": b"1 2 3\n-4 x5\nno newline at end 6"},
                  {"stdin": _numbers_input()}],
    "argv_env": [{"args": []},
                 {"args": ["a b", "", "quote'\"", "tab\there", "\u00e9t\u00e9", "-x", "--", *map(str, range(40))]},
                 {"args": ["x" * 5000]},
                 {"env": {**BASE, "FOO": "foo value", "EMPTY": ""}},
                 {"fexlite_opts": ["-E", "FOO=from -E", "-U", "HOME", "-E", "EMPTY="],
                  "native_env": {k: v for k, v in {**BASE, "FOO": "from -E", "EMPTY": ""}.items()
                                 if k != "HOME"}},
                 {"env": {}}],
    "exitcode": [{"args": ["0"]}, {"args": ["1"]}, {"args": ["42"]}, {"args": ["255"]},
                 {"args": ["256"]}, {"args": ["3", "_exit"]}, {"args": ["7", "return"]},
                 {"args": ["0", "abort"]}],
    "mathfmt": [{}],
    "mmap_file": [{"args": ["."]}],
    "pipe_poll": [{}],
    "fcntl_dup": [{"args": ["."]}],
    "uname": [{}],
    "ids": [{}],
    "sysinfo_rlimit": [{}],
    "strings_big": [{}],
    "procself": [{}, {"args": ["one", "two words"]}],
}


def test_every_case_has_a_source():
    # examples/ also holds proc_*, sig_*, thr_* programs tested elsewhere; this table
    # covers the single-process themes only.
    on_disk = {p.stem for p in support.EXAMPLES_DIR.glob("*.c")}
    assert set(CASES) <= on_disk, f"cases without source: {set(CASES) - on_disk}"


def test_examples_document_themselves():
    for p in sorted(support.EXAMPLES_DIR / f"{name}.c" for name in CASES):
        first = p.read_text().splitlines()[0]
        assert first.startswith("/*") and "run" in first, f"{p.name}: first line should say what it covers and how it is run"


PARAMS = [pytest.param(prog, case, id=f"{prog}-{i}")
          for prog, cases in CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("prog,case", PARAMS)
def test_example(prog, case, tmp_path, build_dir):
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c")
    argv = [exe, *case.get("args", [])]
    stdin = case.get("stdin", b"")
    env = case.get("env", BASE)
    ndir, edir = tmp_path / "native", tmp_path / "fexlite"
    ndir.mkdir()
    edir.mkdir()
    native = support.run_native(argv, stdin, cwd=ndir, env=case.get("native_env", env),
                                argv0=case.get("argv0"))
    emulated = support.run_fexlite(argv, stdin, cwd=edir, env=env,
                                   extra_opts=case.get("fexlite_opts", ()))
    warning = case.get("warning", b"")
    if warning:
        assert warning in emulated[2], f"missing warning {warning!r} in {emulated[2]!r}"
        emulated = (emulated[0], emulated[1], emulated[2].replace(warning, b"", 1))
    support.assert_same(native, emulated, f"{prog} {case.get('args', [])}")
    # the programs clean up after themselves; leftovers must match too
    support.assert_trees_equal(ndir, edir, prog)


# The same programs linked dynamically: fexlite loads ld.so (PT_INTERP) and the host's
# i386 libraries, as the kernel does.
DYNAMIC = ["fileio", "dirs", "stat64", "mathfmt", "tls", "strings_big", "procself"]


@pytest.mark.parametrize("prog", DYNAMIC)
def test_example_dynamic(prog, tmp_path, build_dir):
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c", static=False,
                              extra_flags=("-pthread",))
    case = CASES[prog][0]
    ndir, edir = tmp_path / "native", tmp_path / "fexlite"
    ndir.mkdir()
    edir.mkdir()
    argv = [exe, *case.get("args", [])]
    support.assert_same(support.run_native(argv, cwd=ndir), support.run_fexlite(argv, cwd=edir),
                        f"{prog} (dynamic)")


def test_native_runs_are_sane(build_dir, tmp_path):
    """Oracle self-check: a couple of programs print what the tests assume natively."""
    exe = support.compile_m32(support.EXAMPLES_DIR / "auxv.c")
    rc, out, err = support.run_native([exe], cwd=tmp_path)
    assert rc == 0 and b"AT_EXECFN equals argv[0]: yes" in out and b"AT_PAGESZ: 4096" in out
    rc, out, err = support.run_native([exe], cwd=tmp_path, argv0="other")
    assert b"AT_EXECFN equals argv[0]: no" in out
    exe = support.compile_m32(support.EXAMPLES_DIR / "exitcode.c")
    assert support.run_native([exe, "0", "abort"], cwd=tmp_path)[0] == 134
    assert support.run_native([exe, "256"], cwd=tmp_path)[0] == 0
