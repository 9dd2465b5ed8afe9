"""A compact route matrix: a representative subset of the differential suite run under
every route and backend combination available on this host, against native execution.

The cases are picked by id from the suite's own tables (imported, never copied):
12 busybox invocations (test_busybox, test_busybox_processes), 6 C examples
(test_examples_c) and 3 signal/thread/process programs (test_signals, test_threads,
test_processes).  Each native run happens once and is compared with every variant.
FEXLITE_ROUTE/FEXLITE_OPTS are overridden: each variant passes its own `--route` and
`--backend` (the last option given wins).  Meant to stay under ~4 minutes on 2 cores.
"""
from __future__ import annotations

import os
import shutil

import pytest

import support
import test_busybox
import test_busybox_processes
import test_examples_c
import test_processes
import test_signals
import test_threads
from conftest import FIXED_MTIME, make_tree
from fexlite import backends as B, routes as R

BB = support.BUSYBOX


def available_variants() -> list[tuple[str, str]]:
    """(route, backend) for every backend available here, for each route it serves."""
    return [(name, b) for name, cls in R.ROUTES.items() for b in cls.backends
            if B.BACKENDS[b].available()[0]]


VARIANTS = available_variants()
VARIANT_IDS = [f"{r}-{b}" for r, b in VARIANTS]


def _opts(variant) -> list[str]:
    route, backend = variant
    return ["--route", route, "--backend", backend]


def _pick(table, ids, key=lambda c: c[0]):
    by_id = {key(c): c for c in table}
    missing = [i for i in ids if i not in by_id]
    assert not missing, f"cases renamed or removed: {missing}"
    return [by_id[i] for i in ids]


# --- busybox: (id, argv after "busybox", stdin), run in one shared read-only tree
BUSYBOX = _pick(test_busybox.READ_ONLY, [
    "ls-lR", "cat-dash-mixed", "sort-stdin-k", "grep-r", "find-type-d", "stat-c",
    "dd-bs1-stdout", "date-format", "du-a", "md5sum-stdin",
]) + _pick(test_busybox_processes.CASES, ["pipeline-sort-uniq", "trap-usr1"])

# --- C examples: the first case of each program (its own fresh directory per run)
C_PROGRAMS = ["dirs", "stat64", "fileio", "fcntl_dup", "pipe_poll", "ids"]
C_CASES = [(p, test_examples_c.CASES[p][0]) for p in C_PROGRAMS]

# --- one signal, one thread, one process program: (id, module, program, args, rc, expect)
_THREAD = _pick(test_threads.CASES, ["condvar-producer-consumer-1000"])[0]   # no args column
PROGRAMS = [
    ("signal", *_pick(test_signals.CASES, ["sa-restart-read-continues"])[0]),
    ("thread", _THREAD[0], _THREAD[1], [], *_THREAD[2:]),
    ("process", *_pick(test_processes.CASES, ["fork-exec-busybox-echo"])[0]),
]

_native: dict = {}


def _once(key, fn):
    if key not in _native:
        _native[key] = fn()
    return _native[key]


@pytest.fixture(scope="module")
def shared_tree(tmp_path_factory):
    parent = tmp_path_factory.mktemp("matrix")
    root = make_tree(parent / "tree")
    os.utime(parent, (FIXED_MTIME, FIXED_MTIME))      # `ls -la` would show `..`
    return root


needs_busybox = pytest.mark.skipif(not os.path.exists(BB), reason=f"{BB} not installed")


@needs_busybox
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("args,stdin", [pytest.param(a, s, id=i) for i, a, s in BUSYBOX])
def test_busybox(variant, args, stdin, shared_tree):
    argv = [BB, *args]
    native = _once(("bb", tuple(args), stdin),
                   lambda: support.run_native(argv, stdin, cwd=shared_tree))
    emulated = support.run_fexlite(argv, stdin, cwd=shared_tree, extra_opts=_opts(variant))
    support.assert_same(native, emulated, f"[{'/'.join(variant)}] busybox {' '.join(args)}")


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("prog,case", [pytest.param(p, c, id=p) for p, c in C_CASES])
def test_c_example(variant, prog, case, tmp_path_factory):
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c")
    argv = [exe, *case.get("args", [])]
    stdin, env = case.get("stdin", b""), case.get("env", support.BASE_ENV)

    def native_run():
        d = tmp_path_factory.mktemp(f"native-{prog}")
        return d, support.run_native(argv, stdin, cwd=d, env=env)
    ndir, native = _once(("c", prog), native_run)
    edir = tmp_path_factory.mktemp(f"{prog}-{'-'.join(variant)}")
    emulated = support.run_fexlite(argv, stdin, cwd=edir, env=env, extra_opts=_opts(variant))
    support.assert_same(native, emulated, f"[{'/'.join(variant)}] {prog}")
    support.assert_trees_equal(ndir, edir, prog)
    shutil.rmtree(edir, ignore_errors=True)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("kind,case_id,prog,args,rc,expect",
                         [pytest.param(*p, id=f"{p[0]}-{p[1]}") for p in PROGRAMS])
def test_program(variant, kind, case_id, prog, args, rc, expect, tmp_path):
    flags = ("-pthread",) if kind == "thread" else ()
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c", extra_flags=flags)
    module = {"signal": test_signals, "thread": test_threads, "process": test_processes}[kind]
    argv = [exe, *args]

    def native_run():
        n = support.run_native_raw(argv, cwd=tmp_path)
        module._check_native(n, rc, expect, case_id)
        return n
    native = _once(("prog", case_id), native_run)
    emulated = support.run_fexlite_raw(argv, cwd=tmp_path, extra_opts=_opts(variant))
    support.assert_same(native, emulated, f"[{'/'.join(variant)}] {case_id}")
