"""`fexlite bench`: what each syscall route costs, per call and on whole programs.

Runners (each a separate process per measurement, so nothing is shared or cached):
  i386        the program executed by this kernel directly (the oracle, "native i386")
  qemu-i386   user-mode QEMU, when installed
  fexlite     `fexlite run --route R --backend B` for every selected route; for the
              per-syscall rows every available backend of the route (compat: emulated and
              arm64-bit31-model here), for whole programs the route's default backend.

Per-syscall rows: examples/bench_syscalls.s (assembled with keystone) runs KIND N times;
cost per call = (t(N_big) - t(N_small)) / ((N_big - N_small) * calls per iteration), so
process start-up and set-up cancel.  t is the child's CPU time (user + sys, from
os.wait4), which a busy machine disturbs far less than wall time; the wall-time estimate
is in the JSON too.  The fexlite children also report the route translator's counters
(fexlite.translate.Stats: calls needing a struct fix-up, guest struct bytes converted),
taken the same way, as a difference between the two runs.

Whole programs: busybox workloads, rounds interleaved across runners; median wall time
and the child's peak RSS (ru_maxrss from os.wait4).

Everything here is measured in this run; nothing is a stored or expected number.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STATS_ENV = "FEXLITE_BENCH_STATS"
BUSYBOX = "/bin/busybox"
CHILD_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": "/tmp"}
TIMEOUT = 120.0
ROUTE_NAMES = ("compat", "native", "passthrough")
# what bench_spawn.s writes: timespec t0, timespec t1, wait status, then the first fields
# of i386 struct rusage (ru_utime, ru_stime, ru_maxrss) and the rest of it (56 bytes)
SPAWN_RECORD = struct.Struct("<4ii4ii52x")


class BenchError(Exception):
    """A problem reported to the user in one line."""


# ------------------------------------------------------------------ what is measured
@dataclass(frozen=True)
class SyscallKind:
    name: str
    arg: str              # KIND argument of bench_syscalls.s
    calls: int            # guest syscalls per iteration
    label: str


SYSCALL_KINDS = [
    SyscallKind("getpid", "0", 1, "getpid"),
    SyscallKind("read", "1", 1, "read 1 B /dev/zero"),
    SyscallKind("write", "2", 1, "write 1 B /dev/null"),
    SyscallKind("stat64", "3", 1, "stat64"),
    SyscallKind("fstat64", "4", 1, "fstat64"),
    SyscallKind("fcntl64", "5", 1, "fcntl64 F_SETLK64"),
    SyscallKind("epoll_wait", "6", 1, "epoll_wait (1 ready)"),
    SyscallKind("clock_gettime", "7", 1, "clock_gettime"),
    SyscallKind("socketcall", "8", 2, "socketcall send+recv"),
    SyscallKind("pread64", "9", 1, "pread64"),
]
KINDS_BY_NAME = {k.name: k for k in SYSCALL_KINDS}


@dataclass(frozen=True)
class Workload:
    name: str
    label: str
    args: tuple           # busybox applet and arguments; {tmp} is the data folder
    capture: bool = True  # compare stdout with the native run's


def workloads(quick: bool) -> list[Workload]:
    count = 20000 if quick else 200000
    mb = 5 if quick else 50
    files = 300 if quick else 2000
    return [
        Workload("dd", f"dd bs=1 count={count}",
                 ("dd", "if=/dev/zero", "of=/dev/null", "bs=1", f"count={count}")),
        Workload("sha256sum", f"sha256sum {mb} MB", ("sha256sum", "{tmp}/big")),
        Workload("ls", f"ls -la {files} files", ("ls", "-la", "{tmp}/many")),
        Workload("tar", "tar cf of a tree", ("tar", "cf", "/dev/null", "tree"), capture=False),
        Workload("true", "true (start-up)", ("true",)),
    ]


def make_data(tmp: str, quick: bool) -> None:
    """Deterministic inputs: a file of chained SHA-256 blocks, a folder of empty files,
    and a tree of small files with fixed contents and times."""
    mb = 5 if quick else 50
    block, h = 32 * 1024, b"fexlite-bench"
    with open(os.path.join(tmp, "big"), "wb") as f:
        for _ in range(mb * 1024 * 1024 // block):
            h = hashlib.sha256(h).digest()
            f.write(h * (block // len(h)))
    many = os.path.join(tmp, "many")
    os.mkdir(many)
    for i in range(300 if quick else 2000):
        p = os.path.join(many, f"file{i:05d}")
        open(p, "wb").close()
        os.utime(p, (1_000_000_000, 1_000_000_000))
    os.utime(many, (1_000_000_000, 1_000_000_000))
    ndirs, nfiles = (10, 20) if quick else (40, 25)
    for d in range(ndirs):
        sub = os.path.join(tmp, "tree", f"d{d:02d}")
        os.makedirs(sub)
        for i in range(nfiles):
            with open(os.path.join(sub, f"f{i:02d}"), "wb") as f:
                f.write(bytes([(d * 31 + i) & 0xFF]) * 2048)
    with open(os.path.join(tmp, "small"), "wb") as f:
        f.write(b"fexlite bench file\n")


# ------------------------------------------------------------------ runners
@dataclass(frozen=True)
class Runner:
    id: str
    label: str
    kind: str                   # "i386", "qemu" or "fexlite"
    route: str | None = None
    backend: str | None = None
    default_backend: bool = True

    def argv(self, prog: str, args: list[str], stats: bool = False) -> list[str]:
        if self.kind == "i386":
            return [prog, *args]
        if self.kind == "qemu":
            return [shutil.which("qemu-i386") or "qemu-i386", prog, *args]
        if stats:
            return [sys.executable, "-c", "from fexlite.bench import stats_child; stats_child()",
                    self.route, self.backend, prog, *args]
        return [sys.executable, "-m", "fexlite", "run", "--route", self.route,
                "--backend", self.backend, prog, *args]


I386 = Runner("i386", "i386 native", "i386")
QEMU = Runner("qemu-i386", "qemu-i386", "qemu")
PASSTHROUGH_ID = "passthrough"


def i386_runs_here() -> bool:
    return platform.machine() in ("x86_64", "i386", "i686")


def qemu_available() -> bool:
    return shutil.which("qemu-i386") is not None


def parse_routes(text: str | None) -> list[str]:
    """'compat,native' -> validated route names (all available ones when None)."""
    from . import routes as R
    if text is None:
        return [n for n in ROUTE_NAMES if R.ROUTES[n].available()[0]]
    names = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part not in R.ROUTES:
            raise BenchError(f"unknown route '{part}' (valid: {', '.join(R.ROUTES)})")
        ok, why = R.ROUTES[part].available()
        if not ok:
            raise BenchError(f"route {part} is not available here: {why}")
        if part not in names:
            names.append(part)
    if not names:
        raise BenchError("--routes needs at least one route")
    return names


def fexlite_runners(route_names: list[str], all_backends: bool) -> list[Runner]:
    """One runner per route (its default backend) or, with all_backends, per available
    backend of the route."""
    from . import backends as B, routes as R
    out = []
    for name in route_names:
        cls = R.ROUTES[name]
        default = cls.default_backend()
        backends = [default]
        if all_backends:
            backends += [b for b in cls.backends if b != default and B.BACKENDS[b].available()[0]]
        for b in backends:
            rid = name if b == default else f"{name}/{b}"
            label = f"fexlite {name}" + (f" ({b})" if len(cls.backends) > 1 else "")
            out.append(Runner(rid, label, "fexlite", name, b, b == default))
    return out


# ------------------------------------------------------------------ one measurement
@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_kb: int
    status: int
    stdout_sha: str | None = None
    error: str = ""


def child_env(runner: Runner, extra: dict | None = None) -> dict:
    env = dict(CHILD_ENV)
    if runner.kind == "fexlite":
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env.update(extra or {})
    return env


def run_once(argv: list[str], env: dict, cwd: str, capture: bool = False,
             timeout: float = TIMEOUT, launcher: str | None = None) -> Sample:
    """Run argv to completion.  With launcher (bench_spawn, run natively), the launcher
    forks and execs argv and reports the child's wall time, wait status and rusage; else
    Python's own wall time around spawn..reap and os.wait4's rusage, whose ru_maxrss then
    includes this Python process's (a forked child keeps its parent's peak through exec)."""
    out = tempfile.TemporaryFile() if capture else subprocess.DEVNULL
    err = tempfile.TemporaryFile()
    rfd = wfd = -1
    try:
        full, pass_fds = list(argv), ()
        if launcher is not None:
            rfd, wfd = os.pipe()
            full, pass_fds = [launcher, str(wfd), *argv], (wfd,)
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=env, cwd=cwd, pass_fds=pass_fds, start_new_session=True)
        except OSError as e:
            return Sample(0.0, 0.0, 0, -1, error=f"{full[0]}: {e.strerror}")
        if wfd >= 0:
            os.close(wfd)
            wfd = -1
        timer = threading.Timer(timeout, lambda: _kill(p.pid))
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        s = Sample(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode)
        if launcher is not None:
            record = b""
            while len(record) < SPAWN_RECORD.size:
                chunk = os.read(rfd, SPAWN_RECORD.size - len(record))
                if not chunk:
                    break
                record += chunk
            if len(record) != SPAWN_RECORD.size or p.returncode != 0:
                s.status = p.returncode if p.returncode != 0 else -1
                s.error = f"launcher failed (status {p.returncode})"
                return s
            t0s, t0n, t1s, t1n, wstatus, us, uu, ss, su, maxrss = SPAWN_RECORD.unpack(record)
            s.wall = (t1s - t0s) + (t1n - t0n) / 1e9
            s.cpu = us + uu / 1e6 + ss + su / 1e6
            s.maxrss_kb = maxrss
            s.status = os.waitstatus_to_exitcode(wstatus & 0xFFFFFFFF)
        if capture:
            out.seek(0)
            s.stdout_sha = hashlib.sha256(out.read()).hexdigest()
        if s.status != 0:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines()
            s.error = lines[-1] if lines else f"exit status {s.status}"
        return s
    finally:
        for fd in (rfd, wfd):
            if fd >= 0:
                os.close(fd)
        if capture:
            out.close()
        err.close()


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# ------------------------------------------------------------------ the stats child
def _translator_stats(route) -> dict:
    """The translators' counters; a translator never built (every call the guest made
    went through the compiled fast path or needed none) converted nothing."""
    out = {}
    if hasattr(route, "_tr"):
        tr = route._tr
        out["route"] = [tr.stats.fixups, tr.stats.bytes] if tr is not None else [0, 0]
    backend = getattr(route, "backend", None)
    inner = getattr(backend, "emulated", backend)
    if hasattr(inner, "translator"):
        btr = inner.translator
        out["backend"] = [btr.stats.fixups, btr.stats.bytes] if btr is not None else [0, 0]
    return out


def stats_child(argv: list[str] | None = None) -> None:
    """`python -c 'from fexlite.bench import stats_child; stats_child()' ROUTE BACKEND
    PROG ARGS...`: `fexlite run` that, when the guest exits, writes the translators'
    counters as JSON to the file named by $FEXLITE_BENCH_STATS."""
    argv = sys.argv[1:] if argv is None else argv
    route, backend, prog, *args = argv
    target = os.environ.pop(STATS_ENV, None)
    from . import process
    original = process.Process.exit_group

    def exit_group(self, status):
        if target:
            with open(target, "w") as f:
                json.dump(_translator_stats(self.route), f)
        original(self, status)

    process.Process.exit_group = exit_group
    from .cli import main
    sys.exit(main(["run", "--route", route, "--backend", backend, prog, *args]))


# ------------------------------------------------------------------ configuration
@dataclass
class Config:
    routes: list[str]
    rounds: int = 3
    quick: bool = False
    vs_qemu: bool = False
    kinds: list[str] = field(default_factory=lambda: [k.name for k in SYSCALL_KINDS])
    programs: list[str] | None = None         # workload names; None: all
    # (N_small, first N_big) per runner kind, overriding the defaults
    n: dict = field(default_factory=dict)
    with_qemu: bool = True
    with_i386: bool = True
    progress: object = None                   # callable(str) or None
    adaptive: bool = True                     # rounds 2.. size N_big from round 1
    loop_seconds: dict | None = None          # CPU seconds wanted per loop, by runner kind

    def __post_init__(self):
        if self.loop_seconds is None:
            self.loop_seconds = ({"i386": 0.05, "qemu": 0.05, "fexlite": 0.15} if self.quick
                                 else {"i386": 0.1, "qemu": 0.1, "fexlite": 0.35})

    def iterations(self, runner: Runner, kind: SyscallKind) -> tuple[int, int]:
        defaults = {"i386": (1000, 100000), "qemu": (1000, 50000), "fexlite": (100, 2000)}
        return self.n.get(runner.kind, defaults[runner.kind])


    def _limit(self, runner: Runner) -> int:
        return 1_000_000 if runner.kind == "fexlite" else 5_000_000

    def grow(self, runner: Runner, small: int, big: int, cpu_diff: float) -> int | None:
        """Round 1: None when (N_big - N_small) iterations took clearly more CPU than the
        start-up noise (or N_big is at its limit); else a larger N_big to try."""
        target = self.loop_seconds[runner.kind]
        if target <= 0 or cpu_diff >= 0.4 * target or big >= self._limit(runner):
            return None
        if cpu_diff <= 0.02 * target:
            factor = 10.0
        else:
            factor = min(10.0, max(2.0, target / cpu_diff))
        return min(self._limit(runner), small + int((big - small) * factor))

    def adapt(self, runner: Runner, small: int, big: int, cpu_diff: float) -> int:
        """N_big for the later rounds: about loop_seconds of CPU at round 1's rate."""
        if not self.adaptive or cpu_diff <= 0:
            return big
        n = small + int(self.loop_seconds[runner.kind] * (big - small) / cpu_diff)
        return max(2 * small, big // 2, min(n, self._limit(runner)))


def reference_runners(cfg: Config) -> list[Runner]:
    out = []
    if cfg.with_i386 and i386_runs_here():
        out.append(I386)
    if cfg.with_qemu and qemu_available():
        out.append(QEMU)
    return out


# ------------------------------------------------------------------ measuring
def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _rotate(seq: list, k: int) -> list:
    if not seq:
        return seq
    k %= len(seq)
    return seq[k:] + seq[:k]


def build_program(tmp: str, name: str) -> str:
    """Assemble examples/NAME.s (keystone) into an i386 ELF in tmp; returns its path."""
    from .asm_elf import elf_from_source
    from .data import data_dir
    from .errors import FexliteError
    try:
        src = (data_dir("examples") / f"{name}.s").read_text()
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(elf_from_source(src))
    except (OSError, FexliteError) as e:
        raise BenchError(f"cannot build {name}.s: {e}") from None
    os.chmod(path, 0o755)
    return path


def measure_syscalls(cfg: Config, runners: list[Runner], prog: str, tmp: str,
                     launcher: str | None = None) -> list[dict]:
    """Round 1 sizes N_big like timeit's autorange (grow until the loop's CPU time clearly
    exceeds start-up noise); later rounds use N_big for about cfg.loop_seconds."""
    kinds = [KINDS_BY_NAME[k] for k in cfg.kinds]
    samples = {(k.name, r.id): [] for k in kinds for r in runners}
    counts = {(k.name, r.id): [] for k in kinds for r in runners}
    stats, adapted = {}, {}
    file = os.path.join(tmp, "small")

    def one(runner, kind, n, want_stats):
        extra, sfile = {}, None
        if want_stats:
            sfile = os.path.join(tmp, f"stats-{n}.json")
            extra[STATS_ENV] = sfile
        s = run_once(runner.argv(prog, [kind.arg, str(n), file], stats=runner.kind == "fexlite"),
                     child_env(runner, extra), tmp, launcher=launcher)
        if s.status != 0:
            raise BenchError(f"{kind.name} under {runner.label} (N={n}) failed: {s.error}")
        st = None
        if want_stats:
            try:
                with open(sfile) as f:
                    st = json.load(f)
            except (OSError, ValueError):
                st = None
        return s, st

    for rnd in range(cfg.rounds):
        for kind in kinds:
            for runner in _rotate(list(runners), rnd):
                key = (kind.name, runner.id)
                small, big = cfg.iterations(runner, kind)
                want_stats = runner.kind == "fexlite" and rnd == 0
                if rnd == 0:
                    s1, st1 = one(runner, kind, small, want_stats)
                    while True:
                        s2, st2 = one(runner, kind, big, want_stats)
                        nxt = cfg.grow(runner, small, big, s2.cpu - s1.cpu)
                        if nxt is None:
                            break
                        big = nxt
                else:
                    big = adapted[key]
                    first = (small, big) if rnd % 2 else (big, small)
                    got = {n: one(runner, kind, n, False) for n in first}
                    (s1, st1), (s2, st2) = got[small], got[big]
                dn = (big - small) * kind.calls
                samples[key].append(((s2.cpu - s1.cpu) / dn, (s2.wall - s1.wall) / dn))
                counts[key].append(big)
                if rnd == 0:
                    adapted[key] = cfg.adapt(runner, small, big, s2.cpu - s1.cpu)
                    if runner.kind == "fexlite":
                        stats[key] = _stats_per_call(runner, st1, st2, dn)
                if cfg.progress:
                    cfg.progress(f"syscall {kind.name} {runner.id} round {rnd + 1}: "
                                 f"N {small}..{big}, {samples[key][-1][0] * 1e6:.2f} us")
    rows = []
    for kind in kinds:
        for runner in runners:
            got = samples[(kind.name, runner.id)]
            small, _ = cfg.iterations(runner, kind)
            row = {"section": "syscall", "name": kind.name, "label": kind.label,
                   "runner": runner.id, "runner_label": runner.label,
                   "route": runner.route, "backend": runner.backend,
                   "calls_per_iteration": kind.calls, "n_small": small,
                   "n_big": counts[(kind.name, runner.id)],
                   "unit": "s per call (CPU time)",
                   "samples": [c for c, _ in got], "wall_samples": [w for _, w in got],
                   "median": _median([c for c, _ in got]),
                   "wall_median": _median([w for _, w in got])}
            row.update(stats.get((kind.name, runner.id), _no_stats(runner)))
            rows.append(row)
    return rows


def _no_stats(runner: Runner) -> dict:
    why = {"i386": "not emulated", "qemu": "qemu-i386 has no counters"}.get(
        runner.kind, "no counters reported")
    return {"fixups_per_call": None, "bytes_per_call": None, "backend_fixups_per_call": None,
            "backend_bytes_per_call": None, "stats_source": why}


def _stats_per_call(runner: Runner, st1, st2, dn: int) -> dict:
    if st1 is None or st2 is None:
        return _no_stats(runner)
    out = {}
    for key, prefix in (("route", ""), ("backend", "backend_")):
        if key in st1 and key in st2:
            out[prefix + "fixups_per_call"] = (st2[key][0] - st1[key][0]) / dn
            out[prefix + "bytes_per_call"] = (st2[key][1] - st1[key][1]) / dn
        else:
            out[prefix + "fixups_per_call"] = out[prefix + "bytes_per_call"] = None
    if "route" in st1:
        out["stats_source"] = "fexlite.translate.Stats counters"
    elif runner.route == "passthrough":
        # Passthrough hands the guest's registers to int $0x80 untouched: no translator
        # exists, so nothing is converted by construction (not a measured count).
        out["fixups_per_call"] = out["bytes_per_call"] = 0.0
        out["stats_source"] = "identity route: no translator, nothing converted"
    else:
        out["stats_source"] = "no counters reported"
    return out


def measure_programs(cfg: Config, runners: list[Runner], tmp: str,
                     launcher: str | None = None) -> list[dict]:
    wls = [w for w in workloads(cfg.quick) if cfg.programs is None or w.name in cfg.programs]
    samples = {(w.name, r.id): [] for w in wls for r in runners}
    for rnd in range(cfg.rounds):
        for w in wls:
            for runner in _rotate(list(runners), rnd):
                args = [a.replace("{tmp}", tmp) for a in w.args]
                argv0 = [BUSYBOX, *args]
                s = run_once(runner.argv(argv0[0], argv0[1:]), child_env(runner), tmp,
                             capture=w.capture, launcher=launcher)
                samples[(w.name, runner.id)].append(s)
                if cfg.progress:
                    cfg.progress(f"program {w.name} {runner.id} round {rnd + 1}")
    rows = []
    for w in wls:
        ref = samples.get((w.name, I386.id))
        ref_sha = next((s.stdout_sha for s in ref if s.status == 0), None) if ref else None
        for runner in runners:
            got = samples[(w.name, runner.id)]
            ok = [s for s in got if s.status == 0]
            row = {"section": "program", "name": w.name, "label": w.label,
                   "runner": runner.id, "runner_label": runner.label,
                   "route": runner.route, "backend": runner.backend,
                   "argv": ["busybox", *w.args], "unit": "s (wall)",
                   "samples": [s.wall for s in got],
                   "cpu_samples": [s.cpu for s in got],
                   "maxrss_kb_samples": [s.maxrss_kb for s in got],
                   "exit_status": [s.status for s in got],
                   "median": _median([s.wall for s in ok]),
                   "cpu_median": _median([s.cpu for s in ok]),
                   "maxrss_kb": _median([s.maxrss_kb for s in ok]),
                   "failed": len(got) - len(ok),
                   "error": next((s.error for s in got if s.status != 0), ""),
                   "stdout_matches_i386": None}
            if w.capture and ref_sha is not None and ok:
                row["stdout_matches_i386"] = all(s.stdout_sha == ref_sha for s in ok)
            rows.append(row)
    return rows


def add_ratios(rows: list[dict]) -> None:
    """ratio_X = this row's median / the median of runner X on the same call or program."""
    by = {(r["section"], r["name"], r["runner"]): r["median"] for r in rows}
    for r in rows:
        for key, ref in (("ratio_i386", I386.id), ("ratio_qemu", QEMU.id),
                         ("ratio_passthrough", PASSTHROUGH_ID)):
            base = by.get((r["section"], r["name"], ref))
            mine = r["median"]
            r[key] = mine / base if mine is not None and base is not None and base > 0 else None


# ------------------------------------------------------------------ targets (issue 6)
def targets(rows: list[dict]) -> list[dict]:
    by = {(r["section"], r["name"], r["runner"]): r for r in rows}
    out = []

    def ratio(target, name, runner, limit):
        r = by.get(("program", name, runner))
        got = r and r["ratio_qemu"]
        out.append({"target": target, "limit": limit, "value": got,
                    "met": None if got is None else got <= limit})

    ratio("dd bs=1: fexlite native / qemu-i386", "dd", "native", 1.0)
    ratio("dd bs=1: fexlite compat (emulated) / qemu-i386", "dd", "compat", 2.0)
    ratio("dd bs=1: fexlite passthrough / qemu-i386", "dd", "passthrough", 2.5)
    for rid in ("native", "compat", "passthrough"):
        ratio(f"sha256sum: fexlite {rid} / qemu-i386", "sha256sum", rid, 1.5)
    for rid in ("native", "compat", "passthrough"):
        r = by.get(("program", "true", rid))
        got = r and r["median"]
        out.append({"target": f"busybox true under fexlite {rid}: median wall (s)", "limit": 0.150,
                    "value": got, "met": None if got is None else got <= 0.150,
                    "ratio_qemu": r and r["ratio_qemu"]})
    nat, q = by.get(("syscall", "getpid", "native")), by.get(("syscall", "getpid", QEMU.id))
    got = nat and q and nat["median"] is not None and q["median"] is not None \
        and (nat["median"], q["median"])
    out.append({"target": "getpid per call: fexlite native < qemu-i386 (s)",
                "limit": got[1] if got else None, "value": got[0] if got else None,
                "met": None if not got else got[0] < got[1]})
    return out          # value None: that runner was not measured ("not measured")


# ------------------------------------------------------------------ machine
def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        from importlib.metadata import version
        uc_version = version("unicorn")
    except Exception:
        try:
            import unicorn
            uc_version = unicorn.__version__
        except Exception:
            uc_version = None
    qemu = None
    if qemu_available():
        try:
            qemu = subprocess.run(["qemu-i386", "--version"], capture_output=True, text=True,
                                  timeout=10).stdout.splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            qemu = "unknown version"
    from . import __version__
    return {"cpu": cpu, "cpus": os.cpu_count(), "machine": platform.machine(),
            "kernel": platform.release(), "python": platform.python_version(),
            "unicorn": uc_version, "fexlite": __version__, "qemu_i386": qemu,
            "busybox": os.path.realpath(BUSYBOX) if os.path.exists(BUSYBOX) else None,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "loadavg_start": _loadavg()}


def _loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


# ------------------------------------------------------------------ the whole bench
def run_bench(cfg: Config) -> dict:
    t0 = time.perf_counter()
    if cfg.vs_qemu and not qemu_available():
        raise BenchError("--vs qemu: qemu-i386 is not installed")
    if cfg.programs is None or cfg.programs:
        if not os.path.exists(BUSYBOX):
            raise BenchError(f"{BUSYBOX} (busybox-static:i386) is needed for the program rows")
    info = machine_info()
    refs = reference_runners(cfg)
    # --quick keeps to the routes' default backends (the model variants cost the most)
    sys_runners = refs + fexlite_runners(cfg.routes, all_backends=not cfg.quick)
    prog_runners = refs + fexlite_runners(cfg.routes, all_backends=False)
    with tempfile.TemporaryDirectory(prefix="fexlite-bench-") as tmp:
        make_data(tmp, cfg.quick)
        rows = []
        launcher = build_program(tmp, "bench_spawn") if i386_runs_here() else None
        if cfg.kinds:
            prog = build_program(tmp, "bench_syscalls")
            rows += measure_syscalls(cfg, sys_runners, prog, tmp, launcher)
        if cfg.programs is None or cfg.programs:
            rows += measure_programs(cfg, prog_runners, tmp, launcher)
    add_ratios(rows)
    info["loadavg_end"] = _loadavg()
    result = {
        "fexlite_bench": 1,
        "machine": info,
        "config": {"routes": cfg.routes, "rounds": cfg.rounds, "quick": cfg.quick,
                   "vs_qemu": cfg.vs_qemu, "kinds": cfg.kinds,
                   "programs": [w.name for w in workloads(cfg.quick)
                                if cfg.programs is None or w.name in cfg.programs],
                   "per_syscall_time": "child CPU time (user+sys, os.wait4); wall in wall_median",
                   "program_time": "wall time, fork to reap",
                   "launcher": "bench_spawn (i386): times and rusage of its own child"
                               if launcher else "python os.wait4 (ru_maxrss includes "
                                                "the Python parent's peak)"},
        "runners": [{"id": r.id, "label": r.label, "kind": r.kind, "route": r.route,
                     "backend": r.backend, "per_syscall": r in sys_runners,
                     "programs": r in prog_runners} for r in sys_runners],
        "rows": rows,
    }
    if cfg.vs_qemu:
        result["targets"] = targets(rows)
    result["elapsed_s"] = time.perf_counter() - t0
    return result


# ------------------------------------------------------------------ output
def _fmt(x, spec, none="-"):
    return none if x is None else format(x, spec)


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def render(result: dict) -> str:
    m, cfg = result["machine"], result["config"]
    out = [f"fexlite bench  {m['date']}  {m['cpu']} x{m['cpus']}  kernel {m['kernel']}  "
           f"python {m['python']}  unicorn {m['unicorn']}",
           f"qemu-i386: {m['qemu_i386'] or 'not installed'}   rounds: {cfg['rounds']}"
           f"{'  (quick)' if cfg['quick'] else ''}   load average at start: "
           f"{_fmt(m['loadavg_start'] and m['loadavg_start'][0], '.2f')}", ""]
    srows = [r for r in result["rows"] if r["section"] == "syscall"]
    prow = [r for r in result["rows"] if r["section"] == "program"]
    has_q = any(r["runner"] == QEMU.id for r in result["rows"])
    has_p = any(r["runner"] == PASSTHROUGH_ID for r in result["rows"])
    ratio_h = ["x i386"] + (["x qemu"] if has_q else []) + (["x passthr"] if has_p else [])

    def ratios(r):
        cells = [_fmt(r["ratio_i386"], ".2f")]
        if has_q:
            cells.append(_fmt(r["ratio_qemu"], ".2f"))
        if has_p:
            cells.append(_fmt(r["ratio_passthrough"], ".2f"))
        return cells

    if srows:
        out.append("per-syscall cost: (CPU(N_big) - CPU(N_small)) / calls, median of rounds; "
                   "fix-ups and bytes per call from the route translator's counters")
        body, last = [], None
        for r in srows:
            name = r["label"] if r["name"] != last else ""
            last = r["name"]
            fx, by = r["fixups_per_call"], r["bytes_per_call"]
            bfx, bby = r["backend_fixups_per_call"], r["backend_bytes_per_call"]
            body.append([name, r["runner_label"], _fmt(r["median"] and r["median"] * 1e6, ".2f"),
                         *ratios(r), _fmt(fx, ".2f", "n/a"), _fmt(by, ".1f", "n/a"),
                         _fmt(bfx, ".2f", "") + ("/" + _fmt(bby, ".1f") if bby is not None else "")])
        hdr = ["call", "runner", "us/call", *ratio_h, "fixups/call", "bytes/call",
               "backend fx/B"]
        n = len(hdr)
        out += _table(hdr, body, set(range(2, n)))
        out += ["  n/a: no counters (i386 native, qemu-i386). passthrough: 0 by construction "
                "(no translator).",
                "  backend fx/B: the emulated arm32 kernel's own arm32 -> host conversions.",
                "  per socketcall row: one iteration = send + recv, cost shown per syscall.", ""]
    if prow:
        out.append("whole programs (busybox): median wall time of rounds (ratios use it), median "
                   "CPU time (user+sys), peak RSS of the child")
        body, last = [], None
        for r in prow:
            name = r["label"] if r["name"] != last else ""
            last = r["name"]
            note = ""
            if r["failed"]:
                note = f"FAILED {r['failed']}x: {r['error']}"
            elif r["stdout_matches_i386"] is False:
                note = "output differs from i386 native"
            body.append([name, r["runner_label"], _fmt(r["median"], ".3f"),
                         _fmt(r["cpu_median"], ".3f"),
                         _fmt(r["maxrss_kb"] and r["maxrss_kb"] / 1024, ".1f"), *ratios(r), note])
        hdr = ["program", "runner", "median s", "cpu s", "RSS MiB", *ratio_h, ""]
        out += _table(hdr, body, set(range(2, len(hdr) - 1)))
        out.append("")
    if "targets" in result:
        out.append("targets (issue 6), from this run:")
        for t in result["targets"]:
            if t["value"] is None:
                verdict, val = "not measured", ""
            else:
                val = f"{t['value']:.3g}" if t["value"] >= 1e-3 else f"{t['value'] * 1e6:.2f} us"
                lim = t["limit"]
                lim_s = f"{lim:.3g}" if lim >= 1e-3 else f"{lim * 1e6:.2f} us"
                if t["met"]:
                    verdict = f"met (limit {lim_s})"
                else:
                    verdict = f"MISSED by {t['value'] / lim:.2f}x (limit {lim_s})"
            extra = ""
            if t.get("ratio_qemu") is not None:
                extra = f", x qemu {t['ratio_qemu']:.2f}"
            out.append(f"  {t['target']}: {val}  {verdict}{extra}")
        out.append("")
    out.append(f"total bench time: {result['elapsed_s']:.1f} s")
    return "\n".join(out)


def plot(result: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sections = [s for s in ("syscall", "program") if any(r["section"] == s for r in result["rows"])]
    fig, axes = plt.subplots(len(sections), 1, figsize=(12, 4.5 * len(sections)), squeeze=False)
    labels = dict.fromkeys(r["runner_label"] for r in result["rows"] if r["runner"] != I386.id)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {rl: palette[i % len(palette)] for i, rl in enumerate(labels)}
    for ax, sec in zip(axes[:, 0], sections):
        rows = [r for r in result["rows"] if r["section"] == sec and r["runner"] != I386.id]
        names = list(dict.fromkeys(r["name"] for r in rows))
        runners = [rl for rl in colours if any(r["runner_label"] == rl for r in rows)]
        width = 0.8 / max(1, len(runners))
        for i, rl in enumerate(runners):
            vals = []
            for n in names:
                r = next((r for r in rows if r["name"] == n and r["runner_label"] == rl), None)
                v = r and r["ratio_i386"]
                vals.append(v if v and v > 0 else float("nan"))
            ax.bar([j + i * width for j in range(len(names))], vals, width, label=rl,
                   color=colours[rl])
        ax.set_xticks([j + width * (len(runners) - 1) / 2 for j in range(len(names))])
        ax.set_xticklabels(names, rotation=20)
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_ylabel("time / i386 native (log)")
        ax.set_title("per-syscall cost" if sec == "syscall" else "whole programs (wall)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
