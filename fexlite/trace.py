"""strace-style lines for guest syscalls, decoded from the signatures in abi/signatures.tsv."""
import errno
import os
import signal
import sys

from . import abi
from .memory import GuestFault

STRLEN = 32
AT_FDCWD = -100
# flag families decoded symbolically: (name, bit) pairs; the rest print in hex.
OPEN_FLAGS = (("O_WRONLY", 0o1), ("O_RDWR", 0o2), ("O_CREAT", 0o100), ("O_EXCL", 0o200),
              ("O_NOCTTY", 0o400), ("O_TRUNC", 0o1000), ("O_APPEND", 0o2000),
              ("O_NONBLOCK", 0o4000), ("O_DSYNC", 0o10000), ("O_ASYNC", 0o20000),
              ("O_DIRECT", 0o40000), ("O_LARGEFILE", 0o100000), ("O_DIRECTORY", 0o200000),
              ("O_NOFOLLOW", 0o400000), ("O_NOATIME", 0o1000000), ("O_CLOEXEC", 0o2000000),
              ("O_PATH", 0o10000000))
PROT_FLAGS = (("PROT_READ", 1), ("PROT_WRITE", 2), ("PROT_EXEC", 4))
MAP_FLAGS = (("MAP_SHARED", 1), ("MAP_PRIVATE", 2), ("MAP_FIXED", 0x10), ("MAP_ANONYMOUS", 0x20),
             ("MAP_32BIT", 0x40), ("MAP_GROWSDOWN", 0x100), ("MAP_DENYWRITE", 0x800),
             ("MAP_NORESERVE", 0x4000), ("MAP_POPULATE", 0x8000), ("MAP_STACK", 0x20000),
             ("MAP_FIXED_NOREPLACE", 0x100000))
FLAG_FAMILIES = {"open": OPEN_FLAGS, "mmap_prot": PROT_FLAGS, "mmap_flags": MAP_FLAGS}
ZERO_NAMES = {"open": "O_RDONLY", "mmap_prot": "PROT_NONE"}


def s32(x: int) -> int:
    return x - 0x100000000 if x & 0x80000000 else x


def c_escape(data: bytes, limit: int = STRLEN) -> str:
    out = []
    for b in data[:limit]:
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append("\\%o" % b)
    return '"' + "".join(out) + '"' + ("..." if len(data) > limit else "")


def flags_text(family: str, value: int) -> str:
    bits = FLAG_FAMILIES.get(family)
    if bits is None:
        return hex(value)
    names, rest = [], value
    if family == "open":
        names.append(("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[value & 3])
        rest &= ~3
        bits = bits[2:]
    for name, bit in bits:
        if rest & bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(hex(rest))
    return "|".join(names) or ZERO_NAMES.get(family, "0")


def errno_text(result: int) -> str:
    code = -result
    name = errno.errorcode.get(code, f"E{code}")
    return f"-1 {name} ({os.strerror(code)})"


class Tracer:
    def __init__(self, out):
        self.out = out
        self.prefix = ""

    @classmethod
    def open(cls, target: str | None, append: bool):
        if target is None:
            return cls(sys.stderr)
        return cls(open(target, "a" if append else "w", buffering=1))

    def _arg(self, p, kind: str, detail: str | None, value: int, args, result) -> str:
        mem = p.space
        try:
            if value == 0 and kind in ("path", "str", "ptr", "buf_in", "buf_out") or (
                    value == 0 and kind.startswith(("struct", "array"))):
                return "NULL"
            if kind in ("path", "str"):
                return c_escape(mem.read_cstr(value, 4096), 4096 if kind == "path" else STRLEN)
            if kind == "buf_in":
                n = args[int(detail)] if detail else 0
                return c_escape(mem.read(value, min(n, STRLEN + 1)))
            if kind == "buf_out":
                if result < 0:
                    return hex(value)
                return c_escape(mem.read(value, min(result, STRLEN + 1)))
            if kind == "dirfd" and s32(value) == AT_FDCWD:
                return "AT_FDCWD"
            if kind in ("int", "fd", "dirfd", "pid", "off", "whence", "clockid", "uid", "gid"):
                return str(s32(value))
            if kind in ("uint", "size"):
                return str(value)
            if kind == "mode":
                return "0%o" % value
            if kind == "signal":
                try:
                    return signal.Signals(value).name
                except ValueError:
                    return str(value)
            if kind == "flags":
                return flags_text(detail or "", value)
            if kind.startswith("struct") or kind.startswith("array"):
                return "{...}" if result >= 0 or kind == "struct_in" else hex(value)
        except GuestFault:
            return hex(value)
        return hex(value)

    def syscall(self, p, name: str, args, result: int, note: str = "") -> None:
        sig = abi.signature(name)
        if sig is None:
            shown = ", ".join(hex(a) for a in args[:3])
            ret = "int"
        else:
            shown = ", ".join(self._arg(p, a.kind, a.detail, v, args, result)
                              for a, v in zip(sig.args, args))
            ret = sig.ret
        if -4095 <= result < 0:
            res = errno_text(result)
        elif ret in ("ptr", "hex"):
            res = hex(result & 0xFFFFFFFF)
        else:
            res = str(result)
        extra = f"  [{note}]" if note else ""
        self.out.write(f"{self.prefix}{name}({shown}) = {res}{extra}\n")

    def exit(self, status: int) -> None:
        self.out.write(f"{self.prefix}exit_group({status}) = ?\n+++ exited with {status} +++\n")
        self.flush()

    def killed(self, sig: int) -> None:
        self.out.write(f"{self.prefix}+++ killed by {signal.Signals(sig).name} +++\n")
        self.flush()

    def flush(self) -> None:
        self.out.flush()
