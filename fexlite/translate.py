"""One translation engine for every route: a 32-bit call on one ABI -> the same call on another.

A Translator is parameterised by (source ABI, target ABI) and driven by data:
  abi.disposition_map("i386", target)   target name and number of each call
  abi.signature(name)                   argument kinds (i386 order; the canonical form)
  LAYOUTS below                         where a target orders or widens arguments differently
  fexlite.layout / fexlite.convert      struct layouts and field-by-field conversion
  structs/constants.toml                flag and command values per ABI
Calls are named by their i386 name (the canonical name) on both sides, so the compat
route (i386 -> arm32) and the emulated arm32 kernel (arm32 -> x86_64) are the same code
with different ABI pairs.  What no table expresses is a named handler in HANDLERS, keyed
by (scope, name), scope being the target ABI, "native" (any 64-bit target) or "*".

An argument list is decoded from the source registers into named values (a 64-bit
register pair becomes one value), struct arguments are converted into scratch memory
(an Arena), and the values are encoded for the target: EABI pads a pair to an even
register, a 64-bit ABI takes it in one register and sign-extends signed 32-bit kinds.
"""
from __future__ import annotations

import errno as E
import struct as _st
import threading
import weakref
from dataclasses import dataclass, replace

from . import abi, convert as C, layout as L
from .host import ffi

M32, M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF
SIGNED_KINDS = frozenset({"int", "fd", "dirfd", "pid", "off", "whence", "signal", "clockid"})
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR = 0x100, 0x200
IPC_64 = 0x100
MAX_ARRAY = 1 << 16          # elements converted for one array argument (UIO_MAXIOV is 1024)

# Passed as they are, never converted: bitmaps whose bytes are the same everywhere
# although their declared element type (unsigned long) differs in width, and
# linux_dirent64 records (variable length; the fixed part has the same offsets
# everywhere, sizeof differs only by tail padding).
RAW_STRUCTS = frozenset({"__kernel_fd_set", "sigset_t", "old_sigset_t", "linux_dirent64"})

# pos_l/pos_h of preadv & co. are two longs, not a 64-bit register pair: (lo, hi) on a
# 32-bit ABI, (value, 0) on a 64-bit one; never padded (abi/special.tsv says so for arm32).
LONG_PAIR_CALLS = frozenset({"preadv", "pwritev", "preadv2", "pwritev2"})

# struct_out arrays whose element count is another argument and whose filled count is
# the result: call -> (array argument, count argument)
ARRAYS_OUT = {
    "epoll_wait": ("events", "maxevents"),
    "epoll_pwait": ("events", "maxevents"),
    "epoll_pwait2": ("events", "maxevents"),
    "io_getevents": ("events", "nr"),
    "io_pgetevents": ("events", "nr"),
    "io_pgetevents_time64": ("events", "nr"),
}

# Struct arguments that are fixed-size arrays: (call, argument) -> element count.
FIXED_COUNTS = {
    ("utimensat", "times"): 2, ("utimes", "times"): 2, ("futimesat", "times"): 2,
}

# Calls whose out structs are written on failure too (the remaining time of a sleep).
OUT_ON_ERROR = frozenset({"nanosleep", "clock_nanosleep", "clock_nanosleep_time64"})


# ------------------------------------------------------------------ argument layouts
@dataclass(frozen=True)
class Slot:
    """One argument in canonical form (i386 signature, 64-bit pairs merged)."""
    name: str
    kind: str
    detail: str | None = None
    wide: bool = False      # a 64-bit value: a register pair on 32-bit ABIs
    lohi: bool = False      # two longs (lo, hi): LONG_PAIR_CALLS


