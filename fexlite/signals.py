"""Guest signals: dispositions, masks, pending queues, i386 signal frames, sigreturn,
and the host plumbing that makes asynchronous signals reach the guest promptly.

Host side: every signal the guest handles (set W) is blocked in every guest thread and
taken, with its siginfo, by a watcher thread blocked in sigwaitinfo(). The watcher
queues it and interrupts a guest thread that does not block it: uc_emu_stop() ends
the current emulation slice, and the KICK signal (a no-op handler without SA_RESTART)
makes a blocking host syscall return EINTR. The guest thread then builds the i386
frame and resumes in the handler. Signals the guest leaves at SIG_DFL or SIG_IGN keep
that disposition on the host, so default deaths are real deaths.
"""
import signal
import struct
import threading
import time
from dataclasses import dataclass

from . import host
from .uc import X86, ffi, lib

KICK = signal.SIGRTMAX                    # reserved by fexlite to interrupt a thread
SIGRTMIN = 32
RETRY_NS = 20_000_000         # re-kick a thread every 20 ms while a signal waits for it
SYNC_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGTRAP}
NEVER_BLOCK = SYNC_SIGNALS | {signal.SIGKILL, signal.SIGSTOP, KICK}
DEFAULT_IGNORE = {signal.SIGCHLD, signal.SIGURG, signal.SIGWINCH, signal.SIGCONT}
SIG_DFL, SIG_IGN = 0, 1
SA_SIGINFO, SA_ONSTACK, SA_RESTART = 0x4, 0x08000000, 0x10000000
SA_NODEFER, SA_RESETHAND, SA_RESTORER = 0x40000000, 0x80000000, 0x04000000
SS_ONSTACK, SS_DISABLE = 1, 2
SI_USER, SI_KERNEL, SI_TKILL = 0, 0x80, -6
USER_CS, USER_DS = 0x23, 0x2B
FIX_EFLAGS = 0x40DD5        # the flags sigreturn lets the guest change
TF, DF, RF = 0x100, 0x400, 0x10000

# Calls the kernel restarts after a handler with SA_RESTART (-ERESTARTSYS); the rest
# return EINTR, as nanosleep, select, poll and friends do natively.
RESTARTABLE = frozenset("""read readv pread64 preadv preadv2 write writev pwrite64 pwritev
    pwritev2 wait4 waitpid waitid open openat creat ioctl fcntl fcntl64 flock futex
    accept accept4 connect recv recvfrom recvmsg send sendto sendmsg socketcall
    msgrcv msgsnd semop ipc getrandom""".split())

FPSTATE_SIZE = 624          # struct _fpstate_32 with the fxsave area
_FP_REGS = [31, 246, 247] + list(range(114, 122)) + [249] + list(range(122, 130))
# FPSW, FPCW, FPTAG, ST0..ST7, MXCSR, XMM0..XMM7
FRAME_REGS = (X86.GS, X86.FS, X86.ES, X86.DS, X86.EDI, X86.ESI, X86.EBP, X86.ESP, X86.EBX,
              X86.EDX, X86.ECX, X86.EAX, X86.EIP, X86.EFLAGS)
SC_NAMES = ("gs", "fs", "es", "ds", "edi", "esi", "ebp", "esp", "ebx", "edx", "ecx", "eax",
            "eip", "eflags")

RETCODE_SIGRETURN = bytes.fromhex("58b877000000cd80")    # pop eax; mov eax,119; int 0x80
RETCODE_RT = bytes.fromhex("b8ad000000cd8000")           # mov eax,173; int 0x80


@dataclass
class SigInfo:
    signo: int
    code: int = SI_USER
    errno: int = 0
    pid: int = 0
    uid: int = 0
    status: int = 0
    addr: int = 0
    value: int = 0

    @classmethod
    def from_host(cls, info: tuple) -> "SigInfo":
        signo, err, code, pid, uid, status = info
        return cls(signo, code, err, pid, uid, status, value=status)

    def pack(self) -> bytes:
        """compat_siginfo_t as an i386 process sees it (128 bytes)."""
        head = struct.pack("<iii", self.signo, self.errno, self.code)
        if self.signo == signal.SIGCHLD and self.code > 0:
            body = struct.pack("<iIiii", self.pid, self.uid, self.status, 0, 0)
        elif self.signo in SYNC_SIGNALS and self.code > 0:
            body = struct.pack("<I", self.addr)
        else:
            body = struct.pack("<iIi", self.pid, self.uid, self.value)
        return (head + body).ljust(128, b"\0")


# --- host dispositions through libc (callable from any thread) ---------------------------
_libc = host.libc
_HOST_SA_ONSTACK = 0x08000000


