"""`fexlite run`: resolve the program (#! scripts included), build the guest, run it."""
import os
import signal
from dataclasses import dataclass, field

from .elf import read_elf
from .errors import FexliteError
from .execve import classify, envp_dict, read_exec_request
from .routes import make_route

BINPRM_BUF_SIZE = 256
MAX_INTERP_DEPTH = 4


@dataclass
class RunOptions:
    route: str = "passthrough"
    backend: str | None = None
    strace: str | None = None          # None: off; "-": stderr; else a file name
    reexec_args: list = field(default_factory=list)   # what a guest execve passes on
    rootfs: object = None              # rootfs.Rootfs for -L/--rootfs
    fast: bool = True                  # the compiled fast path, when it can be built
    verbose: bool = False
    host_env: dict = field(default_factory=lambda: initial_environment())


def initial_environment() -> dict:
    """The environment this process was started with. os.environ is not it: Python may
    have added LC_CTYPE (PEP 538 locale coercion), which the guest must not see."""
    try:
        with open("/proc/self/environ", "rb") as f:
            return envp_dict(f.read().split(b"\0"))
    except OSError:
        return dict(os.environb)


def parse_shebang(path: str, head: bytes) -> tuple[str, list[bytes]]:
    line = head[2:BINPRM_BUF_SIZE].split(b"\n")[0].strip(b" \t")
    interp, _, arg = line.partition(b" ")
    if not interp:
        raise FexliteError(f"{path}: empty #! line")
    arg = arg.strip(b" \t")
    return os.fsdecode(interp), ([arg] if arg else [])


def resolve_program(path: str, argv: list[bytes], envp: list[bytes]):
    """Follow #! lines as the kernel does; returns (path, argv) of an i386 ELF, or execs a
    host interpreter natively (never returns then)."""
    for _ in range(MAX_INTERP_DEPTH):
        try:
            with open(path, "rb") as f:
                head = f.read(BINPRM_BUF_SIZE)
        except OSError:
            return path, argv          # read_elf reports the problem in one line
        if not head.startswith(b"#!"):
            return path, argv
        interp, extra = parse_shebang(path, head)
        argv = [os.fsencode(interp), *extra, os.fsencode(path), *argv[1:]]
        kind, err = classify(interp)
        if kind == "host":
            os.execve(interp, argv, envp_dict(envp))
        if err:
            raise FexliteError(f"{path}: bad interpreter {interp}: {os.strerror(-err)}")
        path = interp
    raise FexliteError(f"{path}: too many levels of #! interpreters")


def load_interpreter(path: str, elf, rootfs=None):
    """A dynamic program's ELF interpreter (ld.so), from the root file system if one is
    given and has it, else from the host's."""
    if elf.interp is None:
        return None
    from .errors import FexliteError as Err
    where = os.fsdecode(rootfs.host_path(os.fsencode(elf.interp))) if rootfs else elf.interp
    try:
        interp = read_elf(where)
    except Err as e:
        raise Err(f"{path}: interpreter {e}")
    if interp.interp is not None or interp.type != 3:
        raise FexliteError(f"{path}: interpreter {elf.interp} is not a static shared object")
    return interp


def guest_environment(host_env: dict, sets: list[str], unsets: list[str]) -> list[bytes]:
    env = dict(host_env)
    for name in unsets:
        env.pop(os.fsencode(name), None)
    for item in sets:
        k, sep, v = item.partition("=")
        if not sep:
            raise FexliteError(f"-E needs VAR=VALUE, got '{item}'")
        env[os.fsencode(k)] = os.fsencode(v)
    return [k + b"=" + v for k, v in env.items()]


def prepare_host_signals() -> None:
    """A native process starts with default dispositions; Python changes SIGPIPE, SIGINT
    and SIGXFSZ, which would change how the guest dies."""
    for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)


def run_program(program: str, argv: list[bytes], envp: list[bytes], options: RunOptions,
                exec_fd: int | None = None) -> int:
    from .process import Process
    from .trace import Tracer
    if exec_fd is not None:
        program, argv, envp = read_exec_request(exec_fd)
    path, argv = resolve_program(program, argv, envp)
    elf = read_elf(path)
    interp = load_interpreter(path, elf, options.rootfs)
    route = make_route(options.route, options.backend)
    tracer = None
    if options.strace is not None:
        target = None if options.strace == "-" else options.strace
        tracer = Tracer.open(target, append=exec_fd is not None)
    prepare_host_signals()
    try:
        proc = Process(elf, argv, envp, route, options, tracer, interp)
    except MemoryError as e:
        raise FexliteError(f"{path}: {e}")
    return proc.run()