def _base(name: str) -> str:
    for suffix in ("_lo", "_l"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_CANON: dict[str, tuple[Slot, ...] | None] = {}


def canonical(name: str) -> tuple[Slot, ...] | None:
    """The call's arguments from abi/signatures.tsv, each off64_lo/off64_hi pair merged."""
    if name in _CANON:
        return _CANON[name]
    sig = abi.signature(name)
    out = None
    if sig is not None:
        out, args, i = [], sig.args, 0
        while i < len(args):
            a = args[i]
            if a.kind == "off64_lo" and i + 1 < len(args) and args[i + 1].kind == "off64_hi":
                pair = name in LONG_PAIR_CALLS
                out.append(Slot(_base(a.name), "off64", None, wide=not pair, lohi=pair))
                i += 2
                continue
            out.append(Slot(a.name, a.kind, a.detail))
            i += 1
        out = tuple(out)
    _CANON[name] = out
    return out


# Where an ABI takes a call's arguments differently from the canonical (i386) order.
# Items: an argument name ("name:64" widens it to a 64-bit value) or an int constant.
# The same entry decodes (emulated arm32 kernel) and encodes (compat route).
LAYOUTS: dict[tuple[str, str], tuple] = {
    # EABI: arm_fadvise64_64(fd, advice, off, len); sync_file_range2(fd, flags, off, nbytes)
    ("arm32", "fadvise64"): ("fd", "advice", "offset:64", "len:64"),
    ("arm32", "fadvise64_64"): ("fd", "advice", "offset:64", "len:64"),
    ("arm32", "sync_file_range"): ("fd", "flags", "offset:64", "nbytes:64"),
    # 64-bit statfs has no size argument
    ("native", "statfs64"): ("path", "buf"),
    ("native", "fstatfs64"): ("fd", "buf"),
    # aarch64's asm-generic table: the *at forms only
    ("aarch64", "open"): (AT_FDCWD, "pathname", "flags", "mode"),
    ("aarch64", "creat"): (AT_FDCWD, "pathname", 0o1101, "mode"),
    ("aarch64", "access"): (AT_FDCWD, "pathname", "mode"),
    ("aarch64", "chmod"): (AT_FDCWD, "pathname", "mode"),
    ("aarch64", "chown32"): (AT_FDCWD, "pathname", "owner", "group", 0),
    ("aarch64", "lchown32"): (AT_FDCWD, "pathname", "owner", "group", AT_SYMLINK_NOFOLLOW),
    ("aarch64", "link"): (AT_FDCWD, "oldpath", AT_FDCWD, "newpath", 0),
    ("aarch64", "unlink"): (AT_FDCWD, "pathname", 0),
    ("aarch64", "rmdir"): (AT_FDCWD, "pathname", AT_REMOVEDIR),
    ("aarch64", "mkdir"): (AT_FDCWD, "pathname", "mode"),
    ("aarch64", "mknod"): (AT_FDCWD, "pathname", "mode", "dev"),
    ("aarch64", "rename"): (AT_FDCWD, "oldpath", AT_FDCWD, "newpath"),
    ("aarch64", "symlink"): ("target", AT_FDCWD, "linkpath"),
    ("aarch64", "readlink"): (AT_FDCWD, "pathname", "buf", "bufsiz"),
    ("aarch64", "stat64"): (AT_FDCWD, "pathname", "statbuf", 0),
    ("aarch64", "lstat64"): (AT_FDCWD, "pathname", "statbuf", AT_SYMLINK_NOFOLLOW),
    ("aarch64", "dup2"): ("oldfd", "newfd", 0),
    ("aarch64", "pipe"): ("pipefd", 0),
    ("aarch64", "eventfd"): ("initval", 0),
    ("aarch64", "signalfd"): ("fd", "mask", "sizemask", 0),
    ("aarch64", "inotify_init"): (0,),
    ("aarch64", "getpgrp"): (0,),
    ("aarch64", "pause"): (0, 0, 0, 0, 0),
}


def _scopes(abi_name: str) -> tuple[str, ...]:
    return (abi_name, "native", "*") if abi.ABI_INFO[abi_name].word == 8 else (abi_name, "*")


def layout_items(abi_name: str, name: str) -> tuple | None:
    """The argument items of NAME as ABI takes them: Slots (by name) and int constants."""
    slots = canonical(name)
    if slots is None:
        return None
    for scope in _scopes(abi_name)[:-1]:
        spec = LAYOUTS.get((scope, name))
        if spec is not None:
            by_name = {s.name: s for s in slots}
            out = []
            for item in spec:
                if isinstance(item, int):
                    out.append(item)
                    continue
                nm, _, width = item.partition(":")
                s = by_name[nm]
                out.append(replace(s, wide=True, lohi=False) if width == "64" else s)
            return tuple(out)
    return slots


def _extend(kind: str, word: int):
    """How a 32-bit register value becomes a target register of WORD bytes."""
    if word == 4:
        return None
    if kind in SIGNED_KINDS:
        return lambda v: v - 0x100000000 if v & 0x80000000 else v
    return None


def decode(info: abi.AbiInfo, items, regs) -> dict:
    """Named values from the registers of a 32-bit ABI."""
    vals, i = {}, 0
    for it in items:
        if type(it) is int:
            i += 1
            continue
        if it.wide:
            if info.pair_align == 2 and i & 1:
                i += 1
            vals[it.name] = (regs[i] & M32) | (regs[i + 1] & M32) << 32
            i += 2
        elif it.lohi:
            vals[it.name] = (regs[i] & M32) | (regs[i + 1] & M32) << 32
            i += 2
        else:
            vals[it.name] = regs[i] & M32
            i += 1
    return vals


def encode(info: abi.AbiInfo, items, vals: dict) -> list:
    """Target registers from named values (32-bit values as the source gave them)."""
    regs = []
    for it in items:
        if type(it) is int:
            regs.append(it if info.word == 8 else it & M32)
            continue
        v = vals[it.name]
        if it.wide:
            if info.word == 8:
                regs.append(v & M64)
            else:
                if info.pair_align == 2 and len(regs) & 1:
                    regs.append(0)
                regs += [v & M32, (v >> 32) & M32]
        elif it.lohi:
            regs += [v & M64, 0] if info.word == 8 else [v & M32, (v >> 32) & M32]
        elif info.word == 8 and it.kind in SIGNED_KINDS and v & 0x80000000 and v <= M32:
            regs.append(v - 0x100000000)
        else:
            regs.append(v)
    return regs


# ------------------------------------------------------------------ memory
def raw_read(addr: int, n: int) -> bytes:
    return ffi.buffer(ffi.cast("char *", addr), n)[:] if n > 0 else b""


def raw_write(addr: int, data: bytes) -> None:
    if data:
        ffi.memmove(ffi.cast("char *", addr), data, len(data))


class Arena:
    """Per-call bump allocator for converted structs.  grow(size) -> address of a fresh
    region of at least size bytes; regions are kept (a call never sees its earlier
    allocations move), and reused from the largest one at the next reset()."""

    MIN = 1 << 18

    def __init__(self, grow):
        self._grow = grow
        self.base = self.size = self.used = 0

    def reset(self) -> None:
        self.used = 0

    def alloc(self, n: int, align: int = 16) -> int:
        off = (self.used + align - 1) & ~(align - 1)
        if off + n > self.size:
            size = max(self.MIN, 2 * (n + align), 2 * self.size)
            self.base, self.size, off = self._grow(size), size, 0
        self.used = off + n
        return self.base + off


SCRATCH_NAME = "[fexlite scratch]"


class ThreadArenas:
    """One Arena per host thread, behind the Arena interface: guest threads issue calls
    at the same time (one blocked in epoll_wait with its events in scratch while another
    converts a stat), so no two of them may share scratch memory.  make_grow() gives
    each thread's Arena its grow function; if that function has a `release` attribute,
    it is called when the Arena goes away (its thread ended)."""

    def __init__(self, make_grow):
        self._make_grow = make_grow
        self._local = threading.local()

    def _arena(self) -> Arena:
        a = getattr(self._local, "arena", None)
        if a is None:
            grow = self._make_grow()
            a = self._local.arena = Arena(grow)
            release = getattr(grow, "release", None)
            if release is not None:
                weakref.finalize(a, release)
        return a

    def reset(self) -> None:
        self._arena().reset()

    def alloc(self, n: int, align: int = 16) -> int:
        return self._arena().alloc(n, align)


def guest_arena(space) -> ThreadArenas:
    """Scratch below 4 GiB inside the guest address space (a gateway can take it)."""
    def make_grow():
        regions = []          # (start, size) mapped for one thread's Arena

        def grow(size):
            size = (size + 0xFFF) & ~0xFFF
            with space.lock:
                start = space.find_free(size)
                if start is None or space.map_anon(start, size, 3, SCRATCH_NAME) < 0:
                    raise MemoryError("no room for translation scratch memory")
            regions.append((start, size))
            return start

        def release():
            with space.lock:
                for start, size in regions:
                    r = space.find(start)
                    if r is not None and r.name == SCRATCH_NAME and r.end >= start + size:
                        space.unmap(start, size)     # still ours, not remapped by the guest
        grow.release = release
        return grow
    return ThreadArenas(make_grow)


def host_arena() -> ThreadArenas:
    """Scratch anywhere in the host process (64-bit syscalls take any pointer)."""
    def make_grow():
        keep = []

        def grow(size):
            buf = ffi.new("char[]", size + 16)
            keep.append(buf)
            return (int(ffi.cast("uintptr_t", buf)) + 15) & ~15
        return grow
    return ThreadArenas(make_grow)


class Stats:
    __slots__ = ("calls", "fixups", "bytes")

    def __init__(self):
        self.calls = self.fixups = self.bytes = 0


# ------------------------------------------------------------------ directory offsets
class _DirMap:
    """Cookies of one open directory (shared by the fds dup'ed from one another)."""
    __slots__ = ("cookie", "offset", "next")

    def __init__(self):
        self.cookie: dict[int, int] = {}     # 64-bit offset -> cookie
        self.offset: dict[int, int] = {}     # cookie -> 64-bit offset
        self.next = DirCookies.BASE


class DirCookies:
    """Directory offsets as a 32-bit task sees them, per fd of one process.

    A compat kernel gives a 32-bit task 32-bit directory offsets (ext4 returns its
    31-bit major hash instead of the 64-bit hash pair; glibc's 32-bit readdir fails
    with EOVERFLOW on anything wider).  A 64-bit target returns 64-bit ones, so each
    offset at or above BASE (every value a 64-bit kernel may add) becomes a cookie in
    [BASE, LIMIT) for the fd it was read from, and a cookie passed back to lseek or
    _llseek (SEEK_SET) becomes the offset again.  Offsets below BASE pass unchanged,
    so cookies and real small offsets never collide and small directories (tmpfs,
    linear ext4 directories) see exactly what the kernel returned."""

    BASE = 0x40000000
    LIMIT = 0x7FFFFFFF

    def __init__(self):
        self.fds: dict[int, _DirMap] = {}
        self._lock = threading.Lock()

    def to_guest(self, fd: int, off: int) -> int | None:
        """The 32-bit offset the guest sees for the 64-bit OFF of directory FD (None
        when the cookies of FD are exhausted: the caller fails with EOVERFLOW)."""
        if 0 <= off < self.BASE:
            return off
        m = self.fds.get(fd)
        if m is not None:
            c = m.cookie.get(off)
            if c is not None:
                return c
        with self._lock:
            m = self.fds.get(fd)
            if m is None:
                m = self.fds[fd] = _DirMap()
            c = m.cookie.get(off)
            if c is None:
                if m.next >= self.LIMIT:
                    return None
                c = m.next
                m.next += 1
                m.cookie[off], m.offset[c] = c, off
            return c

    def to_host(self, fd: int, pos: int) -> int:
        """The 64-bit offset behind POS (a cookie of FD), else POS itself."""
        if pos < self.BASE:
            return pos
        m = self.fds.get(fd)
        return pos if m is None else m.offset.get(pos, pos)

    def tracked(self, fd: int) -> bool:
        return fd in self.fds

    def drop(self, fd: int) -> None:
        """FD was closed (or replaced by dup2/dup3)."""
        self.fds.pop(fd, None)

    def drop_range(self, first: int, last: int) -> None:
        for fd in [f for f in self.fds if first <= f <= last]:
            self.fds.pop(fd, None)

    def dup(self, old: int, new: int) -> None:
        """NEW now refers to OLD's open file: the same offsets, the same cookies."""
        m = self.fds.get(old)
        if m is None:
            self.fds.pop(new, None)
        else:
            self.fds[new] = m


# ------------------------------------------------------------------ struct converters
class StructConv:
    """Field-by-field conversion of struct S (or an array of it) between two ABIs."""

    def __init__(self, name: str, src: str, dst: str):
        self.name, self.src, self.dst = name, src, dst
        self.ssize, self.dsize = L.layout(src, name).size, L.layout(dst, name).size
        self.fixup_in = _FIXUPS.get((name, dst))
        self.fixup_out = _FIXUPS.get((name, src))
        wide_to_narrow = abi.ABI_INFO[dst].word == 8 and abi.ABI_INFO[src].word == 4
        self.narrow = _NARROW.get(name) if wide_to_narrow else None

    def to_dst(self, data: bytes, n: int = 1) -> bytes:
        s = self.ssize
        out = b"".join(C.convert(self.name, self.src, self.dst, data[i * s:(i + 1) * s])
                       for i in range(n))
        return self.fixup_in(out, self.dst) if self.fixup_in else out

    def to_src(self, data: bytes, n: int = 1) -> bytes:
        d = self.dsize
        if self.narrow is not None:
            data = b"".join(self.narrow(data[i * d:(i + 1) * d], self.dst) for i in range(n))
        out = b"".join(C.convert(self.name, self.dst, self.src, data[i * d:(i + 1) * d])
                       for i in range(n))
        return self.fixup_out(out, self.src) if self.fixup_out else out


def _fix_stat64(data: bytes, abi_name: str) -> bytes:
    """32-bit stat64 carries the inode twice: __st_ino is its low 32 bits."""
    lay = {f.name: f for f in L.layout(abi_name, "stat64").leaves()}
    if "__st_ino" not in lay:
        return data
    buf = bytearray(data)
    lo, full = lay["__st_ino"], lay["st_ino"]
    for base in range(0, len(buf), L.layout(abi_name, "stat64").size):
        ino = int.from_bytes(buf[base + full.offset:base + full.offset + 8], "little")
        buf[base + lo.offset:base + lo.offset + 4] = (ino & M32).to_bytes(4, "little")
    return bytes(buf)


_FIXUPS = {("stat64", "i386"): _fix_stat64, ("stat64", "arm32"): _fix_stat64}

SYSINFO_SIZES = ("totalram", "freeram", "sharedram", "bufferram", "totalswap", "freeswap",
                 "totalhigh", "freehigh")


def _scale_sysinfo(data: bytes, abi_name: str) -> bytes:
    """The kernel's compat sysinfo: when a size does not fit in 32 bits, raise mem_unit
    towards the page size and shift every size down by as much (instead of truncating)."""
    vals = L.unpack(abi_name, "sysinfo", data)
    if not any(vals[f] >> 32 for f in SYSINFO_SIZES):
        return data
    shift, unit = 0, vals["mem_unit"] or 1
    while unit < 4096:
        unit <<= 1
        shift += 1
    vals.update({f: vals[f] >> shift for f in SYSINFO_SIZES}, mem_unit=unit)
    return L.pack(abi_name, "sysinfo", vals)


# Fix-ups applied to a 64-bit ABI's struct before it is narrowed to a 32-bit one.
_NARROW = {"sysinfo": _scale_sysinfo}


def struct_needs_conversion(name: str, src: str, dst: str) -> bool:
    if name in RAW_STRUCTS:
        return False
    return abi.struct_difference(name, src, dst) is not None


# ------------------------------------------------------------------ flags and commands
def flag_mover(src: str, dst: str, prefix: str = "O_"):
    """A fast function moving every single-bit PREFIX flag from SRC's bit to DST's; a flag
    DST lacks is dropped.  None when nothing moves."""
    sbits, dbits = C._flag_bits(src, prefix), C._flag_bits(dst, prefix)
    moves = [(b, dbits.get(n, 0)) for n, b in sbits.items() if dbits.get(n) != b]
    if not moves:
        return None
    clear = 0
    for sbit, _ in moves:
        clear |= sbit

    def move(v: int) -> int:
        out = v & ~clear
        for sbit, dbit in moves:
            if v & sbit:
                out |= dbit
        return out
    return move


def _family_consts(family: str) -> list[str]:
    pats = abi._flag_families().get(family, ())
    return [n for n in L.constant_names() if abi._matches(n, pats)]


def enum_mapper(family: str, src: str, dst: str):
    """value -> value for a family of enumerated constants (ioctl requests): a value
    equal to a SRC constant that DST spells differently is replaced; None if none differ."""
    table = {}
    for n in _family_consts(family):
        vals = L._constants()[n]
        a, b = vals.get(src), vals.get(dst)
        if a is not None and b is not None and a != b:
            table[a] = b
    if not table:
        return None
    return lambda v: table.get(v, v)


def const_value(abi_name: str, name: str) -> int | None:
    return L._constants().get(name, {}).get(abi_name)


# ------------------------------------------------------------------ plans
class Plan:
    """A built call: call(a1..a6) -> result; note says what the translation does."""
    __slots__ = ("call", "note", "target", "nr")

    def __init__(self, call, note: str, target: str = "", nr: int = -1):
        self.call, self.note, self.target, self.nr = call, note, target, nr


def _enosys_plan(note):
    return Plan(lambda *a: -E.ENOSYS, note)


class Translator:
    """(source ABI, target ABI): builds one Plan per canonical call name.

    mem:    checked access to the source's memory (read(addr, n), write(addr, data));
            a bad pointer raises, and the caller turns that into -EFAULT.
    arena:  scratch for converted structs, reachable by the target.
    issue:  (target nr, registers) -> result (negative errno on error).
    """

    def __init__(self, src: str, dst: str, mem, arena: Arena, issue):
        self.src, self.dst = src, dst
        self.si, self.di = abi.ABI_INFO[src], abi.ABI_INFO[dst]
        self.mem, self.arena, self.issue = mem, arena, issue
        self.disp = {d.name: d for d in abi.disposition_map("i386", dst)}
        self.dst_numbers = abi.numbers(dst)
        self.stats = Stats()
        self.dirs = DirCookies()     # directory offsets shown to the source (64-bit targets)
        self._plans: dict[str, Plan] = {}
        self._conv: dict[str, StructConv] = {}

    # --- helpers handlers use
    def conv(self, struct: str) -> StructConv:
        c = self._conv.get(struct)
        if c is None:
            c = self._conv[struct] = StructConv(struct, self.src, self.dst)
        return c

    def target_nr(self, name: str) -> int:
        return self.dst_numbers[name]

    def items(self, side: str, name: str):
        return layout_items(self.src if side == "src" else self.dst, name)

    def plan(self, name: str) -> Plan:
        p = self._plans.get(name)
        if p is None:
            p = self._plans[name] = self._build(name)
        return p

    # --- building
    def _build(self, name: str) -> Plan:
        d = self.disp.get(name)
        if d is None:
            return _enosys_plan(f"no {name} in the i386 table")
        for scope in _scopes(self.dst):
            h = HANDLERS.get((scope, name))
            if h is not None:
                p = h(self, name, d)
                if p is not None:
                    return p
        if d.kind == "enosys" or not d.target_names:
            return _enosys_plan(d.reason or f"no {name} on {self.dst}")
        if d.kind in ("emulated", "demux") and d.target_names[0] != name:
            return _enosys_plan(f"{name} is emulated by the i386 personality ({d.reason})")
        return self._generic(name, d)

    def _generic(self, name: str, d) -> Plan:
        target, tnr = d.target_names[0], d.target_nrs[0]
        slots = canonical(name)
        if slots is None:
            return _enosys_plan(f"no signature for {name}")
        src_items, dst_items = layout_items(self.src, name), layout_items(self.dst, name)
        notes, structs, xforms = [], [], []
        sig_args = abi.signature(name).args
        for s in slots:
            if s.kind in ("struct_in", "struct_out", "struct_inout", "array_in") and s.detail:
                sname, _, cnt = s.detail.partition(",")
                if not struct_needs_conversion(sname, self.src, self.dst):
                    continue
                special = STRUCT_ARGS.get(sname)
                if special is None and sname not in L._catalogue():
                    return _enosys_plan(f"{name}: {sname} differs between {self.src} and "
                                        f"{self.dst} and has no converter")
                direction = "in" if s.kind == "array_in" else s.kind[len("struct_"):]
                count = sig_args[int(cnt)].name if cnt else None
                if name in ARRAYS_OUT and ARRAYS_OUT[name][0] == s.name:
                    count = ARRAYS_OUT[name][1]
                count = FIXED_COUNTS.get((name, s.name), count)
                if special is not None:
                    structs.append((s.name, direction, special(self), count))
                    notes.append(f"{sname} converted")
                else:
                    c = self.conv(sname)
                    structs.append((s.name, direction, c, count))
                    notes.append(f"{sname} {c.ssize}->{c.dsize} bytes" + (" each" if count else ""))
            elif s.kind == "flags" and s.detail:
                fn = None
                if s.detail == "open":
                    fn = flag_mover(self.src, self.dst)
                elif s.detail in ("ioctl_req",):
                    fn = enum_mapper(s.detail, self.src, self.dst)
                if fn is not None:
                    xforms.append((s.name, fn))
                    notes.append(f"{s.detail} constants remapped")
        if src_items != dst_items:
            notes.append("arguments re-laid")
        elif any(type(i) is not int and i.wide for i in dst_items):
            nsrc = len(encode(self.si, src_items, {s.name: 0 for s in slots}))
            ndst = len(encode(self.di, dst_items, {s.name: 0 for s in slots}))
            if ndst > nsrc:
                notes.append("pad slot before the 64-bit pair")
            elif ndst < nsrc:
                notes.append("64-bit pair in one register")
        head = f"{target} #{tnr}" if target != name else f"#{tnr}"
        note = ", ".join([head, *notes])
        array_out = ARRAYS_OUT.get(name)
        simple = not structs and not xforms
        si, di, issue, stats = self.si, self.di, self.issue, self.stats

        if simple and src_items == dst_items and di.word == 4 and all(
                type(i) is not int and not i.wide and not i.lohi for i in src_items):
            def call_same(*a):
                return issue(tnr, a)
            return Plan(call_same, note, target, tnr)

        mem, arena = self.mem, self.arena
        out_on_error = name in OUT_ON_ERROR

        def call(*a):
            vals = decode(si, src_items, a)
            for nm, fn in xforms:
                vals[nm] = fn(vals[nm])
            posts = []
            if structs:
                arena.reset()
                for nm, direction, c, count in structs:
                    p = vals[nm]
                    if not p:
                        continue
                    n = 1
                    if type(count) is int:
                        n = count
                    elif count is not None:
                        n = vals[count]
                        n = n - (1 << 32) if n & 0x80000000 else n
                        if n <= 0:
                            continue
                        n = min(n, MAX_ARRAY)
                    q, post = c_in(c, direction, p, n)
                    vals[nm] = q
                    if post is not None:
                        posts.append(post)
                stats.fixups += 1
            r = issue(tnr, encode(di, dst_items, vals))
            if posts and (r >= 0 or out_on_error):
                for post in posts:
                    post(r)
            return r

        def c_in(c, direction, p, n):
            if isinstance(c, StructConv):
                q = arena.alloc(c.dsize * n)
                if direction != "out":
                    raw_write(q, c.to_dst(mem.read(p, c.ssize * n), n))
                else:
                    raw_write(q, bytes(c.dsize * n))
                stats.bytes += c.ssize * n
                if direction == "in":
                    return q, None

                def post(r):
                    m = n
                    if array_out is not None:
                        m = max(0, min(r, n))
                    if m:
                        mem.write(p, c.to_src(raw_read(q, c.dsize * m), m))
                return q, post
            return c.convert_in(direction, p, n)

        return Plan(call, note, target, tnr)


# ------------------------------------------------------------------ named struct arguments
class MsghdrConv:
    """msghdr with its iovec array and control buffer (cmsghdr records re-aligned)."""

    def __init__(self, tr: Translator):
        self.tr = tr
        self.hdr = StructConv("msghdr", tr.src, tr.dst)
        self.iov = StructConv("iovec", tr.src, tr.dst)
        self.sw, self.dw = tr.si.word, tr.di.word

    def convert_in(self, direction, p, n=1):
        tr, mem, arena = self.tr, self.tr.mem, self.tr.arena
        hs, hd = self.hdr.ssize, self.hdr.dsize
        q = arena.alloc(hd * n)
        saved = []
        for i in range(n):
            v = L.unpack(tr.src, "msghdr", mem.read(p + i * hs, hs))
            iovlen = min(v["msg_iovlen"], MAX_ARRAY)
            if v["msg_iov"] and iovlen:
                iq = arena.alloc(self.iov.dsize * iovlen)
                raw_write(iq, self.iov.to_dst(mem.read(v["msg_iov"], self.iov.ssize * iovlen), iovlen))
                v["msg_iov"] = iq
            ctl, clen = v["msg_control"], v["msg_controllen"]
            if ctl and clen:
                dlen = clen * 2 + 64
                cq = arena.alloc(dlen)
                if direction == "in":
                    data = cmsg_convert(mem.read(ctl, clen), self.sw, self.dw)
                    raw_write(cq, data)
                    dlen = len(data)
                v["msg_control"], v["msg_controllen"] = cq, dlen
            raw_write(q + i * hd, L.pack(tr.dst, "msghdr", v))
            saved.append((ctl, clen, v.get("msg_controllen")))
        tr.stats.bytes += hs * n
        if direction == "in":
            return q, None

        def post(r):
            for i in range(n):
                ctl, clen, _ = saved[i]
                out = L.unpack(tr.dst, "msghdr", raw_read(q + i * hd, hd))
                srcv = L.unpack(tr.src, "msghdr", mem.read(p + i * hs, hs))
                srcv["msg_namelen"] = out["msg_namelen"]
                srcv["msg_flags"] = out["msg_flags"]
                if ctl and clen:
                    data = cmsg_convert(raw_read(out["msg_control"], out["msg_controllen"]),
                                        self.dw, self.sw)
                    if len(data) > clen:
                        data = data[:_cmsg_fit(data, clen, self.sw)]
                        srcv["msg_flags"] |= 0x8          # MSG_CTRUNC
                    mem.write(ctl, data)
                    srcv["msg_controllen"] = len(data)
                elif not ctl:
                    srcv["msg_controllen"] = 0
                mem.write(p + i * hs, L.pack(tr.src, "msghdr", srcv))
        return q, post


def _align(n: int, a: int) -> int:
    return (n + a - 1) & ~(a - 1)


def cmsg_records(data: bytes, word: int):
    """(level, type, payload) of each cmsghdr in a control buffer of a WORD-byte ABI."""
    hdr = _align(word + 8, word)
    fmt = "<I" if word == 4 else "<Q"
    off = 0
    while off + hdr <= len(data):
        (clen,) = _st.unpack_from(fmt, data, off)
        level, typ = _st.unpack_from("<ii", data, off + word)
        if clen < hdr or off + clen > len(data):
            break
        yield level, typ, data[off + hdr:off + clen]
        off += _align(clen, word)


def cmsg_build(records, word: int) -> bytes:
    hdr = _align(word + 8, word)
    fmt = "<I" if word == 4 else "<Q"
    out = b""
    for level, typ, payload in records:
        rec = _st.pack(fmt, hdr + len(payload)) + _st.pack("<ii", level, typ)
        rec = rec.ljust(hdr, b"\0") + payload
        out += rec.ljust(_align(len(rec), word), b"\0")
    return out


def cmsg_convert(data: bytes, src_word: int, dst_word: int) -> bytes:
    if src_word == dst_word:
        return data
    return cmsg_build(list(cmsg_records(data, src_word)), dst_word)


def _cmsg_fit(data: bytes, limit: int, word: int) -> int:
    """Length of the whole records of DATA that fit in LIMIT bytes."""
    off = 0
    fmt = "<I" if word == 4 else "<Q"
    while off < len(data):
        (clen,) = _st.unpack_from(fmt, data, off)
        nxt = off + _align(clen, word)
        if off + clen > limit:
            break
        off = nxt
    return min(off, limit)


class MmsghdrConv(MsghdrConv):
    """mmsghdr arrays: msghdr conversion per element, msg_len copied back."""

    def __init__(self, tr: Translator):
        super().__init__(tr)
        self.mhs, self.mhd = L.layout(tr.src, "mmsghdr").size, L.layout(tr.dst, "mmsghdr").size
        self.len_s = {f.name: f for f in L.layout(tr.src, "mmsghdr").fields}["msg_len"].offset
        self.len_d = {f.name: f for f in L.layout(tr.dst, "mmsghdr").fields}["msg_len"].offset

    def convert_in(self, direction, p, n=1):
        tr = self.tr
        q = tr.arena.alloc(self.mhd * n)
        posts = []
        for i in range(n):
            hq, post = MsghdrConv.convert_in(self, "inout", p + i * self.mhs, 1)
            raw_write(q + i * self.mhd, raw_read(hq, self.hdr.dsize))
            posts.append((hq, post))

        def post(r):
            for i in range(max(0, min(r, n))):
                hq, pp = posts[i]
                raw_write(hq, raw_read(q + i * self.mhd, self.hdr.dsize))
                pp(r)
                tr.mem.write(p + i * self.mhs + self.len_s,
                             raw_read(q + i * self.mhd + self.len_d, 4))
        return q, post


class SigsetArgpackConv:
    """{const sigset_t *, size_t}: pselect6's sigset_argpack and io_pgetevents'
    __aio_sigset (input only)."""

    def __init__(self, tr: Translator):
        self.tr = tr

    def convert_in(self, direction, p, n=1):
        tr = self.tr
        ptr, ln = _st.unpack("<II", tr.mem.read(p, 8))
        q = tr.arena.alloc(16)
        raw_write(q, _st.pack("<QQ", ptr, ln) if tr.di.word == 8 else _st.pack("<II", ptr, ln))
        return q, None


STRUCT_ARGS = {
    "msghdr": MsghdrConv,
    "mmsghdr": MmsghdrConv,
    "sigset_argpack": SigsetArgpackConv,
    "__aio_sigset": SigsetArgpackConv,
}


# ------------------------------------------------------------------ named call handlers
HANDLERS: dict[tuple[str, str], object] = {}


def handles(scope: str, *names: str):
    def reg(fn):
        for n in names:
            HANDLERS[(scope, n)] = fn
        return fn
    return reg


def _words(tr: Translator, name: str, a) -> dict:
    return decode(tr.si, layout_items(tr.src, name), a)


def _sx(v: int) -> int:
    return v - 0x100000000 if v & 0x80000000 else v


FCNTL_STRUCTS = {   # command -> (struct, direction)
    "F_GETLK": ("flock", "inout"), "F_SETLK": ("flock", "in"), "F_SETLKW": ("flock", "in"),
    "F_GETLK64": ("flock64", "inout"), "F_SETLK64": ("flock64", "in"),
    "F_SETLKW64": ("flock64", "in"),
    "F_OFD_GETLK": ("flock64", "inout"), "F_OFD_SETLK": ("flock64", "in"),
    "F_OFD_SETLKW": ("flock64", "in"),
    "F_GETOWN_EX": ("f_owner_ex", "out"), "F_SETOWN_EX": ("f_owner_ex", "in"),
}


@handles("*", "fcntl", "fcntl64")
def h_fcntl(tr: Translator, name: str, d):
    """fcntl: the command decides what arg is: a lock struct (flock/flock64, converted),
    open flags (F_SETFL in, F_GETFL out, remapped) or a plain value."""
    tnr = d.target_nrs[0]
    src, dst = tr.src, tr.dst
    cmds = {}
    for cname, (struct, direction) in FCNTL_STRUCTS.items():
        sv = const_value(src, cname)
        if sv is None:
            continue
        dv = const_value(dst, cname)
        if dv is None:                      # 64-bit ABIs: F_GETLK64 is F_GETLK
            dv = const_value(dst, cname.replace("64", ""))
        conv = tr.conv(struct) if struct_needs_conversion(struct, src, dst) else None
        cmds[sv] = (dv, conv, direction, struct)
    to_dst, to_src = flag_mover(src, dst), flag_mover(dst, src)
    getfl, setfl = const_value(src, "F_GETFL"), const_value(src, "F_SETFL")
    dupfd = {const_value(src, "F_DUPFD"), const_value(src, "F_DUPFD_CLOEXEC")} - {None}
    mem, arena, issue, dirs = tr.mem, tr.arena, tr.issue, tr.dirs

    def call(fd, cmd, arg, *_):
        fd = _sx(fd) if tr.di.word == 8 else fd
        hit = cmds.get(cmd)
        if hit is not None:
            dcmd, conv, direction, _s = hit
            if conv is None or not arg:
                return issue(tnr, (fd, dcmd, arg))
            arena.reset()
            q = arena.alloc(conv.dsize)
            raw_write(q, conv.to_dst(mem.read(arg, conv.ssize)) if direction != "out"
                      else bytes(conv.dsize))
            tr.stats.fixups += 1
            tr.stats.bytes += conv.ssize
            r = issue(tnr, (fd, dcmd, q))
            if r >= 0 and direction != "in":
                mem.write(arg, conv.to_src(raw_read(q, conv.dsize)))
            return r
        if cmd == setfl and to_dst is not None:
            return issue(tnr, (fd, cmd, to_dst(arg)))
        r = issue(tnr, (fd, cmd, arg))
        if cmd == getfl and r >= 0 and to_src is not None:
            return to_src(r)
        if dirs.fds and r >= 0 and cmd in dupfd:
            dirs.dup(fd, r)              # the new fd shares the directory's cookies
        return r

    notes = [f"{d.target_names[0]} #{tnr}"]
    diff = sorted({s for (_, c, _, s) in cmds.values() if c is not None})
    if diff:
        notes.append("/".join(diff) + " converted by command")
    if to_dst is not None:
        notes.append("F_GETFL/F_SETFL O_* remapped")
    return Plan(call, ", ".join(notes), d.target_names[0], tnr)


IPC_CTL = {   # call -> (struct through the 4th/3rd argument, commands that use it)
    "semctl": ("semid64_ds", {1, 2, 18, 20}, 3),      # IPC_SET IPC_STAT SEM_STAT SEM_STAT_ANY
    "msgctl": ("msqid64_ds", {1, 2, 11, 13}, 2),      # IPC_SET IPC_STAT MSG_STAT MSG_STAT_ANY
    "shmctl": ("shmid64_ds", {1, 2, 13, 15}, 2),      # IPC_SET IPC_STAT SHM_STAT SHM_STAT_ANY
}


@handles("*", "semctl", "msgctl", "shmctl")
def h_ipc_ctl(tr: Translator, name: str, d):
    """EABI's semctl/msgctl/shmctl entries are the old ones that parse IPC_64 out of cmd:
    OR it in.  64-bit targets know only the 64 layout: take IPC_64 out and convert the
    *id64_ds struct for the commands that read or write it."""
    tnr = d.target_nrs[0]
    struct, users, argi = IPC_CTL[name]
    to_arm = tr.dst == "arm32"
    conv = tr.conv(struct) if struct_needs_conversion(struct, tr.src, tr.dst) else None
    mem, arena, issue = tr.mem, tr.arena, tr.issue

    def call(*a):
        a = list(a[:argi + 1])
        ci = 2 if name == "semctl" else 1
        cmd = a[ci]
        base = cmd & ~IPC_64
        if to_arm:
            a[ci] = cmd | IPC_64
            return issue(tnr, a)
        a[ci] = base
        a[0] = _sx(a[0]) if tr.di.word == 8 else a[0]
        ptr = a[argi]
        if conv is None or base not in users or not ptr:
            return issue(tnr, a)
        arena.reset()
        q = arena.alloc(conv.dsize)
        raw_write(q, conv.to_dst(mem.read(ptr, conv.ssize)) if base == 1 else bytes(conv.dsize))
        a[argi] = q
        tr.stats.fixups += 1
        r = issue(tnr, a)
        if r >= 0 and base != 1:
            mem.write(ptr, conv.to_src(raw_read(q, conv.dsize)))
        return r

    note = f"#{tnr}, IPC_64 OR'd into cmd" if to_arm else \
        f"#{tnr}, IPC_64 taken out of cmd" + (f", {struct} {conv.ssize}->{conv.dsize} bytes"
                                            if conv else "")
    return Plan(call, note, d.target_names[0], tnr)


SEEK_SET = 0


@handles("native", "_llseek")
def h_llseek(tr: Translator, name: str, d):
    """_llseek(fd, hi, lo, *result, whence) -> lseek(fd, hi << 32 | lo, whence); *result.
    On a directory a cookie (SEEK_SET) and the resulting offset are translated."""
    tnr = d.target_nrs[0]
    mem, issue, dirs = tr.mem, tr.issue, tr.dirs

    def call(fd, hi, lo, result, whence, *_):
        fd = _sx(fd)
        off = (hi & M32) << 32 | (lo & M32)
        tracked = dirs.tracked(fd)
        if tracked and whence == SEEK_SET:
            off = dirs.to_host(fd, off)
        r = issue(tnr, (fd, off - (1 << 64) if off >> 63 else off, whence))
        if r < 0:
            return r
        if tracked:
            r = dirs.to_guest(fd, r)
            if r is None:
                return -E.EOVERFLOW
        mem.write(result, (r & M64).to_bytes(8, "little"))
        return 0
    return Plan(call, f"lseek #{tnr}, offset pair joined, result stored", "lseek", tnr)


@handles("native", "lseek")
def h_lseek(tr: Translator, name: str, d):
    """lseek: on a directory whose offsets became cookies, SEEK_SET takes a cookie and
    the result is one; every other fd goes straight through."""
    inner = tr._generic(name, d)
    tnr, dirs, issue, plain = d.target_nrs[0], tr.dirs, tr.issue, inner.call

    def call(fd, off, whence, *rest):
        sfd = _sx(fd)
        if not dirs.tracked(sfd):
            return plain(fd, off, whence, *rest)
        pos = _sx(off)
        if whence == SEEK_SET:
            pos = dirs.to_host(sfd, pos)
        r = issue(tnr, (sfd, pos, whence))
        if r < 0:
            return r
        r = dirs.to_guest(sfd, r)
        return -E.EOVERFLOW if r is None else r
    return Plan(call, inner.note + ", directory cookies", inner.target, inner.nr)


UID16_SET = {"setuid", "setgid", "setfsuid", "setfsgid", "setreuid", "setregid", "setresuid",
             "setresgid", "chown", "lchown", "fchown"}
UID16_GET = {"getuid", "getgid", "geteuid", "getegid"}
OVERFLOW_ID = 65534


@handles("native", *sorted(UID16_SET | UID16_GET | {"getresuid", "getresgid", "getgroups",
                                                     "setgroups"}))
def h_uid16(tr: Translator, name: str, d):
    """The 16-bit id calls: (old_uid_t)-1 is -1; an id above 65535 reads as 65534."""
    target, tnr = d.target_names[0], d.target_nrs[0]
    src_items = layout_items(tr.src, name)
    dst_items = layout_items(tr.dst, name)
    mem, arena, issue = tr.mem, tr.arena, tr.issue

    def widen(v):
        v &= 0xFFFF
        return -1 if v == 0xFFFF else v

    def narrow(v):
        return OVERFLOW_ID if v > 0xFFFF else v

    if name in UID16_SET:
        def call(*a):
            vals = decode(tr.si, src_items, a)
            for it in src_items:
                if type(it) is not int and it.kind in ("uid", "gid"):
                    vals[it.name] = widen(vals[it.name])
            return issue(tnr, encode(tr.di, dst_items, vals))
    elif name in UID16_GET:
        def call(*a):
            r = issue(tnr, ())
            return r if r < 0 else narrow(r)
    elif name in ("getresuid", "getresgid"):
        def call(p1, p2, p3, *_):
            arena.reset()
            q = arena.alloc(12)
            r = issue(tnr, (q, q + 4, q + 8))
            if r >= 0:
                ids = _st.unpack("<III", raw_read(q, 12))
                for p, v in zip((p1, p2, p3), ids):
                    mem.write(p, _st.pack("<H", narrow(v)))
            return r
    elif name == "getgroups":
        def call(size, lst, *_):
            size = _sx(size)
            if size < 0:
                return -E.EINVAL
            arena.reset()
            q = arena.alloc(4 * max(size, 1))
            r = issue(tnr, (size, q))
            if r > 0 and size:
                gids = _st.unpack(f"<{r}I", raw_read(q, 4 * r))
                mem.write(lst, b"".join(_st.pack("<H", narrow(g)) for g in gids))
            return r
    else:
        def call(size, lst, *_):
            size = _sx(size)
            if size < 0 or size > MAX_ARRAY:
                return -E.EINVAL
            gids = _st.unpack(f"<{size}H", mem.read(lst, 2 * size)) if size else ()
            arena.reset()
            q = arena.alloc(4 * max(size, 1))
            raw_write(q, b"".join(_st.pack("<i", widen(g)) for g in gids))
            return issue(tnr, (size, q))
    return Plan(call, f"{target} #{tnr}, 16-bit ids widened/narrowed", target, tnr)


@handles("native", "nice")
def h_nice(tr: Translator, name: str, d):
    """nice(inc) = setpriority(PRIO_PROCESS, 0, current + inc), clamped to -20..19."""
    getp, setp = tr.target_nr("getpriority"), tr.target_nr("setpriority")

    def call(inc, *_):
        r = tr.issue(getp, (0, 0))
        if r < 0:
            return r
        prio = max(-20, min(19, (20 - r) + _sx(inc)))
        r = tr.issue(setp, (0, 0, prio))
        return r if r < 0 else 0
    return Plan(call, f"getpriority #{getp} + setpriority #{setp}", "setpriority", setp)


@handles("native", "getdents")
def h_getdents(tr: Translator, name: str, d):
    """linux_dirent records rebuilt with 32-bit d_ino/d_off (EOVERFLOW when an inode
    does not fit; a 64-bit d_off becomes a cookie of the fd, see DirCookies); what does
    not fit the caller's buffer is left for the next call (lseek back)."""
    target, tnr = d.target_names[0], d.target_nrs[0]
    is64 = target == "getdents64"
    lseek = tr.target_nr("lseek")
    mem, arena, issue, dirs = tr.mem, tr.arena, tr.issue, tr.dirs

    def call(fd, dirp, count, *_):
        fd = _sx(fd)
        arena.reset()
        hcount = min(2 * count + 64, 1 << 20)
        q = arena.alloc(hcount)
        r = issue(tnr, (fd, q, hcount))
        if r <= 0:
            return r
        data = raw_read(q, r)
        out, off, last_off = bytearray(), 0, None
        while off < r:
            if is64:
                ino, doff, reclen, dtype = _st.unpack_from("<QqHB", data, off)
                nm = data[off + 19:off + reclen].split(b"\0", 1)[0]
            else:
                ino, doff, reclen = _st.unpack_from("<QqH", data, off)
                nm = data[off + 18:off + reclen - 1].split(b"\0", 1)[0]
                dtype = data[off + reclen - 1]
            rec_len = _align(10 + len(nm) + 2, 4)
            gdoff = dirs.to_guest(fd, doff)
            if ino > M32 or gdoff is None:
                if not out:
                    return -E.EOVERFLOW
                break
            if len(out) + rec_len > count:
                break
            rec = _st.pack("<IIH", ino, gdoff, rec_len) + nm + b"\0"
            out += rec.ljust(rec_len - 1, b"\0") + bytes([dtype])
            last_off = doff
            off += reclen
        if not out:
            return -E.EINVAL
        if off < r and last_off is not None:
            issue(lseek, (fd, last_off, 0))
        mem.write(dirp, bytes(out))
        return len(out)
    return Plan(call, f"{target} #{tnr}, linux_dirent records rebuilt, directory cookies",
                target, tnr)


DIRENT64 = _st.Struct("<QqH")       # d_ino, d_off, d_reclen (then d_type, d_name)


@handles("native", "getdents64")
def h_getdents64(tr: Translator, name: str, d):
    """linux_dirent64 records are the same bytes everywhere, but a 64-bit kernel's d_off
    can be any 64-bit value: each one at or above DirCookies.BASE is replaced by a
    cookie of the fd in place, as a compat kernel would have given 32-bit offsets."""
    inner = tr._generic(name, d)
    mem, dirs, plain = tr.mem, tr.dirs, inner.call
    base, unpack, pack = DirCookies.BASE, DIRENT64.unpack_from, DIRENT64.pack_into

    def call(fd, dirp, count, *rest):
        r = plain(fd, dirp, count, *rest)
        if r <= 0:
            return r
        sfd = _sx(fd)
        data = bytearray(mem.read(dirp, r))
        off, changed = 0, False
        while off + DIRENT64.size <= r:
            ino, doff, reclen = unpack(data, off)
            if reclen < DIRENT64.size:
                break
            if not 0 <= doff < base:
                c = dirs.to_guest(sfd, doff)
                if c is None:
                    return -E.EOVERFLOW
                pack(data, off, ino, c, reclen)
                changed = True
            off += reclen
        if changed:
            mem.write(dirp, bytes(data))
        return r
    return Plan(call, inner.note + ", directory cookies", inner.target, inner.nr)


@handles("native", "close")
def h_close(tr: Translator, name: str, d):
    """close forgets the fd's directory cookies (the fd is gone whatever close returns,
    unless it was not open)."""
    inner = tr._generic(name, d)
    fds, drop, plain = tr.dirs.fds, tr.dirs.drop, inner.call

    def call(fd, *rest):
        r = plain(fd, *rest)
        if fds and r != -E.EBADF:
            drop(_sx(fd))
        return r
    return Plan(call, inner.note, inner.target, inner.nr)


@handles("native", "close_range")
def h_close_range(tr: Translator, name: str, d):
    inner = tr._generic(name, d)
    dirs, plain = tr.dirs, inner.call
    CLOSE_RANGE_CLOEXEC = 4

    def call(first, last, flags, *rest):
        r = plain(first, last, flags, *rest)
        if dirs.fds and r == 0 and not flags & CLOSE_RANGE_CLOEXEC:
            dirs.drop_range(first & M32, last & M32)
        return r
    return Plan(call, inner.note, inner.target, inner.nr)


@handles("native", "dup", "dup2", "dup3")
def h_dup(tr: Translator, name: str, d):
    """The new fd shares the old one's open file, so its directory cookies too; dup2 and
    dup3 first close what the new fd was.  Where dup2 became dup3 (aarch64), dup2(fd, fd)
    is checked here: dup3 refuses it, dup2 returns fd when it is open."""
    inner = tr._generic(name, d)
    dirs, plain, issue = tr.dirs, inner.call, tr.issue
    same_check = name == "dup2" and inner.target == "dup3"
    fcntl_nr = tr.dst_numbers.get("fcntl")

    def call(old, *rest):
        if same_check and (old & M32) == (rest[0] & M32):
            r = issue(fcntl_nr, (_sx(old), 1, 0))       # F_GETFD
            return r if r < 0 else _sx(old)
        r = plain(old, *rest)
        if r >= 0 and dirs.fds:
            dirs.dup(_sx(old), r)
        return r
    return Plan(call, inner.note, inner.target, inner.nr)


@handles("native", "msgsnd", "msgrcv")
def h_msgbuf(tr: Translator, name: str, d):
    """msgbuf's mtype is a long: widened, the text follows it."""
    tnr = d.target_nrs[0]
    mem, arena, issue = tr.mem, tr.arena, tr.issue
    sw, dw = tr.si.word, tr.di.word

    def call(msqid, msgp, msgsz, a4, a5, *_):
        msgsz_s = _sx(msgsz)
        if msgsz_s < 0:
            return -E.EINVAL
        arena.reset()
        q = arena.alloc(dw + msgsz_s)
        if name == "msgsnd":
            mtype = int.from_bytes(mem.read(msgp, sw), "little", signed=True)
            raw_write(q, mtype.to_bytes(dw, "little", signed=True) + mem.read(msgp + sw, msgsz_s))
            return issue(tnr, (_sx(msqid), q, msgsz_s, a4))
        r = issue(tnr, (_sx(msqid), q, msgsz_s, _sx(a4), a5))
        if r >= 0:
            mtype = int.from_bytes(raw_read(q, dw), "little", signed=True)
            mem.write(msgp, (mtype & ((1 << (8 * sw)) - 1)).to_bytes(sw, "little") +
                      raw_read(q + dw, r))
        return r
    return Plan(call, f"#{tnr}, msgbuf mtype {sw}->{dw} bytes", name, tnr)


@handles("native", "_newselect")
def h_newselect(tr: Translator, name: str, d):
    """select: fd_sets are bitmaps (same bytes); the timeval widens.  aarch64 has only
    pselect6: the timeval becomes a timespec and sigmask is NULL."""
    target, tnr = d.target_names[0], d.target_nrs[0]
    tv = tr.conv("timeval")
    mem, arena, issue = tr.mem, tr.arena, tr.issue
    pselect = target == "pselect6"

    def call(n, rd, wr, ex, tvp, *_):
        if not tvp:
            return issue(tnr, (_sx(n), rd, wr, ex, 0, 0) if pselect else (_sx(n), rd, wr, ex, 0))
        arena.reset()
        q = arena.alloc(16)
        sec, usec = _st.unpack("<ii", mem.read(tvp, 8))
        if pselect:
            raw_write(q, _st.pack("<qq", sec, usec * 1000))
            r = issue(tnr, (_sx(n), rd, wr, ex, q, 0))
            if r >= 0:
                s, ns = _st.unpack("<qq", raw_read(q, 16))
                mem.write(tvp, _st.pack("<ii", s, ns // 1000))
            return r
        raw_write(q, tv.to_dst(mem.read(tvp, 8)))
        r = issue(tnr, (_sx(n), rd, wr, ex, q))
        if r >= 0:
            mem.write(tvp, tv.to_src(raw_read(q, tv.dsize)))
        return r
    return Plan(call, f"{target} #{tnr}, timeval 8->16 bytes", target, tnr)


@handles("aarch64", "epoll_wait")
def h_epoll_wait_a64(tr: Translator, name: str, d):
    """aarch64: epoll_wait is epoll_pwait(..., NULL, 8)."""
    inner = tr._generic("epoll_pwait", tr.disp["epoll_pwait"])

    def call(epfd, ev, maxev, timeout, *_):
        return inner.call(epfd, ev, maxev, timeout, 0, 8)
    return Plan(call, "epoll_pwait " + inner.note, "epoll_pwait", inner.nr)


@handles("aarch64", "poll")
def h_poll_a64(tr: Translator, name: str, d):
    """aarch64: poll(fds, n, ms) is ppoll(fds, n, ms >= 0 ? &ts : NULL, NULL, 8)."""
    tnr = tr.target_nr("ppoll")

    def call(fds, nfds, timeout, *_):
        t = _sx(timeout)
        if t < 0:
            return tr.issue(tnr, (fds, nfds, 0, 0, 8))
        tr.arena.reset()
        q = tr.arena.alloc(16)
        raw_write(q, _st.pack("<qq", t // 1000, (t % 1000) * 1000000))
        return tr.issue(tnr, (fds, nfds, q, 0, 8))
    return Plan(call, f"ppoll #{tnr}, ms -> timespec", "ppoll", tnr)


@handles("aarch64", "epoll_create")
def h_epoll_create_a64(tr: Translator, name: str, d):
    tnr = tr.target_nr("epoll_create1")

    def call(size, *_):
        return -E.EINVAL if _sx(size) <= 0 else tr.issue(tnr, (0,))
    return Plan(call, f"epoll_create1 #{tnr}", "epoll_create1", tnr)
