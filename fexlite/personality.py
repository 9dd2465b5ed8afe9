"""The i386 personality: syscalls every route emulates in user space.

Memory bookkeeping, TLS descriptors, signal dispositions, process creation and
exit cannot be handed to the host as they are: the host process is the emulator.
Each handler is registered under its i386 name and receives the process and the
six raw argument registers; it returns the value for eax (-errno on error).
"""
import errno as E
import os
import signal
import struct

from .cpu import GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_ENTRIES, UserDesc
from .memory import GUEST_LOW, TASK_SIZE, PAGE, page_up, GuestFault
from . import host

HANDLERS = {}


def emulates(*names):
    def register(fn):
        for name in names:
            HANDLERS[name] = fn
        return fn
    return register


def s32(x: int) -> int:
    return x - 0x100000000 if x & 0x80000000 else x


# --- memory -------------------------------------------------------------------------
MAP_SHARED_VALIDATE, MAP_TYPE = 0x03, 0x0F
MAP_GROWSDOWN, MAP_32BIT = 0x100, 0x40
PROT_GROWS = 0x03000000
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2


@emulates("brk")
def sys_brk(p, new, *_):
    s = p.space
    if new < s.brk_start:
        return s.brk
    old_top, new_top = page_up(s.brk), page_up(new)
    if new_top > old_top:
        if not s.is_free(old_top, new_top) or s.map_anon(old_top, new_top - old_top, 3, "[heap]") < 0:
            return s.brk
    elif new_top < old_top:
        s.unmap(new_top, old_top - new_top)
    s.brk = new
    return new


def do_mmap(p, addr, length, prot, flags, fd, offset):
    s = p.space
    if length == 0 or (flags & MAP_TYPE) not in (host.MAP_SHARED, host.MAP_PRIVATE,
                                                  MAP_SHARED_VALIDATE):
        return -E.EINVAL
    length = page_up(length)
    if length == 0 or length > TASK_SIZE:
        return -E.ENOMEM
    if offset & (PAGE - 1):
        return -E.EINVAL
    if flags & (host.MAP_FIXED | host.MAP_FIXED_NOREPLACE):
        if addr & (PAGE - 1):
            return -E.EINVAL
        if addr < GUEST_LOW or addr + length > TASK_SIZE:
            return -E.ENOMEM if addr + length > TASK_SIZE else -E.EPERM
        if not flags & host.MAP_FIXED and not s.is_free(addr, addr + length):
            return -E.EEXIST
        start = addr
    else:
        hint = addr & ~(PAGE - 1)
        start = hint if hint and s.is_free(hint, hint + length) else s.find_free(length)
        if start is None:
            return -E.ENOMEM
    anon = flags & host.MAP_ANONYMOUS
    host_flags = flags & ~(host.MAP_FIXED_NOREPLACE | MAP_GROWSDOWN | MAP_32BIT)
    return s.map(start, length, prot & 7, host_flags, -1 if anon else s32(fd),
                 0 if anon else offset, "" if anon else f"fd{fd}")


@emulates("mmap2")
def sys_mmap2(p, addr, length, prot, flags, fd, pgoff):
    return do_mmap(p, addr, length, prot, flags, fd, pgoff * PAGE)


@emulates("mmap")
def sys_old_mmap(p, argp, *_):
    """i386's old mmap takes one pointer to six words (struct mmap_arg_struct)."""
    addr, length, prot, flags, fd, offset = struct.unpack("<6I", p.space.read(argp, 24))
    return do_mmap(p, addr, length, prot, flags, fd, offset)


def _range_ok(addr, length):
    return not addr & (PAGE - 1) and addr + page_up(length) <= TASK_SIZE


@emulates("munmap")
def sys_munmap(p, addr, length, *_):
    if not length or not _range_ok(addr, length):
        return -E.EINVAL
    p.space.unmap(addr, page_up(length))
    return 0


@emulates("mprotect")
def sys_mprotect(p, addr, length, prot, *_):
    if not _range_ok(addr, length) or prot & ~(7 | PROT_GROWS):
        return -E.EINVAL
    return p.space.protect(addr, page_up(length), prot & 7) if length else 0


@emulates("mremap")
def sys_mremap(p, old, old_len, new_len, flags, new, *_):
    s = p.space
    old_len, new_len = page_up(old_len), page_up(new_len)
    if old & (PAGE - 1) or not new_len or flags & ~7 or (flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE):
        return -E.EINVAL
    if flags & MREMAP_FIXED:
        if new & (PAGE - 1) or new < GUEST_LOW or new + new_len > TASK_SIZE:
            return -E.EINVAL
        s.unmap(new, new_len)
        return s.remap(old, old_len, new_len, new)
    if new_len <= old_len:
        if new_len < old_len:
            s.unmap(old + new_len, old_len - new_len)
        return old
    if s.is_free(old + old_len, old + new_len):
        return s.remap(old, old_len, new_len, old)
    if not flags & MREMAP_MAYMOVE:
        return -E.ENOMEM
    target = s.find_free(new_len)
    return -E.ENOMEM if target is None else s.remap(old, old_len, new_len, target)


