"""Helpers for differential tests: the same i386 program run natively and under fexlite.

Native execution of the i386 binary on this x86_64 kernel is the oracle.  Both runs get
the same argv (same path strings), the same minimal environment, the same stdin and the
same kind of working directory; results are (returncode, stdout, stderr).  A guest that
dies of a signal is reported as 128 + signal number in both cases, which is what
`fexlite run` promises (subprocess reports native deaths as a negative number).
"""
from __future__ import annotations

import difflib
import hashlib
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
EXAMPLES_DIR = REPO_ROOT / "examples"
BUILD_DIR = Path(os.environ.get("FEXLITE_TEST_BUILD_DIR", TESTS_DIR / ".build"))
BUSYBOX = "/bin/busybox"

# The only environment any guest sees, natively or emulated.
BASE_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": "/tmp"}

NATIVE_TIMEOUT = 60
# The emulator is allowed to be much slower than the hardware.
FEXLITE_TIMEOUT = float(os.environ.get("FEXLITE_TIMEOUT", "120"))

CFLAGS = ("-m32", "-static", "-O1")


# --------------------------------------------------------------------------- options

def fexlite_opts_from_env() -> list[str]:
    """Extra `fexlite run` options for every differential test.

    FEXLITE_OPTS is split with shlex; FEXLITE_ROUTE=NAME adds `--route NAME` (the
    same suite can then be run once per route).
    """
    opts = shlex.split(os.environ.get("FEXLITE_OPTS", ""))
    route = os.environ.get("FEXLITE_ROUTE", "").strip()
    if route:
        opts += ["--route", route]
    return opts


# --------------------------------------------------------------------------- building

def _asm_include_dir() -> Path:
    """A private folder holding `asm -> /usr/include/x86_64-linux-gnu/asm`.

    Needed because gcc-multilib is not installed: <linux/errno.h> and <sys/syscall.h>
    include <asm/...>; the x86_64 uapi asm headers select the i386 variants by __i386__.
    """
    d = BUILD_DIR / "asminc"
    link = d / "asm"
    if not link.is_symlink():
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f"asm.{os.getpid()}"
        try:
            os.symlink("/usr/include/x86_64-linux-gnu/asm", tmp)
            os.replace(tmp, link)
        except FileExistsError:
            pass
    return d


_toolchain_ok: bool | None = None
_toolchain_reason = ""


def _check_toolchain() -> None:
    """Skip (not fail) when this machine cannot link a static i386 program at all."""
    global _toolchain_ok, _toolchain_reason
    if _toolchain_ok is None:
        gcc = shutil.which("gcc")
        if gcc is None:
            _toolchain_ok, _toolchain_reason = False, "gcc not found"
        else:
            with tempfile.TemporaryDirectory() as td:
                src = Path(td, "probe.c")
                src.write_text("#include <stdio.h>\nint main(void){puts(\"ok\");return 0;}\n")
                r = subprocess.run([gcc, *CFLAGS, "-o", str(Path(td, "probe")), str(src)],
                                   capture_output=True, text=True)
                _toolchain_ok = r.returncode == 0
                _toolchain_reason = ("gcc -m32 -static cannot link a trivial program "
                                     "(need libc6-dev-i386 and lib32gcc-12-dev): "
                                     + (r.stderr.strip().splitlines() or ["?"])[-1])
    if not _toolchain_ok:
        pytest.skip(_toolchain_reason)


