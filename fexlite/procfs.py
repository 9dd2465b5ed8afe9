"""/proc/self as the guest must see it: the files that describe a process would describe
the Python emulator, so opening them gives the guest's own view instead (a memfd
holding what the kernel would print for the i386 process)."""
import os

from .memory import GuestFault
from .personality import emulates, guest_path, s32

AT_FDCWD = -100


def _self_prefixes() -> tuple[bytes, ...]:
    return (b"/proc/self/", b"/proc/thread-self/", b"/proc/%d/" % os.getpid())


def _maps(t) -> bytes:
    lines = []
    for r in t.space.regions:
        perms = "".join(c if r.prot & bit else "-" for c, bit in (("r", 1), ("w", 2), ("x", 4)))
        name = {"[heap]": "[heap]", "[stack]": "[stack]"}.get(r.name, "")
        if r.name.startswith("[fexlite"):
            name = "[fexlite]"
        if not name and r.name and not r.name.startswith(("[", "fd")):
            name = t.exe_path if os.path.basename(t.exe_path) == r.name else r.name
        lines.append(f"{r.start:08x}-{r.end:08x} {perms}p 00000000 00:00 0"
                     + (f"{'':19}{name}" if name else ""))
    return ("\n".join(lines) + "\n").encode()


SYNTHESISED = {
    b"cmdline": lambda t: b"".join(a + b"\0" for a in t.proc.image.argv),
    b"maps": _maps,
    b"auxv": lambda t: t.proc.image.auxv,
}


def synthesised(t, path: bytes) -> bytes | None:
    for prefix in _self_prefixes():
        if path.startswith(prefix):
            make = SYNTHESISED.get(path[len(prefix):])
            return make(t) if make else None
    return None


def _memfd(content: bytes) -> int:
    fd = os.memfd_create("fexlite-proc", 0)
    os.write(fd, content)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _open(t, dirfd: int, path_addr: int, call) -> int:
    try:
        path = t.space.read_cstr(path_addr)
    except GuestFault:
        return call()
    if dirfd != AT_FDCWD and not path.startswith(b"/"):
        return call()
    content = synthesised(t, path)
    if content is not None:
        return _memfd(content)
    if guest_path(t, path) is not path:        # /proc/self/exe: the guest program
        try:
            return os.open(t.exe_path, os.O_RDONLY)
        except OSError as e:
            return -e.errno
    return call()


@emulates("open")
def sys_open(t, path, flags, mode, *_):
    return _open(t, AT_FDCWD, path, lambda: t.passthrough("open", path, flags, mode))


@emulates("openat")
def sys_openat(t, dirfd, path, flags, mode, *_):
    return _open(t, s32(dirfd), path,
                 lambda: t.passthrough("openat", dirfd, path, flags, mode))