# --- TLS descriptors -------------------------------------------------------------------
TLS_SLOTS = range(GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES)


@emulates("set_thread_area")
def sys_set_thread_area(p, uinfo, *_):
    desc = UserDesc.unpack(p.space.read(uinfo, 16))
    idx = desc.entry_number
    if idx == 0xFFFFFFFF:
        idx = next((i for i in TLS_SLOTS if p.gdt.read(i) == 0), None)
        if idx is None:
            return -E.ESRCH
        p.space.write(uinfo, idx.to_bytes(4, "little"))
    elif idx not in TLS_SLOTS:
        return -E.EINVAL
    p.gdt.write(idx, desc.descriptor())
    return 0


@emulates("get_thread_area")
def sys_get_thread_area(p, uinfo, *_):
    idx = p.space.read_u32(uinfo)
    if idx not in TLS_SLOTS:
        return -E.EINVAL
    p.space.write(uinfo, UserDesc.from_descriptor(idx, p.gdt.read(idx)).pack())
    return 0


# --- signals (dispositions recorded; delivery to guest handlers is not built yet) ----------
NSIG = 64
SIGSET = 8
K_SIGACTION = struct.Struct("<IIIQ")        # handler, flags, restorer, mask (i386 kernel)
OLD_SIGACTION = struct.Struct("<IIII")      # handler, mask, flags, restorer
SIG_DFL, SIG_IGN = 0, 1
UNCATCHABLE = (signal.SIGKILL, signal.SIGSTOP)


def _set_disposition(p, sig: int, action: tuple) -> None:
    """Record the guest's action; SIG_IGN and SIG_DFL also take effect on the host."""
    p.sigactions[sig] = action
    handler = action[0]
    if handler in (SIG_DFL, SIG_IGN) and sig not in UNCATCHABLE:
        try:
            signal.signal(sig, signal.SIG_IGN if handler == SIG_IGN else signal.SIG_DFL)
        except (OSError, ValueError):
            pass


def _valid_signal(sig: int, installing: bool) -> bool:
    return 1 <= sig <= NSIG and not (installing and sig in UNCATCHABLE)


@emulates("rt_sigaction")
def sys_rt_sigaction(p, sig, act, oact, sigsetsize, *_):
    if sigsetsize != SIGSET or not _valid_signal(sig, bool(act)):
        return -E.EINVAL
    new = K_SIGACTION.unpack(p.space.read(act, K_SIGACTION.size)) if act else None
    if oact:
        p.space.write(oact, K_SIGACTION.pack(*p.sigactions.get(sig, (0, 0, 0, 0))))
    if new:
        _set_disposition(p, sig, new)
    return 0


@emulates("sigaction")
def sys_sigaction(p, sig, act, oact, *_):
    if not _valid_signal(sig, bool(act)):
        return -E.EINVAL
    new = OLD_SIGACTION.unpack(p.space.read(act, OLD_SIGACTION.size)) if act else None
    if oact:
        h, f, r, m = p.sigactions.get(sig, (0, 0, 0, 0))
        p.space.write(oact, OLD_SIGACTION.pack(h, m & 0xFFFFFFFF, f, r))
    if new:
        h, m, f, r = new
        _set_disposition(p, sig, (h, f, r, m))
    return 0


@emulates("signal")
def sys_signal(p, sig, handler, *_):
    if not _valid_signal(sig, True):
        return -E.EINVAL
    old = p.sigactions.get(sig, (0, 0, 0, 0))[0]
    _set_disposition(p, sig, (handler, 0x80000000 | 0x40000000, 0, 0))  # SA_RESETHAND|SA_NODEFER
    return old


def _sigmask(p, how, new):
    if new is None:
        return 0
    if how == 0:
        p.sigmask |= new
    elif how == 1:
        p.sigmask &= ~new
    elif how == 2:
        p.sigmask = new
    else:
        return -E.EINVAL
    p.sigmask &= ~((1 << (signal.SIGKILL - 1)) | (1 << (signal.SIGSTOP - 1)))
    return 0


@emulates("rt_sigprocmask")
def sys_rt_sigprocmask(p, how, nset, oset, sigsetsize, *_):
    if sigsetsize != SIGSET:
        return -E.EINVAL
    new = int.from_bytes(p.space.read(nset, 8), "little") if nset else None
    old = p.sigmask
    rc = _sigmask(p, how, new)
    if rc == 0 and oset:
        p.space.write(oset, old.to_bytes(8, "little"))
    return rc


