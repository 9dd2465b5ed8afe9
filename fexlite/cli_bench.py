"""`fexlite bench [--routes compat,native,passthrough] [--rounds N] [--quick] [--vs qemu]
[--json FILE] [--plot FILE.png]`: per-syscall cost and whole-program times on every route,
against i386 native execution and qemu-i386 (fexlite.bench does the measuring)."""
from __future__ import annotations

import json
import os
import sys


def _fail(message: str) -> int:
    print(f"fexlite: {message}", file=sys.stderr)
    return 2


def _check_output(path: str, option: str) -> str | None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"{option} {path}: folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{option} {path}: folder {folder} is not writable"
    return None


def _cmd_bench(args) -> int:
    from . import bench
    if args.rounds is not None and args.rounds < 1:
        return _fail(f"--rounds must be at least 1, got {args.rounds}")
    for path, option in ((args.json, "--json"), (args.plot, "--plot")):
        if path is not None:
            problem = _check_output(path, option)
            if problem:
                return _fail(problem)
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return _fail("--plot needs matplotlib (pip install 'fexlite[plot]')")
    try:
        routes = bench.parse_routes(args.routes)
    except bench.BenchError as e:
        return _fail(str(e))
    cfg = bench.Config(routes=routes, quick=args.quick, vs_qemu=args.vs == "qemu",
                       rounds=args.rounds if args.rounds is not None else (1 if args.quick else 3))
    if args.verbose:
        cfg.progress = lambda msg: print(f"  {msg}", file=sys.stderr, flush=True)
    try:
        result = bench.run_bench(cfg)
    except bench.BenchError as e:
        return _fail(str(e))
    print(bench.render(result), flush=True)
    if args.json is not None:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    if args.plot is not None:
        bench.plot(result, args.plot)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench", help="measure syscall routes: per-call cost and whole programs",
        description="Per-syscall cost and busybox workloads under every route, against "
                    "i386 native execution and qemu-i386 when installed.")
    p.add_argument("--routes", metavar="LIST",
                   help="comma-separated routes to measure (default: every available one "
                        "of compat, native, passthrough)")
    p.add_argument("--rounds", type=int, metavar="N",
                   help="rounds per measurement (default 3, 1 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="small inputs and iteration counts, one round (under a minute)")
    p.add_argument("--vs", choices=["qemu"],
                   help="'qemu': require qemu-i386 and check the speed targets against it")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--plot", metavar="FILE.png",
                   help="also draw a bar chart of the ratios (needs matplotlib)")
    p.add_argument("-v", "--verbose", action="store_true", help="show progress on stderr")
    p.set_defaults(func=_cmd_bench)
