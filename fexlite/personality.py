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
import threading

from .cpu import GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_ENTRIES, UserDesc
from .memory import GUEST_LOW, TASK_SIZE, PAGE, page_up, GuestFault
from . import host, signals

HANDLERS = {}


def holding_map_lock(fn):
    """A memory call decides and changes the map as one step, whatever other guest
    threads do meanwhile."""
    def run(t, *args):
        with t.space.lock:
            return fn(t, *args)
    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


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
@holding_map_lock
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
@holding_map_lock
def sys_mmap2(p, addr, length, prot, flags, fd, pgoff):
    return do_mmap(p, addr, length, prot, flags, fd, pgoff * PAGE)


@emulates("mmap")
@holding_map_lock
def sys_old_mmap(p, argp, *_):
    """i386's old mmap takes one pointer to six words (struct mmap_arg_struct)."""
    addr, length, prot, flags, fd, offset = struct.unpack("<6I", p.space.read(argp, 24))
    return do_mmap(p, addr, length, prot, flags, fd, offset)


def _range_ok(addr, length):
    return not addr & (PAGE - 1) and addr + page_up(length) <= TASK_SIZE


@emulates("munmap")
@holding_map_lock
def sys_munmap(p, addr, length, *_):
    if not length or not _range_ok(addr, length):
        return -E.EINVAL
    p.space.unmap(addr, page_up(length))
    return 0


@emulates("mprotect")
@holding_map_lock
def sys_mprotect(p, addr, length, prot, *_):
    if not _range_ok(addr, length) or prot & ~(7 | PROT_GROWS):
        return -E.EINVAL
    return p.space.protect(addr, page_up(length), prot & 7) if length else 0


@emulates("mremap")
@holding_map_lock
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
def set_tls(p, uinfo, *_):
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


# --- signals ----------------------------------------------------------------------------
NSIG = 64
SIGSET = 8
K_SIGACTION = struct.Struct("<IIIQ")        # handler, flags, restorer, mask (i386 kernel)
OLD_SIGACTION = struct.Struct("<IIII")      # handler, mask, flags, restorer
UNCATCHABLE = (signal.SIGKILL, signal.SIGSTOP)
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2


def _valid_signal(sig: int, installing: bool) -> bool:
    return 1 <= sig <= NSIG and not (installing and sig in UNCATCHABLE)


@emulates("rt_sigaction")
def sys_rt_sigaction(t, sig, act, oact, sigsetsize, *_):
    if sigsetsize != SIGSET or not _valid_signal(sig, bool(act)):
        return -E.EINVAL
    sigs = t.proc.signals
    new = K_SIGACTION.unpack(t.space.read(act, K_SIGACTION.size)) if act else None
    if oact:
        t.space.write(oact, K_SIGACTION.pack(*sigs.action(sig)))
    if new:
        sigs.set_action(sig, new)
        t.sync_host_mask()
    return 0


@emulates("sigaction")
def sys_sigaction(t, sig, act, oact, *_):
    if not _valid_signal(sig, bool(act)):
        return -E.EINVAL
    sigs = t.proc.signals
    new = OLD_SIGACTION.unpack(t.space.read(act, OLD_SIGACTION.size)) if act else None
    if oact:
        h, f, r, m = sigs.action(sig)
        t.space.write(oact, OLD_SIGACTION.pack(h, m & 0xFFFFFFFF, f, r))
    if new:
        h, m, f, r = new
        sigs.set_action(sig, (h, f, r, m))
        t.sync_host_mask()
    return 0


@emulates("signal")
def sys_signal(t, sig, handler, *_):
    if not _valid_signal(sig, True):
        return -E.EINVAL
    sigs = t.proc.signals
    old = sigs.action(sig)[0]
    sigs.set_action(sig, (handler, 0x80000000 | 0x40000000, 0, 0))  # SA_RESETHAND|SA_NODEFER
    t.sync_host_mask()
    return old


def _new_mask(t, how, new):
    if how == SIG_BLOCK:
        return t.sigmask | new
    if how == SIG_UNBLOCK:
        return t.sigmask & ~new
    if how == SIG_SETMASK:
        return new
    return None