def set_host_disposition(sig: int, handler: int) -> None:
    """handler: SIG_DFL, SIG_IGN, or anything else for the no-op (interrupting) handler."""
    act = ffi.new("struct host_sigaction *")
    act.handler = ffi.cast("void *", handler if handler in (SIG_DFL, SIG_IGN)
                           else host.noop_handler())
    act.flags = _HOST_SA_ONSTACK if handler not in (SIG_DFL, SIG_IGN) else 0
    _libc.sigaction(sig, act, ffi.NULL)


def host_mask_for(guest_mask: int, handled: set) -> set:
    sigs = {s for s in range(1, 65) if guest_mask >> (s - 1) & 1} | handled
    return sigs - NEVER_BLOCK


class Signals:
    """Process-wide signal state: actions, the process-directed queue, the watcher."""

    def __init__(self, proc):
        self.proc = proc
        self.actions: dict[int, tuple] = {}       # sig -> (handler, flags, restorer, mask)
        self.queue: list[SigInfo] = []
        self.lock = threading.RLock()
        self.handled: set[int] = set()
        self.generation = 0                        # bumps when `handled` changes
        self._watcher_ident = None
        set_host_disposition(KICK, 2)

    def action(self, sig: int) -> tuple:
        return self.actions.get(sig, (SIG_DFL, 0, 0, 0))

    def set_action(self, sig: int, act: tuple) -> None:
        with self.lock:
            self.actions[sig] = act
            handled = act[0] not in (SIG_DFL, SIG_IGN) and sig not in NEVER_BLOCK
            if handled != (sig in self.handled):
                (self.handled.add if handled else self.handled.discard)(sig)
                self.generation += 1
            if sig not in (signal.SIGKILL, signal.SIGSTOP, KICK):
                set_host_disposition(sig, act[0] if not handled else 2)
            if self.handled:
                self._ensure_watcher()
            elif self._watcher_ident is not None:
                signal.pthread_kill(self._watcher_ident, KICK)

    # --- the watcher thread ------------------------------------------------------------
    def _ensure_watcher(self) -> None:
        if self._watcher_ident is None:
            t = threading.Thread(target=self._watch, name="fexlite-signals", daemon=True)
            t.start()
            while self._watcher_ident is None:
                pass
        else:
            signal.pthread_kill(self._watcher_ident, KICK)

    def _watch(self) -> None:
        host.sigprocmask(host.SIG_BLOCK, set(range(1, 65)) - NEVER_BLOCK | {KICK})
        self._watcher_ident = threading.get_ident()
        while True:
            waiting = self._undelivered()
            info = host.sigtimedwait(set(self.handled) | {KICK}, RETRY_NS if waiting else None)
            if info is None:
                # A KICK can land just before its target blocks in a syscall: kick again
                # while a signal waits for a thread that could take it.
                for sig in waiting:
                    self.wake_for(sig)
            elif info[0] != KICK:
                self.post(SigInfo.from_host(info))

    def after_fork(self) -> None:
        """In a forked child only the forking thread exists."""
        self._watcher_ident = None
        if self.handled:
            self._ensure_watcher()

    # --- queueing and waking ---------------------------------------------------------------
    def post(self, info: SigInfo, thread=None) -> None:
        """A signal for the process (thread=None) or one thread; wake who can take it."""
        with self.lock:
            queue = thread.pending if thread is not None else self.queue
            if info.signo < SIGRTMIN and any(i.signo == info.signo for i in queue):
                return                    # a standard signal is pending at most once
            queue.append(info)
            targets = [thread] if thread is not None else list(self.proc.threads)
            for t in targets:
                if not t.blocks(info.signo):
                    t.interrupt()
                    break

    def _undelivered(self) -> list[int]:
        with self.lock:
            return [i.signo for i in self.queue] + [i.signo for t in self.proc.threads
                                                     for i in t.pending]

    def wake_for(self, sig: int) -> None:
        for t in list(self.proc.threads):
            if not t.blocks(sig):
                t.interrupt()
                return

    def take(self, t, mask: int) -> SigInfo | None:
        """The next signal to deliver, as the kernel's next_signal() picks it: this
        thread's own first, then the process's; synchronous ones first, then the lowest
        number; real-time signals in the order they came."""
        with self.lock:
            for q in (t.pending, self.queue):
                ready = [i for i, info in enumerate(q) if not (mask >> (info.signo - 1)) & 1]
                if ready:
                    best = min(ready, key=lambda i: (q[i].signo not in SYNC_SIGNALS, q[i].signo, i))
                    return q.pop(best)
        return None

    def pending_mask(self, t) -> int:
        with self.lock:
            bits = 0
            for info in t.pending + self.queue:
                bits |= 1 << (info.signo - 1)
            return bits


