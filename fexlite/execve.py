"""execve from the guest: an i386 program or a #! script re-enters fexlite in the same
process image; any other executable runs natively if the host can run it."""
import errno as E
import json
import os
import sys

from .elf import parse_elf
from .errors import FexliteError

ELF_MAGIC = b"\x7fELF"


def classify(path: str) -> tuple[str, int]:
    """('guest' | 'host', 0) or ('', -errno) the way the kernel's execve would fail."""
    try:
        os.stat(path)
        if os.path.isdir(path):
            return "", -E.EACCES
        if not os.access(path, os.X_OK):
            return "", -E.EACCES
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "", -(e.errno or E.ENOENT)
    if data.startswith(b"#!"):
        return "guest", 0
    if not data.startswith(ELF_MAGIC):
        return "", -E.ENOEXEC
    if data[4:5] == b"\x01" and data[18:20] == b"\x03\x00":
        try:
            parse_elf(path, data)
        except FexliteError:
            return "", -E.ENOEXEC
        return "guest", 0
    return "host", 0


def exec_guest(proc, path: bytes, argv: list[bytes], envp: list[bytes]) -> int:
    spath = os.fsdecode(path)
    kind, err = classify(spath)
    if err:
        return err
    if proc.tracer is not None:
        proc.tracer.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    if kind == "host":
        try:
            os.execve(spath, argv or [path], envp_dict(envp))
        except OSError as e:
            return -(e.errno or E.ENOEXEC)
    fd = os.memfd_create("fexlite-exec", 0)
    os.write(fd, json.dumps({"path": spath, "argv": [a.decode("latin-1") for a in argv],
                             "envp": [e.decode("latin-1") for e in envp]}).encode())
    os.lseek(fd, 0, os.SEEK_SET)
    cmd = [sys.executable, "-m", "fexlite", "run", *proc.options.reexec_args,
           "--exec-fd", str(fd), spath]
    try:
        os.execve(sys.executable, cmd, proc.options.host_env)
    except OSError as e:
        os.close(fd)
        return -(e.errno or E.ENOEXEC)


def envp_dict(envp: list[bytes]) -> dict:
    """b"KEY=VALUE" entries as a dict (entries without '=' are dropped, as execve's
    environment handling in Python requires)."""
    env = {}
    for item in envp:
        k, sep, v = item.partition(b"=")
        if sep:
            env[k] = v
    return env


def read_exec_request(fd: int) -> tuple[str, list[bytes], list[bytes]]:
    with os.fdopen(fd, "rb") as f:
        req = json.loads(f.read())
    return (req["path"], [a.encode("latin-1") for a in req["argv"]],
            [e.encode("latin-1") for e in req["envp"]])