@emulates("rt_sigprocmask")
def sys_rt_sigprocmask(t, how, nset, oset, sigsetsize, *_):
    if sigsetsize != SIGSET:
        return -E.EINVAL
    old = t.sigmask
    if nset:
        mask = _new_mask(t, how, int.from_bytes(t.space.read(nset, 8), "little"))
        if mask is None:
            return -E.EINVAL
        t.set_mask(mask)
    if oset:
        t.space.write(oset, old.to_bytes(8, "little"))
    return 0


@emulates("sigprocmask")
def sys_sigprocmask(t, how, nset, oset, *_):
    old = t.sigmask
    if nset:
        new = t.space.read_u32(nset)
        if how == SIG_SETMASK:
            new |= t.sigmask & ~0xFFFFFFFF        # the real-time signals are kept
        mask = _new_mask(t, how, new)
        if mask is None:
            return -E.EINVAL
        t.set_mask(mask)
    if oset:
        t.space.write(oset, (old & 0xFFFFFFFF).to_bytes(4, "little"))
    return 0


def _pending(t) -> int:
    host_pending = sum(1 << (s - 1) for s in signal.sigpending() if 0 < s <= NSIG)
    return (host_pending | t.proc.signals.pending_mask(t)) & t.sigmask


@emulates("rt_sigpending")
def sys_rt_sigpending(t, nset, size, *_):
    if size > SIGSET:
        return -E.EINVAL
    t.space.write(nset, _pending(t).to_bytes(8, "little")[:size])
    return 0


@emulates("sigpending")
def sys_sigpending(t, nset, *_):
    t.space.write(nset, (_pending(t) & 0xFFFFFFFF).to_bytes(4, "little"))
    return 0


def _suspend(t, mask: int) -> int:
    """Wait with MASK until a signal the guest takes is pending; the handler runs with
    the old mask saved (restored at sigreturn)."""
    t.saved_mask = t.sigmask
    t.set_mask(mask)
    signals.wait_for_signal(t)
    return -E.EINTR


@emulates("rt_sigsuspend")
def sys_rt_sigsuspend(t, nset, size, *_):
    if size != SIGSET:
        return -E.EINVAL
    return _suspend(t, int.from_bytes(t.space.read(nset, 8), "little"))


@emulates("sigsuspend")
def sys_sigsuspend(t, a1, a2, a3, *_):
    # i386's old sigsuspend(int history0, int history1, old_sigset_t mask)
    return _suspend(t, (t.sigmask & ~0xFFFFFFFF) | a3)


@emulates("pause")
def sys_pause(t, *_):
    t.saved_mask = None
    signals.wait_for_signal(t)
    return -E.EINTR


@emulates("sigreturn")
def sys_sigreturn(t, *_):
    t.engine.reg_write(signals.X86.EAX, signals.restore_frame(t, rt=False))


@emulates("rt_sigreturn")
def sys_rt_sigreturn(t, *_):
    t.engine.reg_write(signals.X86.EAX, signals.restore_frame(t, rt=True))


def _sigtimedwait(t, nset, info, timeout_ns):
    wanted = int.from_bytes(t.space.read(nset, 8), "little")
    got = signals.timed_wait(t, wanted, timeout_ns)
    if got is None:
        return -E.EAGAIN
    if info:
        t.space.write(info, got.pack())
    return got.signo


def _sigtimedwait_handler(timespec: struct.Struct):
    """rt_sigtimedwait takes the 32-bit timespec, its _time64 twin the 64-bit one."""
    def handler(t, nset, info, timeout, size, *_):
        if size != SIGSET:
            return -E.EINVAL
        ns = None
        if timeout:
            sec, nsec = timespec.unpack(t.space.read(timeout, timespec.size))
            ns = sec * 10**9 + nsec
        return _sigtimedwait(t, nset, info, ns)
    return handler


for _name, _fmt in (("rt_sigtimedwait", "<iI"), ("rt_sigtimedwait_time64", "<qq")):
    emulates(_name)(_sigtimedwait_handler(struct.Struct(_fmt)))


