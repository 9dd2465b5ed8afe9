"""One guest process: its address space, CPU, syscall table, and how it ends."""
import errno as E
import os
import signal
import sys
import traceback

from . import abi, cpu, loader, personality, uc
from .memory import AddressSpace, GuestFault
from .uc import X86, ffi, lib

SYSCALL_REGS = (X86.EAX, X86.EBX, X86.ECX, X86.EDX, X86.ESI, X86.EDI, X86.EBP)

# CPU exception vector -> the signal the kernel sends
FAULT_SIGNALS = {0: signal.SIGFPE, 1: signal.SIGTRAP, 3: signal.SIGTRAP, 6: signal.SIGILL,
                 16: signal.SIGFPE, 19: signal.SIGFPE}
UC_ERROR_SIGNALS = {uc.ERR_INSN_INVALID: signal.SIGILL}
DEBUG = bool(os.environ.get("FEXLITE_DEBUG"))


class GuestExit(Exception):
    pass


class Process:
    def __init__(self, elf, argv: list[bytes], envp: list[bytes], route, options, tracer=None):
        self.options = options
        self.route = route
        self.tracer = tracer
        self.space = AddressSpace()
        self.gdt = cpu.Gdt(self.space)
        self.engine = cpu.new_engine(self.space)
        self.image = loader.load(self.space, elf, argv, envp, elf.path.encode())
        self.exe_path = os.path.abspath(elf.path)
        self.sigactions: dict[int, tuple] = {}
        self.sigmask = 0
        self.altstack = (0).to_bytes(4, "little") + (2).to_bytes(4, "little") + bytes(4)
        self.clear_child_tid = self.robust_list = 0
        self.fault_signal = None
        self.exit_status = None
        self._regs = uc.RegBatch(self.engine, SYSCALL_REGS)
        self._eax = ffi.new("uint64_t *")
        self.names = abi.names("i386")
        self.table = self._build_table()
        self.engine.hook(uc.HOOK_INTR, "void(uc_engine *, uint32_t, void *)", self._on_interrupt)

    # --- the syscall table: one callable per i386 number ---------------------------------
    def _build_table(self):
        table = [None] * (max(self.names) + 1)
        for nr, name in self.names.items():
            emulated = personality.HANDLERS.get(name)
            if emulated is not None:
                table[nr] = (name, lambda *a, _h=emulated: _h(self, *a))
            else:
                table[nr] = (name, self.route.handler(nr, name, self))
        return table

    def passthrough(self, name: str, *args: int) -> int:
        """The route's own handling of an i386 call (what runs when nothing is emulated)."""
        nr = abi.numbers("i386")[name]
        return self.route.handler(nr, name, self)(*args, *(0,) * (6 - len(args)))

    def warn_enosys(self, what: str | None = None) -> int:
        nr = self.engine.reg_read(X86.EAX) & 0xFFFFFFFF
        name = self.names.get(nr, f"syscall_{nr}")
        print(f"fexlite: unsupported syscall {name} (#{nr}){': ' + what if what else ''}",
              file=sys.stderr, flush=True)
        return -E.ENOSYS

    def _on_interrupt(self, _uc, intno, _user):
        if intno != 0x80:
            self.fault_signal = FAULT_SIGNALS.get(intno, signal.SIGSEGV)
            lib.uc_emu_stop(self.engine.uc)
            return
        v = self._regs.read()
        nr = v[0] & 0xFFFFFFFF
        entry = self.table[nr] if nr < len(self.table) else None
        try:
            if entry is None:
                result = self.warn_enosys()
            else:
                result = entry[1](v[1], v[2], v[3], v[4], v[5], v[6])
        except GuestFault:
            result = -E.EFAULT
        except GuestExit:
            lib.uc_emu_stop(self.engine.uc)
            return
        except Exception as exc:       # a bug of ours must not take the guest down silently
            name = entry[0] if entry else nr
            print(f"fexlite: internal error in {name}: {exc!r}", file=sys.stderr, flush=True)
            if DEBUG:
                traceback.print_exc()
            result = -E.ENOSYS
        if self.tracer is not None and entry is not None:
            self.tracer.syscall(self, entry[0], (v[1], v[2], v[3], v[4], v[5], v[6]), result,
                                "" if entry[0] in personality.HANDLERS else
                                self.route.describe(nr, entry[0]))
        self._eax[0] = result & 0xFFFFFFFF
        lib.uc_reg_write(self.engine.uc, X86.EAX, self._eax)

    # --- process-level operations the personality asks for ------------------------------------
    def exit(self, status: int):
        if self.tracer is not None:
            self.tracer.exit(status)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)

    def set_stack(self, sp: int) -> None:
        self.engine.reg_write(X86.ESP, sp)

    def fork(self) -> int:
        if self.tracer is not None:
            self.tracer.flush()
        return os.fork()

    def execve(self, path: bytes, argv: list[bytes], envp: list[bytes]) -> int:
        from .execve import exec_guest
        return exec_guest(self, path, argv, envp)

    # --- running -----------------------------------------------------------------------
    def run(self) -> int:
        eng = self.engine
        eng.reg_write(X86.ESP, self.image.sp)
        for reg in (X86.EAX, X86.EBX, X86.ECX, X86.EDX, X86.ESI, X86.EDI, X86.EBP):
            eng.reg_write(reg, 0)
        err = eng.start(self.image.entry, 0)
        sig = self.fault_signal or UC_ERROR_SIGNALS.get(err, signal.SIGSEGV)
        if DEBUG:
            print(f"fexlite: guest stopped: {uc.UcError(err, 'emu_start')} at "
                  f"eip={eng.reg_read(X86.EIP):#x}", file=sys.stderr)
        return self.die(sig)

    def die(self, sig: int) -> int:
        """End this process the way the guest's default action would: killed by sig."""
        if self.tracer is not None:
            self.tracer.killed(sig)
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        return 128 + sig
