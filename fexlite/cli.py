"""Command line: `fexlite run|demo|structs|abi ...` (argparse subcommands)."""
import argparse
import os
import sys

from .errors import FexliteError


class Parser(argparse.ArgumentParser):
    """Usage errors are one line, `fexlite: ...`, exit status 2."""

    def error(self, message):
        print(f"fexlite: {message} (see '{self.prog} --help')", file=sys.stderr)
        sys.exit(2)


def _cmd_run(args) -> int:
    from .run import RunOptions, guest_environment, run_program
    from .routes import DEFAULT_ROUTE
    args.route = args.route or DEFAULT_ROUTE
    reexec = ["--route", args.route]
    if args.backend:
        reexec += ["--backend", args.backend]
    if args.strace is not None:
        reexec.append(f"--strace={args.strace}")
    if args.no_fast_path:
        reexec.append("--no-fast-path")
    rootfs = None
    if args.rootfs is not None:
        from .rootfs import Rootfs
        if not os.path.isdir(args.rootfs):
            raise FexliteError(f"{args.rootfs}: --rootfs needs a directory")
        rootfs = Rootfs(args.rootfs)
        reexec += ["-L", os.path.abspath(args.rootfs)]
    options = RunOptions(route=args.route, backend=args.backend, strace=args.strace,
                         reexec_args=reexec, fast=not args.no_fast_path, verbose=args.verbose,
                         rootfs=rootfs)
    argv0 = os.fsencode(args.argv0 if args.argv0 is not None else args.program)
    argv = [argv0, *map(os.fsencode, args.args)]
    envp = guest_environment(options.host_env, args.set_env, args.unset_env)
    return run_program(args.program, argv, envp, options, exec_fd=args.exec_fd)


def _cmd_demo(args) -> int:
    from .demo import run_demo
    from .routes import DEFAULT_ROUTE
    return run_demo(args.route or DEFAULT_ROUTE)


def _add_run(sub):
    p = sub.add_parser("run", help="run an i386 program",
                       usage="fexlite run [options] PROGRAM [ARGS...]")
    p.add_argument("-0", dest="argv0", metavar="ARGV0", help="argv[0] for the program")
    p.add_argument("-E", dest="set_env", action="append", default=[], metavar="VAR=VALUE",
                   help="set an environment variable for the program")
    p.add_argument("-U", dest="unset_env", action="append", default=[], metavar="VAR",
                   help="remove an environment variable for the program")
    p.add_argument("--strace", metavar="FILE", help="trace syscalls (to stderr, or =FILE)")
    p.add_argument("--route", help="syscall route: compat, native or passthrough (default: "
                   "compat, through arm64-bit31 where the kernel has it, else emulated)")
    p.add_argument("--backend", help="backend for the route")
    p.add_argument("-L", "--rootfs", metavar="DIR",
                   help="look absolute paths up under DIR first (as qemu-user's -L)")
    p.add_argument("--no-fast-path", action="store_true",
                   help="handle every syscall in Python (no compiled fast path)")
    p.add_argument("-v", "--verbose", action="store_true", help="say how fexlite runs the program")
    p.add_argument("--exec-fd", type=int, help=argparse.SUPPRESS)
    p.add_argument("program", metavar="PROGRAM")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    p.set_defaults(func=_cmd_run)


def _normalise_run_argv(argv: list[str]) -> list[str]:
    """`--strace` alone means stderr; only `--strace=FILE` names a file, so the program
    name after a bare --strace is never taken for one."""
    out, in_run = [], False
    for i, a in enumerate(argv):
        if a == "run" and not in_run:
            in_run = True
        elif in_run and a == "--strace":
            a = "--strace=-"
        elif in_run and not a.startswith("-") and out and out[-1] not in (
                "-0", "-E", "-U", "-L", "--rootfs", "--route", "--backend", "--exec-fd"):
            return out + [a] + argv[i + 1:]
        out.append(a)
    return out


def build_parser() -> Parser:
    parser = Parser(prog="fexlite", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    _add_run(sub)
    demo = sub.add_parser("demo", help="run the bundled example programs")
    demo.add_argument("--route", default=None)
    demo.set_defaults(func=_cmd_demo)
    from . import cli_abi, cli_bench, cli_probe, cli_structs
    cli_structs.register(sub)
    cli_abi.register(sub)
    cli_probe.register(sub)
    cli_bench.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = _normalise_run_argv(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FexliteError as e:
        print(f"fexlite: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:
        return 1