# --- frames -----------------------------------------------------------------------------
def _save_fpu(eng) -> bytes:
    """struct _fpstate_32: cw, sw, tag, ..., _st[8], status, magic, fxsave env, mxcsr,
    _fxsr_st, _xmm; the values fexlite restores at sigreturn."""
    buf = bytearray(FPSTATE_SIZE)
    vals = {}
    for reg in _FP_REGS:
        v = ffi.new("uint8_t[16]")
        lib.uc_reg_read(eng.uc, reg, v)
        vals[reg] = bytes(v)
    struct.pack_into("<III", buf, 0, vals[246][0] | vals[246][1] << 8 | 0xFFFF0000,
                     int.from_bytes(vals[31][:2], "little") | 0xFFFF0000,
                     int.from_bytes(vals[247][:2], "little") | 0xFFFF0000)
    for i in range(8):
        buf[28 + 10 * i:38 + 10 * i] = vals[114 + i][:10]
        buf[160 + 16 * i:170 + 16 * i] = vals[114 + i][:10]
        buf[288 + 16 * i:304 + 16 * i] = vals[122 + i]
    struct.pack_into("<HH", buf, 108, int.from_bytes(vals[31][:2], "little"), 0)  # magic 0: FXSR
    struct.pack_into("<I", buf, 136, int.from_bytes(vals[249][:4], "little"))
    return bytes(buf)


def _restore_fpu(eng, data: bytes) -> None:
    def put(reg, raw):
        lib.uc_reg_write(eng.uc, reg, ffi.new("uint8_t[16]", raw.ljust(16, b"\0")))
    put(246, data[0:2])
    put(31, data[4:6])
    put(247, data[8:10])
    for i in range(8):
        put(114 + i, data[28 + 10 * i:38 + 10 * i])
        put(122 + i, data[288 + 16 * i:304 + 16 * i])
    put(249, data[136:140])


def _sigcontext(t, mask: int, fpstate: int, info: SigInfo) -> bytes:
    from .layout import pack
    vals = dict(zip(SC_NAMES, (t.engine.reg_read(r) for r in FRAME_REGS)))
    vals.update(cs=USER_CS, ss=USER_DS, esp_at_signal=vals["esp"], fpstate=fpstate,
                oldmask=mask & 0xFFFFFFFF, cr2=info.addr, trapno=t.trapno)
    return pack("i386", "sigcontext", vals)


def setup_frame(t, info: SigInfo, action: tuple, old_mask: int) -> None:
    """Build the i386 sigframe or rt_sigframe and enter the handler (get_sigframe,
    ia32_setup_frame / ia32_setup_rt_frame)."""
    handler, flags, restorer, _ = action
    eng, space = t.engine, t.space
    sp = eng.reg_read(X86.ESP) & 0xFFFFFFFF
    ss_sp, ss_flags, ss_size = t.altstack
    if flags & SA_ONSTACK and not ss_flags & SS_DISABLE and not t.on_altstack(sp):
        sp = ss_sp + ss_size
    sp = (sp - FPSTATE_SIZE) & ~63
    fpstate = sp
    space.write(fpstate, _save_fpu(eng))
    rt = bool(flags & SA_SIGINFO)
    size = 4 * 4 + 128 + 116 + 8 if rt else 8 + 88 + 112 + 4 + 8
    frame = ((sp - size + 4) & ~15) - 4
    ret = restorer if flags & SA_RESTORER else t.proc.trampoline(rt)
    sc = _sigcontext(t, old_mask, fpstate, info)
    if rt:
        info_addr, uc_addr = frame + 16, frame + 16 + 128
        stack = struct.pack("<Iii", ss_sp, SS_DISABLE if ss_flags & SS_DISABLE else
                            (SS_ONSTACK if t.on_altstack(sp) else 0), ss_size)
        ucontext = struct.pack("<II", 0, 0) + stack + sc + struct.pack("<Q", old_mask)
        space.write(frame, struct.pack("<IiII", ret, info.signo, info_addr, uc_addr)
                    + info.pack() + ucontext + RETCODE_RT)
        eng.reg_write(X86.EDX, info_addr)
        eng.reg_write(X86.ECX, uc_addr)
    else:
        space.write(frame, struct.pack("<Ii", ret, info.signo) + sc + bytes(112)
                    + struct.pack("<I", old_mask >> 32) + RETCODE_SIGRETURN)
        eng.reg_write(X86.EDX, 0)
        eng.reg_write(X86.ECX, 0)
    eng.reg_write(X86.ESP, frame)
    eng.reg_write(X86.EIP, handler)
    eng.reg_write(X86.EAX, info.signo)
    eng.reg_write(X86.EFLAGS, eng.reg_read(X86.EFLAGS) & ~(TF | DF | RF))
    eng.reg_write(X86.DS, USER_DS)
    eng.reg_write(X86.ES, USER_DS)