@emulates("sigprocmask")
def sys_sigprocmask(p, how, nset, oset, *_):
    new = p.space.read_u32(nset) if nset else None
    if new is not None and how == 2:
        new |= p.sigmask & ~0xFFFFFFFF        # SIG_SETMASK keeps the real-time signals
    old = p.sigmask
    rc = _sigmask(p, how, new)
    if rc == 0 and oset:
        p.space.write(oset, (old & 0xFFFFFFFF).to_bytes(4, "little"))
    return rc


@emulates("sigaltstack")
def sys_sigaltstack(p, ss, oss, *_):
    if oss:
        p.space.write(oss, p.altstack)
    if ss:
        p.altstack = p.space.read(ss, 12)
    return 0


# --- thread start-up bookkeeping ----------------------------------------------------------
@emulates("set_tid_address")
def sys_set_tid_address(p, tidptr, *_):
    p.clear_child_tid = tidptr
    return os.gettid() if hasattr(os, "gettid") else os.getpid()


@emulates("set_robust_list")
def sys_set_robust_list(p, head, length, *_):
    if length != 12:
        return -E.EINVAL
    p.robust_list = head
    return 0


@emulates("rseq")
def sys_rseq(p, *_):
    """Restartable sequences need the kernel to know guest code addresses: not offered,
    as under qemu-user; glibc falls back."""
    return -E.ENOSYS


# --- exit ------------------------------------------------------------------------------------
@emulates("exit", "exit_group")
def sys_exit_group(p, status, *_):
    p.exit(status & 0xFF)


# --- processes ------------------------------------------------------------------------------
CLONE_VM, CLONE_VFORK, CLONE_SETTLS = 0x100, 0x4000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID = 0x100000, 0x200000, 0x1000000


@emulates("fork", "vfork")
def sys_fork(p, *_):
    return p.fork()


@emulates("clone")
def sys_clone(p, flags, newsp, ptid, tls, ctid, *_):
    if flags & CLONE_VM and not flags & CLONE_VFORK:
        return p.warn_enosys("clone(CLONE_VM): guest threads are not supported yet")
    pid = p.fork()
    if pid == 0:
        if flags & CLONE_CHILD_SETTID:
            p.space.write(ctid, os.getpid().to_bytes(4, "little"))
        if flags & CLONE_CHILD_CLEARTID:
            p.clear_child_tid = ctid
        if flags & CLONE_SETTLS:
            sys_set_thread_area(p, tls)
        if newsp:
            p.set_stack(newsp)
    elif pid > 0 and flags & CLONE_PARENT_SETTID:
        p.space.write(ptid, pid.to_bytes(4, "little"))
    return pid


def _string_array(p, addr):
    out = []
    while addr:
        ptr = p.space.read_u32(addr + 4 * len(out))
        if not ptr:
            return out
        out.append(p.space.read_cstr(ptr, 131072))
        if len(out) > 65536:
            raise GuestFault(addr)
    return out


def guest_path(p, path: bytes) -> bytes:
    """Paths that name the emulator itself are turned into the guest program's."""
    if path in (b"/proc/self/exe", b"/proc/thread-self/exe", b"/proc/%d/exe" % os.getpid()):
        return os.fsencode(p.exe_path)
    return path


@emulates("execve")
def sys_execve(p, path, argv, envp, *_):
    return p.execve(guest_path(p, p.space.read_cstr(path)), _string_array(p, argv),
                    _string_array(p, envp))


def _readlink_self(p, path_addr, buf, size, fallback):
    path = p.space.read_cstr(path_addr)
    if guest_path(p, path) is path:
        return fallback()
    target = os.fsencode(p.exe_path)[:size]
    p.space.write(buf, target)
    return len(target)


@emulates("readlink")
def sys_readlink(p, path, buf, size, *_):
    return _readlink_self(p, path, buf, size, lambda: p.passthrough("readlink", path, buf, size))


@emulates("readlinkat")
def sys_readlinkat(p, dirfd, path, buf, size, *_):
    return _readlink_self(p, path, buf, size,
                          lambda: p.passthrough("readlinkat", dirfd, path, buf, size))


@emulates("execveat")
def sys_execveat(p, dirfd, path, argv, envp, flags, *_):
    name = p.space.read_cstr(path)
    if not name.startswith(b"/") and s32(dirfd) != -100:
        name = os.readlink(f"/proc/self/fd/{s32(dirfd)}").encode() + (b"/" + name if name else b"")
    return p.execve(name, _string_array(p, argv), _string_array(p, envp))


# --- calls that must never reach the host as they are ---------------------------------------
@emulates("seccomp", "modify_ldt", "vm86", "vm86old", "iopl", "ioperm", "arch_prctl",
          "ptrace")
def sys_refused(p, *_):
    return p.warn_enosys()


@emulates("clone3")
def sys_clone3(p, *_):
    """glibc tries clone3 first and falls back to clone on ENOSYS: no warning."""
    return -E.ENOSYS
