"""The guest CPU: Unicorn in 32-bit mode with a GDT for %gs-based TLS and SSE enabled."""
import struct
import threading
from dataclasses import dataclass

from . import uc
from .memory import PRIVATE_PAGE, PAGE
from .uc import X86

# An ia32 task on an x86-64 kernel: TLS slots are GDT entries 12..14
# (selector 0x63 for the first), user code 0x23, user data 0x2b.
GDT_ENTRY_TLS_MIN, GDT_ENTRY_TLS_ENTRIES = 12, 3
GDT_ENTRIES = 16
GDT_SIZE = GDT_ENTRIES * 8
GDT_POOL = PRIVATE_PAGE - PAGE      # one page of per-thread GDTs above TASK_SIZE
USER_CS, USER_DS = 0x23, 0x2B
# Unicorn runs the guest at CPL 0, and SS must match the CPL: a private ring-0 stack
# segment (32-bit, flat) keeps pushes 32-bit once any segment register is reloaded.
STACK_SEL = (GDT_ENTRIES - 1) << 3

CR0_MP, CR0_EM, CR0_TS = 1 << 1, 1 << 2, 1 << 3
CR4_OSFXSR, CR4_OSXMMEXCPT = 1 << 9, 1 << 10
FPCW_LINUX, MXCSR_LINUX = 0x037F, 0x1F80   # what a new process gets (64-bit x87 precision)

USER_DESC = struct.Struct("<IIII")   # entry_number, base_addr, limit, flag bits


@dataclass(frozen=True)
class UserDesc:
    entry_number: int
    base_addr: int
    limit: int
    flags: int

    seg_32bit = property(lambda s: s.flags & 1)
    contents = property(lambda s: (s.flags >> 1) & 3)
    read_exec_only = property(lambda s: (s.flags >> 3) & 1)
    limit_in_pages = property(lambda s: (s.flags >> 4) & 1)
    seg_not_present = property(lambda s: (s.flags >> 5) & 1)
    useable = property(lambda s: (s.flags >> 6) & 1)

    @classmethod
    def unpack(cls, data: bytes) -> "UserDesc":
        return cls(*USER_DESC.unpack(data))

    def pack(self) -> bytes:
        return USER_DESC.pack(self.entry_number, self.base_addr, self.limit, self.flags)

    def is_empty(self) -> bool:
        """The kernel's LDT_empty(): clears the slot."""
        return (self.base_addr == 0 and self.limit == 0 and self.contents == 0
                and self.read_exec_only == 1 and self.seg_32bit == 0
                and self.limit_in_pages == 0 and self.seg_not_present == 1
                and self.useable == 0) or (self.base_addr == 0 and self.limit == 0 and self.flags == 0)

    def descriptor(self) -> int:
        """The 8-byte GDT descriptor the kernel's fill_ldt() builds (DPL 3)."""
        if self.is_empty():
            return 0
        b, lim = self.base_addr, self.limit
        low = ((b & 0xFFFF) << 16) | (lim & 0xFFFF)
        typ = 1 | ((self.read_exec_only ^ 1) << 1) | (self.contents << 2)
        high = (((b >> 16) & 0xFF) | (typ << 8) | (1 << 12) | (3 << 13)
                | ((self.seg_not_present ^ 1) << 15) | (lim & 0xF0000)
                | (self.useable << 20) | (self.seg_32bit << 22)
                | (self.limit_in_pages << 23) | (b & 0xFF000000))
        return low | (high << 32)

    @classmethod
    def from_descriptor(cls, entry: int, d: int) -> "UserDesc":
        """get_thread_area's view of a descriptor (the kernel's fill_user_desc)."""
        low, high = d & 0xFFFFFFFF, d >> 32
        base = (low >> 16) | ((high & 0xFF) << 16) | (high & 0xFF000000)
        limit = (low & 0xFFFF) | (high & 0xF0000)
        typ = (high >> 8) & 0xF
        flags = (((high >> 22) & 1) | (((typ >> 2) & 3) << 1) | ((((typ >> 1) & 1) ^ 1) << 3)
                 | (((high >> 23) & 1) << 4) | ((((high >> 15) & 1) ^ 1) << 5)
                 | (((high >> 20) & 1) << 6))
        return cls(entry, base, limit, flags)


def _flat(code: bool, dpl: int = 3) -> int:
    desc = UserDesc(0, 0, 0xFFFFF, 1 | (2 << 1 if code else 0) | (1 << 4) | (1 << 6)).descriptor()
    return desc & ~(3 << 45) | (dpl << 45)


class Gdt:
    """One guest thread's GDT (TLS entries are per thread, as in the kernel)."""

    def __init__(self, space, addr: int, copy_from: "Gdt | None" = None):
        self.space, self.addr = space, addr
        if copy_from is not None:
            space.write(addr, space.read(copy_from.addr, GDT_SIZE))
        else:
            space.write(addr, bytes(GDT_SIZE))
            self.write(USER_CS >> 3, _flat(code=True))
            self.write(USER_DS >> 3, _flat(code=False))
            self.write(STACK_SEL >> 3, _flat(code=False, dpl=0))

    def write(self, entry: int, desc: int) -> None:
        self.space.write(self.addr + 8 * entry, desc.to_bytes(8, "little"))

    def read(self, entry: int) -> int:
        return int.from_bytes(self.space.read(self.addr + 8 * entry, 8), "little")


class GdtPool:
    """Hands out GDT slots: the page above TASK_SIZE first, then pages from the guest
    range marked as fexlite's."""

    def __init__(self, space):
        self.space = space
        space.map_anon(GDT_POOL, PAGE, 3, "[fexlite gdt]")
        self.free = [GDT_POOL + i * GDT_SIZE for i in range(PAGE // GDT_SIZE)]
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            if not self.free:
                page = self.space.find_free(PAGE)
                if page is None or self.space.map_anon(page, PAGE, 3, "[fexlite gdt]") < 0:
                    raise MemoryError("no room for another thread's GDT")
                self.free = [page + i * GDT_SIZE for i in range(PAGE // GDT_SIZE)]
            return self.free.pop(0)

    def give_back(self, addr: int) -> None:
        with self.lock:
            self.free.append(addr)


def new_engine(space, gdt: Gdt) -> uc.Engine:
    """A fresh 32-bit x86 Unicorn sharing the guest memory, its GDT loaded, SSE on."""
    eng = uc.Engine(uc.ARCH_X86, uc.MODE_32)
    space.attach(eng)
    eng.reg_write_struct(X86.GDTR, "uc_x86_mmr", base=gdt.addr, limit=GDT_SIZE - 1)
    eng.reg_write(X86.SS, STACK_SEL)
    for seg in (X86.DS, X86.ES):
        eng.reg_write(seg, USER_DS)
    cr0 = eng.reg_read(X86.CR0)
    eng.reg_write(X86.CR0, (cr0 | CR0_MP) & ~(CR0_EM | CR0_TS))
    eng.reg_write(X86.CR4, eng.reg_read(X86.CR4) | CR4_OSFXSR | CR4_OSXMMEXCPT)
    eng.reg_write(X86.FPCW, FPCW_LINUX)
    eng.reg_write(X86.MXCSR, MXCSR_LINUX)
    return eng
