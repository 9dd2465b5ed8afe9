"""The host side: libc memory calls, the 64-bit syscall and the ia32 `int $0x80` gate.

Everything here is called with plain ints and returns plain ints; an error is a
negative errno, as the kernel returns it.
"""
import platform
import struct

from .cdefs import ffi

libc = ffi.dlopen(None)

PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_NORESERVE, MAP_FIXED_NOREPLACE = 0x4000, 0x100000
MAP_FAILED = 0xFFFFFFFFFFFFFFFF

MACHINE = platform.machine()


def errno() -> int:
    return libc.__errno_location()[0]


def mmap(addr: int, length: int, prot: int, flags: int, fd: int = -1, offset: int = 0) -> int:
    """Host mmap; returns the address or -errno."""
    got = int(ffi.cast("uintptr_t", libc.mmap(ffi.cast("void *", addr), length, prot, flags, fd, offset)))
    return -errno() if got == MAP_FAILED else got


def mremap(old: int, old_size: int, new_size: int, flags: int, new: int = 0) -> int:
    got = int(ffi.cast("uintptr_t", libc.mremap(ffi.cast("void *", old), old_size, new_size, flags,
                                                ffi.cast("void *", new))))
    return -errno() if got == MAP_FAILED else got


def munmap(addr: int, length: int) -> int:
    return -errno() if libc.munmap(ffi.cast("void *", addr), length) else 0


def mprotect(addr: int, length: int, prot: int) -> int:
    return -errno() if libc.mprotect(ffi.cast("void *", addr), length, prot) else 0


_LONG = "long"


def syscall64(nr: int, *args: int) -> int:
    """A real syscall of the host's own ABI; returns the result or -errno."""
    r = libc.syscall(ffi.cast(_LONG, nr), *(ffi.cast(_LONG, a) for a in args))
    return -errno() if r == -1 else r


# int $0x80 from the 64-bit process reaches the kernel's ia32 table.
# SysV args (nr, a1..a6) -> eax, ebx, ecx, edx, esi, edi, ebp. Assembled by
# keystone from tools/int80_stub.s; tests/test_host.py re-assembles and compares.
INT80_STUB = bytes.fromhex("535589f889f34189ca89d14489d24489c64489cf8b6c2418cd805d5bc3")

# A `ret`: the host handler for signals fexlite only wants to interrupt a blocking call.
NOOP_HANDLER = {"x86_64": bytes.fromhex("c3"), "aarch64": bytes.fromhex("c0035fd6")}

_stubs = None


def _stub_page():
    """One executable page holding the int80 stub at 0 and the no-op handler at 64."""
    global _stubs
    if _stubs is None:
        page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
        if page < 0:
            raise OSError(-page, "cannot allocate host stubs")
        ffi.memmove(ffi.cast("char *", page), INT80_STUB, len(INT80_STUB))
        ret = NOOP_HANDLER.get(MACHINE, b"")
        ffi.memmove(ffi.cast("char *", page + 64), ret, len(ret))
        mprotect(page, 4096, PROT_READ | PROT_EXEC)
        _stubs = (page, ffi.cast("unsigned int (*)(unsigned int, unsigned int, unsigned int,"
                                 " unsigned int, unsigned int, unsigned int, unsigned int)", page))
    return _stubs


def noop_handler() -> int:
    return _stub_page()[0] + 64


def int80_available() -> bool:
    return MACHINE == "x86_64"


def int80(nr: int, a1=0, a2=0, a3=0, a4=0, a5=0, a6=0) -> int:
    """A real ia32 syscall; returns the 32-bit result sign-extended the kernel's way
    (only -4095..-1 are errors)."""
    r = _stub_page()[1](nr, a1 & 0xFFFFFFFF, a2 & 0xFFFFFFFF, a3 & 0xFFFFFFFF,
                        a4 & 0xFFFFFFFF, a5 & 0xFFFFFFFF, a6 & 0xFFFFFFFF)
    return r - 0x100000000 if r >= 0xFFFFF001 else r


# Raw signal-mask calls: Python's wrappers refuse signals 32 and 33, which i386 glibc
# uses for thread cancellation and setxid, and glibc's filter them out.
HOST_NR = {"x86_64": dict(rt_sigprocmask=14, rt_sigtimedwait=128, rt_sigsuspend=130),
           "aarch64": dict(rt_sigprocmask=135, rt_sigtimedwait=137, rt_sigsuspend=133)}
SIGINFO = struct.Struct("<iii4xiIi")  # si_signo, si_errno, si_code, (pad), si_pid, si_uid, si_status
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2


def _sigset(sigs) -> "ffi.CData":
    return ffi.new("uint64_t *", sum(1 << (s - 1) for s in sigs))


def sigprocmask(how: int, sigs) -> int:
    """This host thread's signal mask (SIG_BLOCK / SIG_UNBLOCK / SIG_SETMASK)."""
    return syscall64(HOST_NR[MACHINE]["rt_sigprocmask"], how,
                     ffi.cast("uintptr_t", _sigset(sigs)), 0, 8)


def sigsuspend(blocked) -> int:
    """The host's rt_sigsuspend with exactly this set blocked (returns -EINTR)."""
    return syscall64(HOST_NR[MACHINE]["rt_sigsuspend"], ffi.cast("uintptr_t", _sigset(blocked)), 8)


def sigtimedwait(sigs, timeout_ns: int | None) -> tuple | None:
    """Dequeue one of SIGS: (signo, errno, code, pid, uid, status), or None when nothing
    came within TIMEOUT_NS (0 polls; None waits, retrying on EINTR)."""
    info = ffi.new("uint8_t[128]")
    timeout = ffi.NULL if timeout_ns is None else ffi.new("int64_t[2]", [timeout_ns // 10**9,
                                                                       timeout_ns % 10**9])
    while True:
        r = syscall64(HOST_NR[MACHINE]["rt_sigtimedwait"], ffi.cast("uintptr_t", _sigset(sigs)),
                      ffi.cast("uintptr_t", info), ffi.cast("uintptr_t", timeout), 8)
        if r > 0:
            return SIGINFO.unpack_from(bytes(info))
        if r != -4 or timeout_ns is not None:        # EINTR: wait again
            return None
