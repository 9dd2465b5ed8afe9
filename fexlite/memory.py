"""The guest address space: low 4 GiB of this process, identity-mapped into Unicorn.

At start-up the whole guest range is reserved with one PROT_NONE mapping, so the
host can never place its own memory there and a guest MAP_FIXED can never land on
emulator memory. Guest mappings replace parts of the reservation with MAP_FIXED;
unmapping puts the reservation back. Guest pointer == host pointer, so real
syscalls take guest pointers as they are; one map of regions keeps host
protections, Unicorn's mappings and the guest's view in step.
"""
import bisect
import threading
from dataclasses import dataclass

from . import host
from .host import ffi, PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE

PAGE = 4096
GUEST_LOW = 0x10000             # vm.mmap_min_addr
TASK_SIZE = 0xFFFFE000          # what an ia32 task gets on an x86-64 kernel
PRIVATE_PAGE = 0xFFFFF000       # emulator page (GDT, trampolines): never guest-mappable
STACK_TOP = TASK_SIZE
STACK_SIZE = 8 << 20
MMAP_BASE = TASK_SIZE - (128 << 20)   # the kernel's mmap_base with the minimum gap

_RESERVE_FLAGS = host.MAP_PRIVATE | host.MAP_ANONYMOUS | host.MAP_NORESERVE


class GuestFault(Exception):
    """A guest pointer that does not reach mapped memory: the call gets EFAULT."""


def page_down(x: int) -> int:
    return x & ~(PAGE - 1)


def page_up(x: int) -> int:
    return (x + PAGE - 1) & ~(PAGE - 1)


def host_prot(prot: int) -> int:
    """Unicorn reads guest code through the host mapping, so exec implies read;
    the host itself never executes guest pages."""
    return (prot & (PROT_READ | PROT_WRITE)) | (PROT_READ if prot & PROT_EXEC else 0)


@dataclass
class Region:
    start: int
    end: int
    prot: int
    name: str = ""


def locked(method):
    """Map changes and look-ups from several guest threads take the space's lock."""
    def run(self, *args, **kw):
        with self.lock:
            return method(self, *args, **kw)
    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


