"""Backends: what finally executes a translated call, each able to say whether it works here.

  arm64-bit31        the compat gateway of the (unmerged) arm64 patch: x8 = nr | 0x80000000,
                     zero-extended arguments in x0..x5, `svc #0`, 32-bit result in w0.
                     Real on arm64 hosts whose kernel has the patch (getpid probe).
  arm64-bit31-model  the same machine code run in Unicorn's arm64 mode; a hook on `svc`
                     models the patched kernel and hands the arm32 call to `emulated`.
  x86-int80          `int $0x80` from the 64-bit process (the kernel's ia32 table).
  host-native        the host's own 64-bit syscall().
  emulated           a model of the arm32 compat kernel: each arm32 call is translated to a
                     host call by the same engine as the routes (fexlite.translate).

A backend takes calls of one ABI (`abi`): call(nr, args) -> result or -errno.
"""
from __future__ import annotations

import errno as E
import platform
import threading
import weakref

from . import abi, host, translate

# The gateway stub, AAPCS64: long stub(u32 nr, u32 a1, ..., u32 a6).  Assembled with
# keystone (tests/test_backends.py re-assembles and compares):
#     orr  w8, w0, #0x80000000    // number | bit 31; a w write zero-extends x8
#     mov  w0, w1                 // arguments zero-extended into x0..x5
#     mov  w1, w2
#     mov  w2, w3
#     mov  w3, w4
#     mov  w4, w5
#     mov  w5, w6
#     svc  #0
#     sxtw x0, w0                 // the result is 32 bits: sign-extend w0
#     ret
ARM64_STUB_ASM = """
orr w8, w0, #0x80000000
mov w0, w1
mov w1, w2
mov w2, w3
mov w3, w4
mov w4, w5
mov w5, w6
svc #0
sxtw x0, w0
ret
"""
ARM64_STUB = bytes.fromhex("08000132e003012ae103022ae203032ae303042ae403052ae503062a"
                           "010000d4007c4093c0035fd6")
BIT31 = 0x80000000
ARM32_GETPID = 20