@emulates("sigaltstack")
def sys_sigaltstack(t, ss, oss, *_):
    sp = t.engine.reg_read(signals.X86.ESP) & 0xFFFFFFFF
    if oss:
        ss_sp, flags, size = t.altstack
        flags = signals.SS_ONSTACK if t.on_altstack(sp) else flags
        t.space.write(oss, struct.pack("<IiI", ss_sp, flags, size))
    if ss:
        ss_sp, flags, size = struct.unpack("<IiI", t.space.read(ss, 12))
        if t.on_altstack(sp):
            return -E.EPERM
        if flags not in (0, signals.SS_DISABLE, signals.SS_ONSTACK):
            return -E.EINVAL
        if flags == signals.SS_DISABLE:
            ss_sp = size = 0
        elif size < 2048:
            return -E.ENOMEM
        t.altstack = (ss_sp, flags & signals.SS_DISABLE, size)
    return 0


def _signal_self(t, name, pid_of_target, *args):
    """kill/tkill/tgkill: the kernel delivers a signal sent to oneself before the call
    returns; take it off the host at once so the guest sees it in the same place."""
    rc = t.passthrough(name, *args)
    if rc == 0 and pid_of_target in (0, os.getpid(), threading.get_native_id()):
        signals.await_own(t, args[-1])
    return rc


@emulates("kill")
def sys_kill(t, pid, sig, *_):
    return _signal_self(t, "kill", s32(pid), pid, sig)


@emulates("tkill")
def sys_tkill(t, tid, sig, *_):
    return _signal_self(t, "tkill", s32(tid), tid, sig)


@emulates("tgkill")
def sys_tgkill(t, tgid, tid, sig, *_):
    return _signal_self(t, "tgkill", s32(tgid), tgid, tid, sig)


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
class ThreadExit(Exception):
    """Raised by exit() in a thread: its emulation stops and its host thread ends."""


@emulates("exit_group")
def sys_exit_group(t, status, *_):
    t.proc.exit_group(status & 0xFF)


@emulates("exit")
def sys_exit(t, status, *_):
    t.thread_exit(status & 0xFF)


# --- processes ------------------------------------------------------------------------------
CLONE_VM, CLONE_VFORK, CLONE_THREAD, CLONE_SETTLS = 0x100, 0x4000, 0x10000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID = 0x100000, 0x200000, 0x1000000


@emulates("fork", "vfork")
def sys_fork(t, *_):
    return t.proc.fork(t)


@emulates("clone")
def sys_clone(t, flags, newsp, ptid, tls, ctid, *_):
    """i386 order: clone(flags, newsp, parent_tid, tls, child_tid). CLONE_VM without
    CLONE_VFORK is a thread; vfork-style and plain clones become a host fork."""
    if flags & CLONE_VM and not flags & CLONE_VFORK:
        if not flags & CLONE_THREAD:
            return t.warn_enosys("clone(CLONE_VM) without CLONE_THREAD is not supported")
        return t.spawn(flags, newsp, ptid, tls, ctid)
    pid = t.proc.fork(t)
    if pid == 0:
        if flags & CLONE_CHILD_SETTID:
            t.space.write(ctid, os.getpid().to_bytes(4, "little"))
        if flags & CLONE_CHILD_CLEARTID:
            t.clear_child_tid = ctid
        if flags & CLONE_SETTLS:
            set_tls(t, tls)
        if newsp:
            t.set_stack(newsp)
    elif pid > 0 and flags & CLONE_PARENT_SETTID:
        t.space.write(ptid, pid.to_bytes(4, "little"))
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
    return p.proc.execve(p, guest_path(p, p.space.read_cstr(path)), _string_array(p, argv),
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
    return p.proc.execve(p, name, _string_array(p, argv), _string_array(p, envp))


# --- calls that must never reach the host as they are ---------------------------------------
@emulates("seccomp", "modify_ldt", "vm86", "vm86old", "iopl", "ioperm", "arch_prctl",
          "ptrace")
def sys_refused(p, *_):
    return p.warn_enosys()


@emulates("clone3")
def sys_clone3(p, *_):
    """glibc tries clone3 first and falls back to clone on ENOSYS: no warning."""
    return -E.ENOSYS