class AddressSpace:
    def __init__(self):
        self.regions: list[Region] = []   # sorted, non-overlapping
        self.engines = []                 # every Unicorn instance sharing this memory
        self.brk_start = self.brk = 0
        self._scratch: dict[tuple, tuple[int, int]] = {}  # (thread, purpose) -> (start, size)
        self.lock = threading.RLock()     # map changes from several guest threads
        self._reserve(GUEST_LOW, 0x100000000 - GUEST_LOW)

    # --- host reservation -------------------------------------------------------
    @staticmethod
    def _reserve(start: int, length: int) -> None:
        got = host.mmap(start, length, PROT_NONE, _RESERVE_FLAGS | host.MAP_FIXED_NOREPLACE)
        if got != start:
            raise MemoryError(f"cannot reserve guest memory at {start:#x}: "
                              f"{'host memory is already there' if got >= 0 else got}")

    @staticmethod
    def _unreserve_fixed(start: int, length: int) -> None:
        host.mmap(start, length, PROT_NONE, _RESERVE_FLAGS | host.MAP_FIXED)

    @locked
    def attach(self, engine) -> None:
        """Give another Unicorn instance (a new thread) the same mappings."""
        for r in self.regions:
            engine.map_ptr(r.start, r.end - r.start, r.prot)
        self.engines.append(engine)

    @locked
    def detach(self, engine) -> None:
        if engine in self.engines:
            self.engines.remove(engine)

    def _each_engine(self, op) -> None:
        """Apply a Unicorn change now to the engines this host thread runs; queue it for
        the others, which may be executing guest code (Unicorn is not thread-safe) and
        apply it at their next syscall or fault (sync)."""
        me = threading.get_ident()
        for e in self.engines:
            if e.owner == me:
                op(e)
            else:
                e.backlog.append(op)

    @staticmethod
    def sync(engine) -> bool:
        """Apply what other threads changed; True if there was anything."""
        if not engine.backlog:
            return False
        while engine.backlog:
            engine.backlog.pop(0)(engine)
        return True

    # --- region map ---------------------------------------------------------------
    def _carve(self, start: int, end: int) -> list[Region]:
        """Remove [start, end) from the map, splitting regions; returns what was there."""
        out, keep = [], []
        for r in self.regions:
            if r.end <= start or r.start >= end:
                keep.append(r)
                continue
            if r.start < start:
                keep.append(Region(r.start, start, r.prot, r.name))
            if r.end > end:
                keep.append(Region(end, r.end, r.prot, r.name))
            out.append(Region(max(r.start, start), min(r.end, end), r.prot, r.name))
        keep.sort(key=lambda r: r.start)
        self.regions = keep
        return out

    def _insert(self, region: Region) -> None:
        """Add a region, merged with neighbours of the same protection and origin (as the
        kernel merges VMAs), so a later mremap sees one mapping."""
        i = bisect.bisect_left(self.regions, region.start, key=lambda r: r.start)
        self.regions.insert(i, region)
        for j in (i, i - 1):
            if 0 <= j < len(self.regions) - 1:
                a, b = self.regions[j], self.regions[j + 1]
                if a.end == b.start and a.prot == b.prot and a.name == b.name:
                    self.regions[j:j + 2] = [Region(a.start, b.end, a.prot, a.name)]

    def find(self, addr: int) -> Region | None:
        i = bisect.bisect_right(self.regions, addr, key=lambda r: r.start) - 1
        if i >= 0 and self.regions[i].end > addr:
            return self.regions[i]
        return None

    @locked
    def is_free(self, start: int, end: int) -> bool:
        if start < GUEST_LOW or end > TASK_SIZE or start >= end:
            return False
        return not any(r.start < end and r.end > start for r in self.regions)

    @locked
    def find_free(self, length: int, below: int = MMAP_BASE) -> int | None:
        """Top-down search, as the kernel's default allocator does."""
        top = below
        for r in reversed(self.regions):
            if r.start >= top:
                continue
            if r.end <= top and top - r.end >= length:
                return top - length
            top = r.start
        if top - GUEST_LOW >= length:
            return top - length
        return self.find_free(length, TASK_SIZE) if below != TASK_SIZE else None

    # --- operations (all page-aligned) ------------------------------------------------
    def _drop_code(self, start: int, end: int) -> None:
        self._each_engine(lambda e: e.remove_cache(start, end))

    def _uc_unmap(self, old: list[Region]) -> None:
        for r in old:
            self._each_engine(lambda e, a=r.start, n=r.end - r.start: e.unmap(a, n))
        if any(r.prot & PROT_EXEC for r in old):
            self._drop_code(min(r.start for r in old), max(r.end for r in old))

    @locked
    def map(self, start: int, length: int, prot: int, flags: int, fd: int = -1,
            offset: int = 0, name: str = "") -> int:
        """Map [start, start+length) replacing what is there; returns start or -errno."""
        end = start + length
        got = host.mmap(start, length, host_prot(prot), flags | host.MAP_FIXED, fd, offset)
        if got < 0:
            return got
        self._uc_unmap(self._carve(start, end))
        self._insert(Region(start, end, prot, name))
        self._each_engine(lambda e: e.map_ptr(start, length, prot))
        return start

    def map_anon(self, start: int, length: int, prot: int, name: str = "") -> int:
        return self.map(start, length, prot, host.MAP_PRIVATE | host.MAP_ANONYMOUS, name=name)

    @locked
    def unmap(self, start: int, length: int) -> None:
        old = self._carve(start, start + length)
        if old:
            self._uc_unmap(old)
            self._unreserve_fixed(start, length)

    @locked
    def remap(self, old: int, old_len: int, new_len: int, new: int) -> int:
        """Move or grow the mapping at [old, old+old_len) to [new, new+new_len), keeping
        its pages (the host's mremap); the caller has checked the target is free."""
        src = self.find(old)
        if src is None or src.end < old + old_len:
            return -14  # EFAULT, as the kernel says for an unmapped source
        in_place = new == old
        target = (old + old_len, old + new_len) if in_place else (new, new + new_len)
        host.munmap(target[0], target[1] - target[0])        # make room in the reservation
        flags = 0 if in_place else 3                          # MREMAP_MAYMOVE | MREMAP_FIXED
        got = host.mremap(old, old_len, new_len, flags, new)
        if got < 0:
            self._unreserve_fixed(target[0], target[1] - target[0])
            return got
        if in_place:
            self._insert(Region(target[0], target[1], src.prot, src.name))
            self._each_engine(lambda e: e.map_ptr(target[0], target[1] - target[0], src.prot))
            return old
        self._uc_unmap(self._carve(old, old + old_len))
        self._unreserve_fixed(old, old_len)
        self._insert(Region(new, new + new_len, src.prot, src.name))
        self._each_engine(lambda e: e.map_ptr(new, new_len, src.prot))
        return new

    @locked
    def protect(self, start: int, length: int, prot: int) -> int:
        end = start + length
        old = self._carve(start, end)
        covered = sum(r.end - r.start for r in old)
        for r in old:
            self._insert(r)
        if covered != length:
            return -12  # ENOMEM: part of the range is not mapped
        rc = host.mprotect(start, length, host_prot(prot))
        if rc < 0:
            return rc
        for r in self._carve(start, end):
            self._insert(Region(r.start, r.end, prot, r.name))
        self._each_engine(lambda e: e.protect(start, length, prot))
        if any(r.prot & PROT_EXEC for r in old) or prot & PROT_EXEC:
            self._drop_code(start, end)
        return 0

    @locked
    def wrote(self, start: int, length: int) -> None:
        """The host wrote guest memory (a syscall result): drop stale translated code."""
        end = start + length
        for r in self.regions:
            if r.start < end and r.end > start and r.prot & PROT_EXEC:
                self._drop_code(max(r.start, start), min(r.end, end))

    @locked
    def scratch(self, size: int, purpose: str = "") -> int:
        """Low (32-bit addressable) emulator memory, one buffer per host thread and
        purpose (a blocking call in one guest thread must not see another's, and a path
        rewritten for a call must survive the call's own scratch use), reused call after
        call and grown when a call needs more. Not for the guest's use."""
        size = page_up(max(size, 1 << 16))
        key = (threading.get_ident(), purpose)
        start, have = self._scratch.get(key, (0, 0))
        if have < size:
            if have:
                self.unmap(start, have)
            start = self.find_free(size)
            if start is None or self.map_anon(start, size, PROT_READ | PROT_WRITE,
                                              "[fexlite scratch]") < 0:
                raise MemoryError("no room for scratch memory")
            self._scratch[key] = (start, size)
        return start

    # --- checked access from the host -------------------------------------------------
    def check(self, addr: int, length: int, need: int = PROT_READ) -> None:
        end = addr + length
        while addr < end:
            r = self.find(addr)
            if r is None or (r.prot & need) != need:
                raise GuestFault(addr)
            addr = r.end

    def read(self, addr: int, length: int) -> bytes:
        if length <= 0:
            return b""
        self.check(addr, length)
        return ffi.buffer(ffi.cast("char *", addr), length)[:]

    def write(self, addr: int, data: bytes) -> None:
        if not data:
            return
        self.check(addr, len(data), PROT_WRITE)
        ffi.memmove(ffi.cast("char *", addr), data, len(data))
        self.wrote(addr, len(data))

    def read_u32(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little")

    def read_cstr(self, addr: int, limit: int = 4096) -> bytes:
        """A NUL-terminated string; GuestFault if it runs into unmapped memory."""
        out = b""
        while len(out) < limit:
            r = self.find(addr)
            if r is None or not r.prot & PROT_READ:
                raise GuestFault(addr)
            chunk = ffi.buffer(ffi.cast("char *", addr), min(r.end - addr, limit - len(out)))[:]
            nul = chunk.find(b"\0")
            if nul >= 0:
                return out + chunk[:nul]
            out += chunk
            addr = r.end
        return out
