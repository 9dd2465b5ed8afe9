"""libunicorn through cffi, without importing Unicorn's stock Python binding.

The stock binding costs ~2.4 us per register read (DESIGN.md); here a guest
syscall reads its seven registers with one uc_reg_read_batch into a
preallocated array.
"""
import importlib.util
import os
import threading

from .cdefs import ffi
# Values from unicorn.h / x86.h / arm64.h of unicorn 2.1.1 (tests/test_uc_host.py
# checks them against the stock binding's constant modules).
ARCH_ARM64, ARCH_X86 = 2, 4
MODE_ARM, MODE_32 = 0, 4
HOOK_INTR, HOOK_INSN_INVALID = 1 << 0, 1 << 14
HOOK_MEM_INVALID = 0x3F0  # unmapped | protected, for read, write and fetch
HOOK_BLOCK = 1 << 3
ERR_OK, ERR_INSN_INVALID, ERR_EXCEPTION = 0, 10, 21
ERR_MEM = {6: "read", 7: "write", 8: "fetch", 12: "write", 13: "read", 14: "fetch"}

CTL_CPU_MODEL, CTL_TB_REMOVE_CACHE = 7, 9
_CTL_WRITE = 1


def ctl_code(kind: int, nargs: int) -> int:
    return kind | (nargs << 26) | (_CTL_WRITE << 30)


class X86:
    """Register ids (unicorn/x86.h)."""
    CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, EFLAGS, EIP = 11, 17, 19, 20, 21, 22, 23, 24, 25, 26
    ES, ESI, ESP, FS, GS, SS, CR0, CR4, GDTR = 28, 29, 30, 32, 33, 49, 50, 54, 243
    FPCW, MXCSR = 246, 249


class UcError(Exception):
    def __init__(self, code: int, what: str = ""):
        self.code = code
        super().__init__(f"{what}: {ffi.string(lib.uc_strerror(code)).decode()}")


def _load():
    spec = importlib.util.find_spec("unicorn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the unicorn package is not installed")
    libdir = os.path.join(list(spec.submodule_search_locations)[0], "lib")
    for name in ("libunicorn.so.2", "libunicorn.so", "libunicorn.dylib"):
        path = os.path.join(libdir, name)
        if os.path.exists(path):
            return ffi.dlopen(path)
    raise ImportError(f"libunicorn not found in {libdir}")


lib = _load()


def check(code: int, what: str) -> None:
    if code != ERR_OK:
        raise UcError(code, what)


class Engine:
    """One Unicorn instance with the handful of calls fexlite makes."""

    def __init__(self, arch: int, mode: int, cpu_model: int | None = None):
        handle = ffi.new("uc_engine **")
        check(lib.uc_open(arch, mode, handle), "uc_open")
        self.uc = handle[0]
        self._callbacks = []          # keep cffi callbacks alive
        self.owner = threading.get_ident()   # the host thread that runs this engine
        self.backlog = []             # memory-map changes made by other threads, not yet applied
        if cpu_model is not None:
            check(lib.uc_ctl(self.uc, ctl_code(CTL_CPU_MODEL, 1), ffi.cast("int", cpu_model)),
                  "set cpu model")

    def close(self):
        if self.uc is not None:
            lib.uc_close(self.uc)
            self.uc = None

    def map_ptr(self, addr: int, size: int, perms: int) -> None:
        """Identity mapping: guest address == host address."""
        check(lib.uc_mem_map_ptr(self.uc, addr, size, perms, ffi.cast("void *", addr)),
              f"map {addr:#x}+{size:#x}")

    def unmap(self, addr: int, size: int) -> None:
        check(lib.uc_mem_unmap(self.uc, addr, size), f"unmap {addr:#x}+{size:#x}")

    def protect(self, addr: int, size: int, perms: int) -> None:
        check(lib.uc_mem_protect(self.uc, addr, size, perms), f"protect {addr:#x}+{size:#x}")

    def remove_cache(self, begin: int, end: int) -> None:
        lib.uc_ctl(self.uc, ctl_code(CTL_TB_REMOVE_CACHE, 2),
                   ffi.cast("uint64_t", begin), ffi.cast("uint64_t", end))

    def hook(self, kind: int, ctype: str, fn, begin: int = 1, end: int = 0, *extra) -> None:
        cb = ffi.callback(ctype, fn)
        self._callbacks.append(cb)
        hh = ffi.new("uc_hook *")
        check(lib.uc_hook_add(self.uc, hh, kind, cb, ffi.NULL,
                              ffi.cast("uint64_t", begin), ffi.cast("uint64_t", end), *extra),
              "hook_add")

    def reg_read(self, reg: int) -> int:
        val = ffi.new("uint64_t *")
        check(lib.uc_reg_read(self.uc, reg, val), "reg_read")
        return val[0]

    def reg_write(self, reg: int, value: int) -> None:
        check(lib.uc_reg_write(self.uc, reg, ffi.new("uint64_t *", value)), "reg_write")

    def reg_write_struct(self, reg: int, ctype: str, **fields) -> None:
        check(lib.uc_reg_write(self.uc, reg, ffi.new(ctype + " *", fields)), "reg_write")

    def start(self, begin: int, until: int = 0, timeout_us: int = 0) -> int:
        return lib.uc_emu_start(self.uc, begin, until, timeout_us, 0)

    def stop(self) -> None:
        lib.uc_emu_stop(self.uc)


class RegBatch:
    """Preallocated arrays for reading/writing a fixed list of registers at once."""

    def __init__(self, engine: Engine, regs):
        self.uc = engine.uc
        self.n = len(regs)
        self.ids = ffi.new("int[]", list(regs))
        self.vals = ffi.new("uint64_t[]", self.n)
        self.ptrs = ffi.new("void *[]", [self.vals + i for i in range(self.n)])

    def read(self):
        lib.uc_reg_read_batch(self.uc, self.ids, self.ptrs, self.n)
        return self.vals