def compile_m32(src, out=None, extra_flags=(), static=True) -> Path:
    """Compile C source `src` (a path) with gcc -m32 -static -O1; return the binary path.

    The result is cached in BUILD_DIR under a hash of the source text, the flags and the
    compiler version, so repeated sessions do not rebuild.  If `out` is given the binary
    is also copied there.  Skips the calling test when the toolchain cannot link static
    i386 programs; a compile error in a program that should build is a failure.
    """
    _check_toolchain()
    src = Path(src)
    text = src.read_bytes()
    flags = [*(f for f in CFLAGS if static or f != "-static"), "-idirafter",
             str(_asm_include_dir()), *extra_flags]
    gcc_version = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256(text + repr(flags).encode() + gcc_version.encode()).hexdigest()[:16]
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    exe = BUILD_DIR / f"{src.stem}-{key}"
    if not exe.exists():
        tmp = exe.with_name(exe.name + f".tmp{os.getpid()}")
        r = subprocess.run(["gcc", *flags, "-o", str(tmp), str(src), "-lm"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"compiling {src.name} failed:\n{r.stderr[-3000:]}", pytrace=False)
        os.replace(tmp, exe)
    if out is not None:
        shutil.copy2(exe, out)
        return Path(out)
    return exe


# --------------------------------------------------------------------------- running

def _norm_rc(rc: int) -> int:
    return 128 - rc if rc < 0 else rc


def _run(cmd, stdin, cwd, env, timeout, what, executable=None):
    # Own session, so a timeout can kill every process the guest (or fexlite) forked.
    p = subprocess.Popen(cmd, executable=executable, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        pytest.fail(f"{what} timed out after {timeout}s: {shlex.join(map(str, cmd))}\n"
                    f"stdout so far: {out[-300:]!r}\nstderr so far: {err[-500:]!r}", pytrace=False)
    return _norm_rc(p.returncode), out, err


def guest_env(env=None) -> dict:
    return dict(BASE_ENV if env is None else env)


def run_native(argv, stdin=b"", cwd=None, env=None, timeout=NATIVE_TIMEOUT, argv0=None):
    """Run the i386 program natively.  Returns (returncode, stdout, stderr).

    argv0: execute argv[0] but pass this string as argv[0] (what `fexlite run -0` does).
    """
    argv = [str(a) for a in argv]
    if argv0 is None:
        return _run(argv, stdin, cwd, guest_env(env), timeout, "native run")
    return _run([argv0, *argv[1:]], stdin, cwd, guest_env(env), timeout, "native run",
                executable=argv[0])


def fexlite_command(argv, extra_opts=()):
    # PYTHONPATH is needed by the Python process only; `-U PYTHONPATH` keeps the guest's
    # environment identical to the native run's.
    return [sys.executable, "-m", "fexlite", "run", "-U", "PYTHONPATH",
            *fexlite_opts_from_env(), *extra_opts, *[str(a) for a in argv]]


def fexlite_env(env=None) -> dict:
    e = guest_env(env)
    e["PYTHONPATH"] = str(REPO_ROOT)
    return e


# Checking the tests themselves: FEXLITE_TEST_SUBSTITUTE=native runs the program a second
# time natively instead of under fexlite (every differential test must then pass: this
# proves the test is deterministic); =qemu runs it under qemu-i386 instead.
SUBSTITUTE = os.environ.get("FEXLITE_TEST_SUBSTITUTE", "")


def _native_as_fexlite(argv, stdin, cwd, env, extra_opts):
    """Apply fexlite's -0/-E/-U to a native run (test self-check mode only)."""
    env, argv0, opts = guest_env(env), None, list(extra_opts)
    while opts:
        o = opts.pop(0)
        if o == "-0":
            argv0 = opts.pop(0)
        elif o == "-E":
            k, _, v = opts.pop(0).partition("=")
            env[k] = v
        elif o == "-U":
            env.pop(opts.pop(0), None)
        else:
            raise ValueError(f"self-check mode cannot emulate option {o}")
    return run_native(argv, stdin, cwd, env, argv0=argv0)


def run_fexlite(argv, stdin=b"", cwd=None, env=None, timeout=None, extra_opts=()):
    """Run the program under `python -m fexlite run`.  Returns (returncode, stdout, stderr)."""
    if SUBSTITUTE == "native":
        return _native_as_fexlite(argv, stdin, cwd, env, extra_opts)
    if SUBSTITUTE == "qemu":
        return _run(["qemu-i386", *map(str, argv)], stdin, cwd, guest_env(env), NATIVE_TIMEOUT, "qemu")
    return _run(fexlite_command(argv, extra_opts), stdin, cwd, fexlite_env(env),
                timeout or FEXLITE_TIMEOUT, "fexlite run")


def run_fexlite_cli(args, stdin=b"", cwd=None, timeout=120):
    """Run `python -m fexlite ARGS...` verbatim (for command-line error tests)."""
    return _run([sys.executable, "-m", "fexlite", *map(str, args)], stdin, cwd,
                fexlite_env(), timeout, "fexlite")


# --------------------------------------------------------------------------- comparing

def _diff(name, a: bytes, b: bytes, limit=40) -> str:
    la = a.decode("utf-8", "backslashreplace").splitlines()
    lb = b.decode("utf-8", "backslashreplace").splitlines()
    d = list(difflib.unified_diff(la, lb, f"native {name}", f"fexlite {name}", lineterm="", n=1))
    if not d:  # differ only in bytes the line split hides (e.g. a missing final newline)
        return f"{name}: native {a[-80:]!r} vs fexlite {b[-80:]!r}"
    if len(d) > limit:
        d = d[:limit] + [f"... ({len(d) - limit} more diff lines)"]
    return "\n".join(d)


def assert_same(native, emulated, what=""):
    """Compare (rc, stdout, stderr) of a native and an emulated run; fail with a short diff."""
    nrc, nout, nerr = native
    erc, eout, eerr = emulated
    problems = []
    if nrc != erc:
        problems.append(f"exit status: native {nrc}, fexlite {erc}")
    if nout != eout:
        problems.append(_diff("stdout", nout, eout))
    if nerr != eerr:
        problems.append(_diff("stderr", nerr, eerr))
    if problems:
        head = f"{what}: " if what else ""
        pytest.fail(head + "native and fexlite differ\n" + "\n".join(problems), pytrace=False)


def differential(argv, stdin=b"", cwd=None, env=None, extra_opts=(), native_cwd=None):
    """Run natively then under fexlite (cwd for both unless native_cwd is given); compare."""
    n = run_native(argv, stdin, native_cwd or cwd, env)
    e = run_fexlite(argv, stdin, cwd, env, extra_opts=extra_opts)
    assert_same(n, e, shlex.join(map(str, argv)))
    return n


# --------------------------------------------------------------------------- file trees

def snapshot_tree(root) -> dict:
    """{relative path: (type, permission bits, size, sha256 or link target)} for a tree."""
    root = Path(root)
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            st = p.lstat()
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", mode, 0, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("dir", mode, 0, "")
            elif stat.S_ISREG(st.st_mode):
                snap[rel] = ("file", mode, st.st_size, hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                snap[rel] = ("other", mode, 0, stat.S_IFMT(st.st_mode))
    return snap


def assert_trees_equal(native_root, emulated_root, what=""):
    a, b = snapshot_tree(native_root), snapshot_tree(emulated_root)
    if a == b:
        return
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"  {k}: native {a.get(k)} / fexlite {b.get(k)}")
    head = f"{what}: " if what else ""
    pytest.fail(head + "file trees differ after the runs\n" + "\n".join(lines[:30]), pytrace=False)


# --------------------------------------------------------------------------- raw statuses, signals from outside
# Added for the signal/thread/process corpus (issue 5).  These keep subprocess's own
# returncode (negative for a death by signal) instead of 128 + N: a guest killed by a
# signal must end fexlite the same way, so its parent sees the same wait status.

def _run_raw(cmd, stdin, cwd, env, timeout, what):
    try:
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=cwd, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{what} timed out after {timeout}s: {shlex.join(map(str, cmd))}\n"
                    f"stderr so far: {(e.stderr or b'')[-500:]!r}", pytrace=False)
    return p.returncode, p.stdout, p.stderr


def run_native_raw(argv, stdin=b"", cwd=None, env=None, timeout=NATIVE_TIMEOUT):
    """Like run_native, but the returncode is subprocess's (-N when killed by signal N)."""
    return _run_raw([str(a) for a in argv], stdin, cwd, guest_env(env), timeout, "native run")


def run_fexlite_raw(argv, stdin=b"", cwd=None, env=None, timeout=None, extra_opts=()):
    """Like run_fexlite, but the returncode is subprocess's (-N when killed by signal N)."""
    if SUBSTITUTE == "native":
        return run_native_raw(argv, stdin, cwd, env, timeout=timeout or NATIVE_TIMEOUT)
    if SUBSTITUTE == "qemu":
        return _run_raw(["qemu-i386", *map(str, argv)], stdin, cwd, guest_env(env), NATIVE_TIMEOUT, "qemu")
    return _run_raw(fexlite_command(argv, extra_opts), stdin, cwd, fexlite_env(env),
                    timeout or FEXLITE_TIMEOUT, "fexlite run")


def differential_raw(argv, stdin=b"", cwd=None, env=None, extra_opts=(), timeout=None):
    """differential() comparing raw returncodes (a death by signal must match as -N)."""
    n = run_native_raw(argv, stdin, cwd, env)
    e = run_fexlite_raw(argv, stdin, cwd, env, timeout=timeout, extra_opts=extra_opts)
    assert_same(n, e, shlex.join(map(str, argv)))
    return n


def _signal_after_ready(cmd, env, cwd, sig, ready, timeout, what):
    """Start cmd with stdin a pipe kept open; once stdout contains `ready`, send `sig` to the
    process; return (raw returncode, stdout, stderr).  A process that never gets ready or
    never ends is a test failure."""
    import selectors
    import signal as _signal
    import time
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=cwd, env=env)
    out = b""
    try:
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while ready not in out:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                pytest.fail(f"{what}: no {ready!r} within {timeout}s; stdout so far {out!r}", pytrace=False)
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
        sel.close()
        if ready in out:
            time.sleep(0.3)  # let it block in read()
            p.send_signal(sig)
        try:
            rest, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{what}: still running {timeout}s after {_signal.Signals(sig).name}", pytrace=False)
        return p.returncode, out + rest, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def signal_after_ready_native(argv, sig, ready=b"ready\n", cwd=None, env=None, timeout=NATIVE_TIMEOUT):
    return _signal_after_ready([str(a) for a in argv], guest_env(env), cwd, sig, ready, timeout, "native run")


def signal_after_ready_fexlite(argv, sig, ready=b"ready\n", cwd=None, env=None, timeout=None, extra_opts=()):
    if SUBSTITUTE == "native":
        return signal_after_ready_native(argv, sig, ready, cwd, env)
    if SUBSTITUTE == "qemu":
        return _signal_after_ready(["qemu-i386", *map(str, argv)], guest_env(env), cwd, sig, ready,
                                   NATIVE_TIMEOUT, "qemu")
    return _signal_after_ready(fexlite_command(argv, extra_opts), fexlite_env(env), cwd, sig, ready,
                               timeout or FEXLITE_TIMEOUT, "fexlite run")


def check_native_oracle(native, rc, expect, what):
    """The native run is what a test assumes (its exit status, lines it must print)."""
    nrc, nout, nerr = native
    text = nout.decode("utf-8", "replace")
    missing = [e for e in expect if e not in text]
    assert nrc == rc and not missing, (
        f"native oracle for {what} is not what the test assumes: rc {nrc} (want {rc}), "
        f"missing {missing}\nstdout:\n{text}\nstderr:\n{nerr.decode('utf-8', 'replace')}")