def host_abi() -> str | None:
    return {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(host.MACHINE)


def _s32(r: int) -> int:
    r &= 0xFFFFFFFF
    return r - 0x100000000 if r >= 0xFFFFF001 else r


class Backend:
    name = ""
    abi = ""
    doc = ""

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    def bind(self, proc) -> None:
        """The process whose memory the calls' pointers refer to."""

    def call(self, nr: int, args) -> int:
        raise NotImplementedError


class X86Int80(Backend):
    name, abi = "x86-int80", "i386"
    doc = "int $0x80 from the 64-bit process: the kernel's own ia32 table"

    @classmethod
    def available(cls):
        if host.int80_available():
            return True, "x86-64 host: int $0x80 reaches the ia32 table"
        return False, f"needs an x86-64 host with IA32 emulation (this is {host.MACHINE})"

    def call(self, nr, args):
        return host.int80(nr, *args)


class HostNative(Backend):
    name = "host-native"
    doc = "the host's own 64-bit syscall()"

    def __init__(self):
        self.abi = host_abi() or ""

    @classmethod
    def available(cls):
        if host_abi() is None:
            return False, f"no 64-bit syscall table known for {host.MACHINE}"
        return True, f"{host_abi()} syscall()"

    def call(self, nr, args):
        return host.syscall64(nr, *args)


# arm32 names whose canonical (i386) call has another name
ARM32_CANONICAL = {"arm_fadvise64_64": "fadvise64_64", "sync_file_range2": "sync_file_range",
                   "arm_sync_file_range": "sync_file_range"}


class Emulated(Backend):
    """The arm32 compat kernel, modelled: arm32 -> host native through fexlite.translate."""
    name, abi = "emulated", "arm32"
    doc = "a model of the arm32 compat kernel: arm32 -> host calls through the same engine"

    def __init__(self):
        self._tr = None
        self._plans: dict[int, object] = {}
        self._names = abi.names("arm32")
        self._i386 = abi.numbers("i386")

    @classmethod
    def available(cls):
        h = host_abi()
        if h is None:
            return False, f"no 64-bit syscall table known for {host.MACHINE}"
        return True, f"arm32 calls translated to {h} syscall() in user space"

    def bind(self, proc) -> None:
        self.bind_memory(proc.space)

    def bind_memory(self, mem) -> None:
        """mem: read(addr, n)/write(addr, data), raising on a bad pointer."""
        self._tr = translate.Translator("arm32", host_abi(), mem, translate.host_arena(),
                                        _issue64)
        self._plans.clear()

    @property
    def translator(self):
        return self._tr

    def canonical(self, nr: int) -> str | None:
        name = self._names.get(nr)
        if name is None:
            return None
        name = ARM32_CANONICAL.get(name, name)
        return name if name in self._i386 else None

    def plan(self, nr: int):
        p = self._plans.get(nr)
        if p is None:
            name = self.canonical(nr)
            p = self._tr.plan(name) if name else translate._enosys_plan(f"arm32 #{nr}")
            self._plans[nr] = p
        return p

    def call(self, nr, args):
        from .memory import GuestFault
        try:
            return self.plan(nr).call(*args, *(0,) * (6 - len(args)))
        except GuestFault:
            return -E.EFAULT
        except translate.C.ConvertOverflow:
            return -E.EOVERFLOW


def _issue64(nr, regs):
    return host.syscall64(nr, *regs)


# ------------------------------------------------------------------ the arm64 gateway
class Arm64Bit31(Backend):
    """The real gateway on an arm64 host (kernel with the compat-from-64-bit patch)."""
    name, abi = "arm64-bit31", "arm32"
    doc = "svc #0 with x8 = nr | 0x80000000 on a patched arm64 kernel"
    _fn = None
    _probe = None

    @classmethod
    def _stub(cls):
        if cls._fn is None:
            page = host.mmap(0, 4096, host.PROT_READ | host.PROT_WRITE,
                             host.MAP_PRIVATE | host.MAP_ANONYMOUS)
            if page < 0:
                raise OSError(-page, "cannot allocate the gateway stub")
            host.ffi.memmove(host.ffi.cast("char *", page), ARM64_STUB, len(ARM64_STUB))
            host.mprotect(page, 4096, host.PROT_READ | host.PROT_EXEC)
            cls._fn = host.ffi.cast("long (*)(unsigned int, unsigned int, unsigned int, "
                                    "unsigned int, unsigned int, unsigned int, unsigned int)",
                                    page)
        return cls._fn

    @classmethod
    def available(cls):
        if host.MACHINE not in ("aarch64", "arm64"):
            return False, f"needs an arm64 host (this is {host.MACHINE})"
        if cls._probe is None:
            r = cls._stub()(ARM32_GETPID, 0, 0, 0, 0, 0, 0)
            cls._probe = (False, "kernel returns -ENOSYS for bit-31 calls (no compat gateway)") \
                if r == -E.ENOSYS else (True, f"bit-31 getpid probe returned {r}")
        return cls._probe

    def call(self, nr, args):
        a = [x & 0xFFFFFFFF for x in args] + [0] * (6 - len(args))
        return _s32(self._stub()(nr, *a[:6]))


ARM64_X0, ARM64_X8, ARM64_LR, ARM64_SP, ARM64_PC = 199, 207, 2, 4, 260


class Arm64Model:
    """Unicorn arm64 running the gateway stub; its svc hook models the patched kernel:
    bit 31 of x8 selects the compat table, x0..x5 are the arguments, the 32-bit result
    goes to w0 (zero-extended in x0).  kernel(nr, args) executes the arm32 call."""

    CODE = 0x10000
    RETURN = 0x11000          # lr: the stub's `ret` lands here and emulation stops

    def __init__(self, kernel):
        from . import uc
        self.kernel = kernel
        self.calls = []       # (x8, x0..x5) as the "kernel" saw them, for tests
        self.record = False
        self.eng = uc.Engine(uc.ARCH_ARM64, uc.MODE_ARM)
        self._buf = host.ffi.new("char[]", 0x3000)
        base = (int(host.ffi.cast("uintptr_t", self._buf)) + 0xFFF) & ~0xFFF
        host.ffi.memmove(host.ffi.cast("char *", base), ARM64_STUB, len(ARM64_STUB))
        host.ffi.memmove(host.ffi.cast("char *", base + 0x1000), b"\x00" * 4, 4)
        uc.check(uc.lib.uc_mem_map_ptr(self.eng.uc, self.CODE, 0x2000, 5,
                                       host.ffi.cast("void *", base)), "map stub")
        self._regs = uc.RegBatch(self.eng, [ARM64_X8] + [ARM64_X0 + i for i in range(6)])
        ref = weakref.ref(self)      # the engine's hook must not keep the model alive

        def svc(uc_, intno, user):
            me = ref()
            if me is not None:
                me._svc(uc_, intno, user)
        self.eng.hook(uc.HOOK_INTR, "void(uc_engine *, uint32_t, void *)", svc)
        weakref.finalize(self, self.eng.close)      # one model per host thread: freed with it

    def _svc(self, _uc, intno, _user):
        v = self._regs.read()
        x8, args = v[0], [v[i] for i in range(1, 7)]
        if self.record:
            self.calls.append((x8, *args))
        if x8 & BIT31 and not x8 >> 32:
            result = self.kernel(x8 & ~BIT31, [a & 0xFFFFFFFF for a in args])
        else:
            result = -E.ENOSYS           # only the gateway is modelled
        self.eng.reg_write(ARM64_X0, result & 0xFFFFFFFF)

    def __call__(self, nr: int, args) -> int:
        eng = self.eng
        a = [x & 0xFFFFFFFF for x in args] + [0] * (6 - len(args))
        eng.reg_write(ARM64_X0, nr & 0xFFFFFFFF)
        for i, x in enumerate(a[:6]):
            eng.reg_write(ARM64_X0 + 1 + i, x)
        eng.reg_write(ARM64_LR, self.RETURN)
        err = eng.start(self.CODE, self.RETURN)
        if err:
            from .uc import UcError
            raise UcError(err, "arm64 gateway model")
        r = eng.reg_read(ARM64_X0)
        return r - (1 << 64) if r >> 63 else r       # x0 as the stub left it (sxtw w0)


class Arm64Bit31Model(Backend):
    name, abi = "arm64-bit31-model", "arm32"
    doc = "the arm64-bit31 stub run in Unicorn arm64; its svc hook hands the call to emulated"

    def __init__(self):
        self.emulated = Emulated()
        self._local = threading.local()

    @property
    def model(self) -> Arm64Model:
        """This host thread's arm64 CPU.  Guest threads make calls at the same time (one
        blocked in a futex wait inside its svc while another calls), and a Unicorn engine
        runs on one thread at a time, as a real CPU would."""
        m = getattr(self._local, "model", None)
        if m is None:
            m = self._local.model = Arm64Model(self.emulated.call)
        return m

    @model.setter
    def model(self, m: Arm64Model) -> None:
        self._local.model = m

    @classmethod
    def available(cls):
        ok, why = Emulated.available()
        return ok, ("Unicorn arm64 runs the gateway stub; its svc hook models the patched "
                    "kernel and calls emulated" if ok else why)

    def bind(self, proc) -> None:
        self.emulated.bind(proc)

    def call(self, nr, args):
        return _s32(self.model(nr, args))


BACKENDS = {b.name: b for b in (Arm64Bit31, Arm64Bit31Model, X86Int80, HostNative, Emulated)}


def make_backend(name: str) -> Backend:
    from .errors import FexliteError
    cls = BACKENDS.get(name)
    if cls is None:
        raise FexliteError(f"unknown backend '{name}' (valid: {', '.join(BACKENDS)})")
    ok, why = cls.available()
    if not ok:
        raise FexliteError(f"backend {name} is not available here: {why}")
    return cls()


def host_description() -> dict:
    return {"machine": host.MACHINE, "kernel": platform.release(), "system": platform.system()}
