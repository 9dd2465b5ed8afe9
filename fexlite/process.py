"""A guest process and its threads: address space, CPUs, the syscall table, signals,
and how threads and the process end."""
import collections
import errno as E
import os
import signal
import sys
import threading
import time
import traceback

from . import abi, cpu, fastpath, host, loader, personality, signals, uc
from .memory import AddressSpace, GuestFault, PRIVATE_PAGE, PAGE
from .rootfs import takes_paths
from .signals import SigInfo
from .uc import X86, ffi, lib

from . import legacy, procfs  # noqa: F401  (register socketcall, ipc, old calls, /proc/self)

SYSCALL_REGS = (X86.EAX, X86.EBX, X86.ECX, X86.EDX, X86.ESI, X86.EDI, X86.EBP)
# CPU exception vector -> (signal, si_code) the kernel sends
FAULT_SIGNALS = {0: (signal.SIGFPE, 1), 1: (signal.SIGTRAP, 1), 3: (signal.SIGTRAP, 0x80),
                 4: (signal.SIGSEGV, 0x80), 5: (signal.SIGSEGV, 0x80), 6: (signal.SIGILL, 2),
                 16: (signal.SIGFPE, 0), 19: (signal.SIGFPE, 0)}
# Unicorn memory access types (uc_mem_type) that hit mapped but protected memory
# (write, read, fetch); the unmapped ones (19..21) are SEGV_MAPERR.
PROT_FAULTS = frozenset({22, 23, 24})
SEGV_MAPERR, SEGV_ACCERR = 1, 2
DOUBLE_FAULT = 8
SUSPENDS = ("pause", "rt_sigsuspend", "sigsuspend")   # EINTR is their normal result
DEBUG = bool(os.environ.get("FEXLITE_DEBUG"))
TRAMPOLINE_SIGRETURN, TRAMPOLINE_RT = PRIVATE_PAGE, PRIVATE_PAGE + 16


SLICE_S = 0.01