def restore_frame(t, rt: bool) -> int:
    """sigreturn / rt_sigreturn: registers, FPU state and mask from the frame; returns
    the eax to resume with."""
    from .layout import unpack
    eng, space = t.engine, t.space
    sp = eng.reg_read(X86.ESP) & 0xFFFFFFFF
    if rt:
        frame = sp - 4
        uc_addr = frame + 16 + 128
        sc = unpack("i386", "sigcontext", space.read(uc_addr + 20, 88))
        mask = struct.unpack("<Q", space.read(uc_addr + 108, 8))[0]
        ss_sp, _, ss_size = struct.unpack("<IiI", space.read(uc_addr + 8, 12))
    else:
        frame = sp - 8
        sc = unpack("i386", "sigcontext", space.read(frame + 8, 88))
        high = struct.unpack("<I", space.read(frame + 8 + 88 + 112, 4))[0]
        mask = sc["oldmask"] | high << 32
    for reg, name in zip(FRAME_REGS, SC_NAMES):
        if name == "eflags":
            old = eng.reg_read(X86.EFLAGS)
            eng.reg_write(reg, (old & ~FIX_EFLAGS) | (sc[name] & FIX_EFLAGS))
        elif name in ("gs", "fs", "es", "ds"):
            if sc[name] & 0xFFFF and sc[name] & 0xFFFF != eng.reg_read(reg):
                eng.reg_write(reg, sc[name] & 0xFFFF)
        else:
            eng.reg_write(reg, sc[name])
    if sc["fpstate"]:
        _restore_fpu(eng, space.read(sc["fpstate"], FPSTATE_SIZE))
    t.set_mask(mask)
    return sc["eax"]


def deliver(t, info: SigInfo) -> None:
    """Run the guest's disposition for one signal taken off a queue."""
    sigs = t.proc.signals
    action = sigs.action(info.signo)
    handler, flags, _, sa_mask = action
    if handler == SIG_IGN:
        return
    if handler == SIG_DFL:
        if info.signo in DEFAULT_IGNORE:
            return
        t.proc.die(info.signo)
    old_mask = t.saved_mask if t.saved_mask is not None else t.sigmask
    t.saved_mask = None
    setup_frame(t, info, action, old_mask)
    new_mask = t.sigmask | sa_mask
    if not flags & SA_NODEFER:
        new_mask |= 1 << (info.signo - 1)
    t.set_mask(new_mask)
    if flags & SA_RESETHAND:
        sigs.set_action(info.signo, (SIG_DFL, 0, 0, 0))


def poll_self(t) -> None:
    """Take signals pending on this host thread (a signal sent to oneself, or to this
    thread) off the host, with their siginfo."""
    sigs = t.proc.signals
    while sigs.handled:
        info = host.sigtimedwait(sigs.handled, 0)
        if info is None:
            return
        sigs.post(SigInfo.from_host(info), thread=t)


def wait_for_signal(t) -> None:
    """pause/sigsuspend: sleep until the guest has a signal to take. KICK stays blocked
    except inside the host's sigsuspend, so a wake-up can never be lost."""
    sigs = t.proc.signals
    host.sigprocmask(host.SIG_BLOCK, {KICK})
    try:
        while True:
            poll_self(t)
            if t._deliverable():
                return
            host.sigsuspend(host_mask_for(t.sigmask, sigs.handled) - {KICK})
    finally:
        host.sigprocmask(host.SIG_UNBLOCK, {KICK})


def await_own(t, sig: int, patience: float = 0.05) -> None:
    """After kill()/tgkill() to oneself: the kernel delivers before the call returns, so
    wait (briefly) until the signal has reached fexlite's queues."""
    sigs = t.proc.signals
    if sig not in sigs.handled:
        return
    deadline = time.monotonic() + patience
    while True:
        poll_self(t)
        with sigs.lock:
            if any(i.signo == sig for i in t.pending + sigs.queue):
                return
        if time.monotonic() > deadline:
            return
        time.sleep(0.0002)


def timed_wait(t, wanted: int, timeout_ns: int | None) -> SigInfo | None:
    """sigtimedwait: a signal of WANTED from fexlite's queues (where the guest's handled
    signals go) or straight from the host (the others); None on timeout."""
    sigs = t.proc.signals
    want = {s for s in range(1, 65) if wanted >> (s - 1) & 1} - {KICK}
    deadline = None if timeout_ns is None else time.monotonic() + timeout_ns / 1e9
    while True:
        poll_self(t)
        with sigs.lock:
            for q in (t.pending, sigs.queue):
                for i, info in enumerate(q):
                    if info.signo in want:
                        return q.pop(i)
        raw = host.sigtimedwait(want - sigs.handled, 0) if want - sigs.handled else None
        if raw is not None:
            return SigInfo.from_host(raw)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.001)