class CpuLock:
    """Guest threads take turns executing guest code, in FIFO order.

    Unicorn translates `lock`-prefixed instructions without host atomics (it is built
    for one CPU), so two engines running at once could both win a cmpxchg. Host
    syscalls, where threads block, run outside the lock and so in parallel. A thread
    gives the CPU up at its syscalls and, with the compiled fast path, when the ticker
    asks (its block hook stops the engine from inside). Stopping Unicorn from outside
    mid-run (uc_emu_start's timeout, uc_emu_stop from another thread) was measured to
    corrupt guest state in 2.1.1; without the fast path a thread spinning without
    syscalls starves the others (a known limit)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._waiters = collections.deque()
        self._busy = False
        self.owner = None                 # the Thread running guest code

    def acquire(self, owner) -> None:
        with self._guard:
            if not self._busy:
                self._busy, self.owner = True, owner
                return
            turn = threading.Event()
            self._waiters.append((turn, owner))
        turn.wait()                       # ownership is handed over by release()

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                turn, self.owner = self._waiters.popleft()
                turn.set()
            else:
                self._busy, self.owner = False, None

    def contended(self):
        """The owner, when someone else waits for the CPU."""
        return self.owner if self._waiters else None


class Process:
    def __init__(self, elf, argv: list[bytes], envp: list[bytes], route, options, tracer=None,
                 interp=None):
        self.options = options
        self.route = route
        self.tracer = tracer
        self.space = AddressSpace()
        self.space.map_anon(PRIVATE_PAGE, PAGE, 7, "[fexlite trampolines]")
        self.space.write(TRAMPOLINE_SIGRETURN, signals.RETCODE_SIGRETURN)
        self.space.write(TRAMPOLINE_RT, signals.RETCODE_RT)
        self.space.protect(PRIVATE_PAGE, PAGE, 5)
        self.gdts = cpu.GdtPool(self.space)
        self.image = loader.load(self.space, elf, argv, envp, elf.path.encode(), interp)
        self.exe_path = os.path.abspath(elf.path)
        self.signals = signals.Signals(self)
        self.names = abi.names("i386")
        self.numbers = abi.numbers("i386")
        self.threads: list[Thread] = []
        self.lock = threading.RLock()
        self.exit_status = 0
        self.multithreaded = False
        self.cpu_lock = CpuLock()
        self.table = self._build_table()
        self._by_name = {}
        self.fast = fastpath.load() if options.fast else None
        self.fast_table = self._build_fast_table() if self.fast else ()
        if options.verbose:
            how = (f"compiled fast path on: {len(self.fast_table)} calls" if self.fast else
                   f"{fastpath.why_not() or 'compiled fast path off'}; Python path")
            print(f"fexlite: {how}", file=sys.stderr)
        main = Thread(self, cpu.Gdt(self.space, self.gdts.take()))
        main.engine.reg_write(X86.ESP, self.image.sp)
        for reg in SYSCALL_REGS:
            main.engine.reg_write(reg, 0)
        main.engine.reg_write(X86.EIP, self.image.entry)
        self.threads.append(main)

    # --- the syscall table: one callable per i386 number ---------------------------------
    def _build_table(self):
        table = [(None, None, False)] * (max(self.names) + 1)
        rootfs = self.options.rootfs
        for nr, name in self.names.items():
            emulated = personality.HANDLERS.get(name)
            if emulated is not None:
                table[nr] = (name, emulated, True)
            else:
                table[nr] = (name, self._built_on_first_call(nr, name), False)
            if rootfs is not None and takes_paths(name):
                table[nr] = (name, rootfs.wrap(name, table[nr][1], table[nr][2]), True)
        return table

    def _built_on_first_call(self, nr: int, name: str):
        """The route's handler is built when the guest first makes the call: a program
        makes a few dozen of the ~370 calls, and start-up should not pay for the rest."""
        built = []

        def first_call(*args):
            if not built:
                built.append(self.route.handler(nr, name, self))
                if self.table[nr][1] is first_call:        # not wrapped (e.g. by --rootfs)
                    self.table[nr] = (name, built[0], False)
            return built[0](*args)
        return first_call

    def _build_fast_table(self):
        """(nr, gate, target, sign mask) for every call the C hook may issue itself."""
        out = []
        for nr, (name, _, emulated) in enumerate(self.table):
            if name is None or emulated:           # (rootfs path calls are emulated too)
                continue
            spec = fastpath.fast_spec(self.route, nr, name)
            if spec is not None:
                out.append((nr, *spec))
        return out

    def passthrough(self, name: str, *args: int) -> int:
        """The route's own handling of an i386 call (what runs when nothing is emulated)."""
        fn = self._by_name.get(name)
        if fn is None:
            nr = self.numbers[name]
            fn = self._by_name[name] = self.route.handler(nr, name, self)
        return fn(*args, *(0,) * (6 - len(args)))

    def start_ticker(self) -> None:
        """With the compiled fast path, a guest thread that runs long without syscalls is
        asked every SLICE_S to give the CPU to a waiting one (at a block boundary)."""
        if self.fast is None or self._ticker:
            return
        self._ticker = True

        def tick():
            while True:
                time.sleep(SLICE_S)
                owner = self.cpu_lock.contended()
                if owner is not None:
                    owner.request_stop()
        threading.Thread(target=tick, name="fexlite-ticker", daemon=True).start()

    _ticker = False

    def trampoline(self, rt: bool) -> int:
        return TRAMPOLINE_RT if rt else TRAMPOLINE_SIGRETURN

    # --- ending ---------------------------------------------------------------------------
    def exit_group(self, status: int):
        if self.tracer is not None:
            self.tracer.exit(status)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)

    def die(self, sig: int):
        """End the process the way the guest's default action would: killed by sig."""
        if self.tracer is not None:
            self.tracer.killed(sig)
        sys.stdout.flush()
        sys.stderr.flush()
        signals.set_host_disposition(sig, signals.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os._exit(128 + sig)

    def fork(self, t) -> int:
        if self.tracer is not None:
            self.tracer.flush()
        pid = os.fork()
        if pid == 0:
            self.threads = [t]
            self.multithreaded, self.cpu_lock, t.holding = False, CpuLock(), False
            self._ticker = False
            t.ident = threading.get_ident()
            self.signals.after_fork()
        return pid

    def execve(self, t, path: bytes, argv: list[bytes], envp: list[bytes]) -> int:
        from .execve import exec_guest
        return exec_guest(self, path, argv, envp)

    def run(self) -> int:
        """Runs the main thread in this host thread. If it calls exit() while other
        threads go on, the process lives until the last one ends (it calls exit_group)."""
        main = self.threads[0]
        main.run()
        main.finish()
        threading.Event().wait()


class Thread:
    """One guest thread: its own Unicorn over the shared memory, GDT, mask and queue."""

    def __init__(self, proc: Process, gdt: cpu.Gdt):
        self.proc, self.space, self.gdt = proc, proc.space, gdt
        self.engine = cpu.new_engine(proc.space, gdt)
        self.sigmask = 0
        self.saved_mask = None            # the mask to restore after sigsuspend's handler
        self.pending: list[SigInfo] = []
        self.altstack = (0, signals.SS_DISABLE, 0)
        self.clear_child_tid = self.robust_list = 0
        self.trapno = 0
        self.fault: SigInfo | None = None
        self.exiting = False
        self.stop_requested = False
        self.holding = False              # this thread holds proc.cpu_lock
        self.in_syscall = False
        self.ident = threading.get_ident()
        self.host_generation = -1
        self._regs = uc.RegBatch(self.engine, SYSCALL_REGS)
        self._eax = ffi.new("uint64_t *")
        self.fast = None
        if proc.fast is not None:
            self._install_fast_path()
        else:
            self.engine.hook(uc.HOOK_INTR, "void(uc_engine *, uint32_t, void *)",
                             self._on_interrupt)
        self.engine.hook(uc.HOOK_MEM_INVALID,
                         "bool(uc_engine *, int, uint64_t, int, int64_t, void *)",
                         self._on_bad_memory)

    def _install_fast_path(self) -> None:
        mod = self.proc.fast
        st = self.fast = mod.ffi.new("fp_state *")
        for nr, gate, target, sext in self.proc.fast_table:
            st.gate[nr], st.target[nr], st.sext[nr] = gate, target, sext
        st.slow = int(self.proc.tracer is not None or self.proc.multithreaded)
        cb = ffi.callback("void(uc_engine *, uint32_t, void *)", self._on_interrupt)
        self.engine._callbacks.append(cb)
        st.python = mod.ffi.cast("void *", int(ffi.cast("uintptr_t", cb)))
        err = mod.lib.fp_install(mod.ffi.cast("void *", int(ffi.cast("uintptr_t", self.engine.uc))), st)
        uc.check(err, "fast path hooks")

    def request_stop(self) -> None:
        """Stop this engine at its next block boundary (callable from any thread)."""
        if self.fast is not None:
            self.fast.stop = 1
        elif self.ident == threading.get_ident() and not self.in_syscall:
            lib.uc_emu_stop(self.engine.uc)

    # --- convenience for the personality -------------------------------------------------
    @property
    def exe_path(self):
        return self.proc.exe_path

    def passthrough(self, name, *args):
        return self.proc.passthrough(name, *args)

    def set_stack(self, sp: int) -> None:
        self.engine.reg_write(X86.ESP, sp)

    def warn_enosys(self, what: str | None = None) -> int:
        nr = self.engine.reg_read(X86.EAX) & 0xFFFFFFFF
        name = self.proc.names.get(nr, f"syscall_{nr}")
        print(f"fexlite: unsupported syscall {name} (#{nr}){': ' + what if what else ''}",
              file=sys.stderr, flush=True)
        return -E.ENOSYS

    # --- signals -------------------------------------------------------------------------
    def blocks(self, sig: int) -> bool:
        return bool(self.sigmask >> (sig - 1) & 1)

    def set_mask(self, mask: int) -> None:
        mask &= ~((1 << (signal.SIGKILL - 1)) | (1 << (signal.SIGSTOP - 1)))
        self.sigmask = mask & (1 << 64) - 1
        self.sync_host_mask()

    def sync_host_mask(self) -> None:
        sigs = self.proc.signals
        self.host_generation = sigs.generation
        host.sigprocmask(host.SIG_SETMASK, signals.host_mask_for(self.sigmask, sigs.handled))

    def on_altstack(self, sp: int) -> bool:
        ss_sp, flags, size = self.altstack
        return not flags & signals.SS_DISABLE and ss_sp < sp <= ss_sp + size

    def interrupt(self) -> None:
        """Make this thread look at its signals soon (called from any thread)."""
        self.stop_requested = True
        # Never uc_emu_stop from another thread (measured to corrupt guest state in
        # Unicorn 2.1.1): the fast path's block hook stops the engine from inside. A
        # blocking syscall is interrupted by KICK. Without the compiled fast path, guest
        # code running without syscalls takes the signal at its next syscall.
        self.request_stop()
        if self.ident != threading.get_ident():
            try:
                signal.pthread_kill(self.ident, signals.KICK)
            except (ProcessLookupError, OSError):
                pass

    def deliver_pending(self) -> None:
        info = self.proc.signals.take(self, self.sigmask)
        while info is not None:
            signals.deliver(self, info)
            info = self.proc.signals.take(self, self.sigmask)

    def hold(self) -> None:
        if self.proc.multithreaded and not self.holding:
            self.proc.cpu_lock.acquire(self)
            self.holding = True

    def unhold(self) -> None:
        if self.holding:
            self.holding = False
            self.proc.cpu_lock.release()

    # --- the syscall hook ----------------------------------------------------------------
    def _on_interrupt(self, _uc, intno, _user):
        if intno == fastpath.EINTR_TRAP:
            return self._fast_eintr()
        if intno != 0x80:
            if intno == DOUBLE_FAULT:
                # Unicorn never sees the kernel finish delivering the previous exception,
                # so a second contributory one (#DE after #DE) escalates: it is a repeat.
                intno = self.trapno
            sig, code = FAULT_SIGNALS.get(intno, (signal.SIGSEGV, 0x80))
            self.trapno = intno
            self.fault = SigInfo(sig, code, addr=self.engine.reg_read(X86.EIP) & 0xFFFFFFFF)
            lib.uc_emu_stop(self.engine.uc)
            return
        if self.engine.backlog:
            self.space.sync(self.engine)
        v = self._regs.read()
        nr = v[0] & 0xFFFFFFFF
        args = (v[1], v[2], v[3], v[4], v[5], v[6])
        entry = self.proc.table[nr] if nr < len(self.proc.table) else None
        self.in_syscall = True
        result = self._call(nr, entry, args)
        self.in_syscall = False
        if self.exiting:
            lib.uc_emu_stop(self.engine.uc)
            return
        if result is None:                 # sigreturn set every register itself
            if self._deliverable():
                self.deliver_pending()
            return
        self._eax[0] = result & 0xFFFFFFFF
        lib.uc_reg_write(self.engine.uc, X86.EAX, self._eax)
        if self.proc.signals.handled or self.pending or self.proc.signals.queue:
            self._after_syscall(nr, entry, args, result)

    def _call(self, nr, entry, args):
        while True:
            self.unhold()
            try:
                if entry is None:
                    result = self.warn_enosys()
                elif entry[2]:
                    result = entry[1](self, *args)
                else:
                    result = entry[1](*args)
            except GuestFault:
                result = -E.EFAULT
            except personality.ThreadExit:
                self.exiting = True
                return None
            except Exception as exc:   # a bug of ours must not take the guest down silently
                print(f"fexlite: internal error in {entry[0] if entry else nr}: {exc!r}",
                      file=sys.stderr, flush=True)
                if DEBUG:
                    traceback.print_exc()
                result = -E.ENOSYS
            finally:
                self.hold()
            if self.proc.tracer is not None and entry is not None and result is not None:
                self.proc.tracer.syscall(self, entry[0], args, result,
                                         "" if entry[2] else self.proc.route.describe(nr, entry[0]))
            if result != -E.EINTR or entry is None or entry[0] in SUSPENDS or self._await_signal():
                return result
            # interrupted only by fexlite's own KICK (nothing for the guest): restart

    def _fast_eintr(self) -> None:
        """A call the C hook issued returned EINTR: deliver what interrupted it, restarting
        the call where the kernel would; if it was only fexlite's KICK, restart it."""
        nr = self.fast.last_nr
        name = self.proc.table[nr][0]
        eng = self.engine
        info = self.proc.signals.take(self, self.sigmask) if self._await_signal() else None
        restart = info is None or (self.proc.signals.action(info.signo)[1] & signals.SA_RESTART
                                   and name in signals.RESTARTABLE)
        if restart:
            eng.reg_write(X86.EAX, nr)
            eng.reg_write(X86.EIP, (eng.reg_read(X86.EIP) - 2) & 0xFFFFFFFF)
        if info is not None:
            signals.deliver(self, info)
            self.deliver_pending()

    def _await_signal(self, patience: float = 0.05) -> bool:
        """After EINTR: is there a signal for the guest? Its siginfo may still be on its
        way from the watcher thread, so wait a moment before calling it a spurious kick."""
        deadline = time.monotonic() + patience
        while not self._deliverable():
            if time.monotonic() > deadline:
                return False
            signals.poll_self(self)
            time.sleep(0.0005)
        return True

    def _deliverable(self) -> bool:
        sigs = self.proc.signals
        with sigs.lock:
            return any(not self.blocks(i.signo) for i in self.pending + sigs.queue)

    def _after_syscall(self, nr, entry, args, result):
        if self.host_generation != self.proc.signals.generation:
            self.sync_host_mask()
        if not self._deliverable():
            return
        name = entry[0] if entry else ""
        if result == -E.EINTR:
            info = self.proc.signals.take(self, self.sigmask)
            if info is not None:
                flags = self.proc.signals.action(info.signo)[1]
                if flags & signals.SA_RESTART and name in signals.RESTARTABLE:
                    self.engine.reg_write(X86.EAX, nr)
                    self.engine.reg_write(X86.EIP, (self.engine.reg_read(X86.EIP) - 2) & 0xFFFFFFFF)
                signals.deliver(self, info)
        self.deliver_pending()

    def _on_bad_memory(self, _uc, access, address, _size, _value, _user):
        self.trapno = 14
        self.fault = SigInfo(signal.SIGSEGV, SEGV_ACCERR if access in PROT_FAULTS else SEGV_MAPERR,
                             addr=address & 0xFFFFFFFF)
        return False

    # --- running -------------------------------------------------------------------------
    def run(self) -> None:
        eng = self.engine
        while True:
            self.stop_requested = False
            self.hold()
            start = eng.reg_read(X86.EIP) & 0xFFFFFFFF
            err = eng.start(start, 0)
            self.unhold()
            if self.exiting:
                return
            fault, self.fault = self.fault, None
            if self.space.sync(eng) and fault is not None and fault.signo == signal.SIGSEGV:
                continue      # another thread mapped it meanwhile: run the access again
            if fault is None and err != uc.ERR_OK:
                fault = SigInfo(signal.SIGILL if err == uc.ERR_INSN_INVALID else signal.SIGSEGV,
                                2 if err == uc.ERR_INSN_INVALID else SEGV_MAPERR,
                                addr=eng.reg_read(X86.EIP) & 0xFFFFFFFF)
            elif fault is None and not self.stop_requested and eng.reg_read(X86.EIP) == 0:
                fault = SigInfo(signal.SIGSEGV, SEGV_MAPERR, addr=0)
            if DEBUG and fault is not None:
                print(f"fexlite: guest fault {fault} at eip={eng.reg_read(X86.EIP):#x} "
                      f"(slice from {start:#x}) "
                      f"({uc.UcError(err, 'emu_start') if err else 'ok'})", file=sys.stderr)
            if fault is not None:
                self._synchronous(fault)
            self.deliver_pending()

    def _synchronous(self, info: SigInfo) -> None:
        """A CPU fault: the guest's handler if it has one and does not block the signal,
        else the default action (the kernel's force_sig)."""
        handler = self.proc.signals.action(info.signo)[0]
        if handler in (signals.SIG_DFL, signals.SIG_IGN) or self.blocks(info.signo):
            self.proc.die(info.signo)
        signals.deliver(self, info)

    # --- threads ---------------------------------------------------------------------------
    def spawn(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
        """clone(CLONE_VM|CLONE_THREAD...): a new guest thread on a new host thread."""
        proc = self.proc
        child = Thread(proc, cpu.Gdt(proc.space, proc.gdts.take(), copy_from=self.gdt))
        ctx = ffi.new("uint64_t *")
        for reg in (X86.EBX, X86.ECX, X86.EDX, X86.ESI, X86.EDI, X86.EBP, X86.ESP, X86.EIP,
                    X86.EFLAGS, X86.FS, X86.GS):
            lib.uc_reg_read(self.engine.uc, reg, ctx)
            lib.uc_reg_write(child.engine.uc, reg, ctx)
        child.engine.reg_write(X86.EAX, 0)
        if newsp:
            child.engine.reg_write(X86.ESP, newsp)
        child.sigmask = self.sigmask
        child.altstack = (0, signals.SS_DISABLE, 0)
        if flags & personality.CLONE_SETTLS:
            rc = personality.set_tls(child, tls)
            if rc < 0:
                return rc
            gs = self.engine.reg_read(X86.GS)
            if gs:
                child.engine.reg_write(X86.GS, gs)
        if flags & personality.CLONE_CHILD_CLEARTID:
            child.clear_child_tid = ctid
        started = threading.Event()
        tid_box = []

        def body():
            tid = threading.get_native_id()
            child.ident = child.engine.owner = threading.get_ident()
            if flags & personality.CLONE_CHILD_SETTID:
                child.space.write(ctid, tid.to_bytes(4, "little"))
            if flags & personality.CLONE_PARENT_SETTID:
                child.space.write(ptid, tid.to_bytes(4, "little"))
            tid_box.append(tid)
            child.sync_host_mask()
            started.set()
            child.run()
            child.finish()

        with proc.lock:
            proc.threads.append(child)
            proc.multithreaded = True
            for t in proc.threads:          # the C hook would block holding the CPU lock
                if t.fast is not None:
                    t.fast.slow = 1
            proc.start_ticker()
        threading.Thread(target=body, name="guest-thread", daemon=True).start()
        started.wait()
        return tid_box[0]

    def thread_exit(self, status: int) -> None:
        """exit(): this thread ends; the last one ends the process."""
        proc = self.proc
        with proc.lock:
            proc.exit_status = status
            others = [t for t in proc.threads if t is not self]
        if not others:
            proc.exit_group(status)
        raise personality.ThreadExit()

    def finish(self) -> None:
        """After the thread's last instruction: CLONE_CHILD_CLEARTID, then leave."""
        proc = self.proc
        if self.clear_child_tid:
            try:
                self.space.write(self.clear_child_tid, bytes(4))
                proc.passthrough("futex", self.clear_child_tid, 1, 1)    # FUTEX_WAKE, 1
            except GuestFault:
                pass
        with proc.lock:
            if self in proc.threads:
                proc.threads.remove(self)
            last = not proc.threads
        proc.gdts.give_back(self.gdt.addr)
        self.space.detach(self.engine)
        self.engine.close()
        if last:
            proc.exit_group(proc.exit_status)
