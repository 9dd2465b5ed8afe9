"""fexlite.translate: every special case of DESIGN.md's i386 -> arm32 table pinned with the
exact target number, registers and bytes; the native (x86_64, aarch64) widening.

The target "kernel" here is a recorder: it keeps (nr, registers) and may write a result
struct in the target's layout, so nothing depends on the host."""
from __future__ import annotations

import struct

import pytest

from fexlite import abi, host, layout as L, translate as T

NR32 = abi.numbers("arm32")
NR64 = abi.numbers("x86_64")
NRA64 = abi.numbers("aarch64")


class HostMem:
    """Unchecked access to this process's memory (tests own every address)."""
    read = staticmethod(T.raw_read)
    write = staticmethod(T.raw_write)


MAP_32BIT = 0x40


def low_pages(size: int) -> int:
    """Memory below 4 GiB, where guest pointers (and the compat scratch) live."""
    addr = host.mmap(0, size, host.PROT_READ | host.PROT_WRITE,
                     host.MAP_PRIVATE | host.MAP_ANONYMOUS | MAP_32BIT)
    assert 0 < addr < 1 << 32
    return addr


_low = {"next": 0, "end": 0}


def buf(data: bytes | int) -> int:
    """A guest-like buffer below 4 GiB holding DATA (or N zero bytes)."""
    n = data if isinstance(data, int) else len(data)
    if _low["next"] + n + 16 > _low["end"]:
        _low["next"] = low_pages(1 << 20)
        _low["end"] = _low["next"] + (1 << 20)
    addr = _low["next"]
    _low["next"] = (addr + n + 16 + 15) & ~15
    T.raw_write(addr, bytes(n) if isinstance(data, int) else data)
    return addr


def low_arena() -> T.Arena:
    return T.Arena(low_pages)


class Kernel:
    def __init__(self, result=0, effect=None):
        self.calls, self.result, self.effect = [], result, effect

    def __call__(self, nr, regs):
        regs = list(regs)
        self.calls.append((nr, regs))
        if self.effect:
            r = self.effect(nr, regs)
            if r is not None:
                return r
        return self.result


def tr(dst="arm32", src="i386", **kw):
    k = Kernel(**kw)
    arena = low_arena() if abi.ABI_INFO[dst].word == 4 else T.host_arena()
    return T.Translator(src, dst, HostMem, arena, k), k


def run(t, name, *args):
    a = list(args) + [0] * (6 - len(args))
    return t.plan(name).call(*a)


# ------------------------------------------------------------------ 64-bit pairs (EABI)
LO, HI = 0x89ABCDEF, 0x01234567


@pytest.mark.parametrize("name, args, nr, regs", [
    ("pread64", (3, 0x1000, 10, LO, HI), 180, [3, 0x1000, 10, 0, LO, HI]),
    ("pwrite64", (3, 0x1000, 10, LO, HI), 181, [3, 0x1000, 10, 0, LO, HI]),
    ("truncate64", (0x2000, LO, HI), 193, [0x2000, 0, LO, HI]),
    ("ftruncate64", (4, LO, HI), 194, [4, 0, LO, HI]),
    ("readahead", (5, LO, HI, 4096), 225, [5, 0, LO, HI, 4096]),
    # (fd, off, len32, advice) -> arm_fadvise64_64(fd, advice, off, len64)
    ("fadvise64", (6, LO, HI, 77, 4), 270, [6, 4, LO, HI, 77, 0]),
    ("fadvise64_64", (6, LO, HI, 0x55, 0x66, 2), 270, [6, 2, LO, HI, 0x55, 0x66]),
    # flags move from last to second: sync_file_range2
    ("sync_file_range", (7, LO, HI, 0x55, 0x66, 3), 341, [7, 3, LO, HI, 0x55, 0x66]),
    # pos_l/pos_h are two longs: no pad slot
    ("preadv", (3, 0x1000, 2, LO, HI), NR32["preadv"], [3, 0x1000, 2, LO, HI]),
    # fallocate's pairs already start at even registers
    ("fallocate", (3, 1, LO, HI, 5, 0), NR32["fallocate"], [3, 1, LO, HI, 5, 0]),
])
def test_arm32_register_pairs(name, args, nr, regs):
    t, k = tr()
    run(t, name, *args)
    assert k.calls == [(nr, regs)]


def test_arm_targets_are_the_eabi_numbers():
    assert NR32["arm_fadvise64_64"] == 270 and NR32["sync_file_range2"] == 341


@pytest.mark.parametrize("name, args, nr, regs", [
    ("semctl", (9, 1, 2, 0x3000), 300, [9, 1, 2 | 0x100, 0x3000]),
    ("msgctl", (9, 2, 0x3000), 304, [9, 2 | 0x100, 0x3000]),
    ("shmctl", (9, 2, 0x3000), 308, [9, 2 | 0x100, 0x3000]),
    ("semctl", (9, 0, 0x102, 0), 300, [9, 0, 0x102, 0]),      # already IPC_64: kept
])
def test_arm32_ipc_64(name, args, nr, regs):
    t, k = tr()
    run(t, name, *args)
    assert k.calls == [(nr, regs)]


def test_arm32_same_and_renumbered_pass_registers_through():
    t, k = tr()
    run(t, "getpid")
    run(t, "getdents64", 3, 0x5000, 4096)
    run(t, "_llseek", 3, HI, LO, 0x6000, 0)
    assert k.calls == [(20, [0] * 6), (217, [3, 0x5000, 4096, 0, 0, 0]),
                       (140, [3, HI, LO, 0x6000, 0, 0])]
    assert t.plan("getdents64").note == "#217"


# ------------------------------------------------------------------ structs i386 -> arm32
def stat64_values():
    return {"st_dev": 0x803, "__st_ino": 0, "st_mode": 0o100644, "st_nlink": 2, "st_uid": 1000,
            "st_gid": 100, "st_rdev": 0, "st_size": 0x123456789, "st_blksize": 4096,
            "st_blocks": 0x9999, "st_atime": 1111, "st_atime_nsec": 1, "st_mtime": 2222,
            "st_mtime_nsec": 2, "st_ctime": 3333, "st_ctime_nsec": 3, "st_ino": 0x1_0000_0042}


def test_fstat64_repacks_104_byte_stat64_into_96():
    vals = stat64_values()

    def kernel(nr, regs):
        assert nr == 197
        T.raw_write(regs[1], L.pack("arm32", "stat64", vals))
    t, k = tr(effect=kernel)
    out = buf(96)
    assert run(t, "fstat64", 3, out) == 0
    data = T.raw_read(out, 96)
    assert struct.unpack_from("<q", data, 44)[0] == 0x123456789      # st_size at 44 (arm: 48)
    assert struct.unpack_from("<I", data, 52)[0] == 4096              # st_blksize 52 (56)
    assert struct.unpack_from("<Q", data, 56)[0] == 0x9999            # st_blocks 56 (64)
    assert struct.unpack_from("<I", data, 64)[0] == 1111              # st_atime 64 (72)
    assert struct.unpack_from("<Q", data, 88)[0] == 0x1_0000_0042     # st_ino 88 (96)
    assert struct.unpack_from("<I", data, 12)[0] == 0x42              # __st_ino: low bits
    assert L.unpack("i386", "stat64", data)["st_mode"] == 0o100644
    assert t.plan("fstat64").note == "#197, stat64 96->104 bytes"


def test_stat64_and_fstatat64_convert_too():
    t, _ = tr()
    assert "stat64 96->104" in t.plan("stat64").note
    assert "stat64 96->104" in t.plan("lstat64").note
    assert "stat64 96->104" in t.plan("fstatat64").note


def test_fcntl64_setlk64_flock64_24_to_32_bytes():
    seen = {}

    def kernel(nr, regs):
        seen["flock"] = T.raw_read(regs[2], 32)
    t, k = tr(effect=kernel)
    lock = buf(struct.pack("<hhqqi", 1, 0, 0x1_0000_0010, 0x20, 0))   # i386 flock64 packed 24
    run(t, "fcntl64", 3, 13, lock)
    nr, regs = k.calls[0]
    assert (nr, regs[:2]) == (221, [3, 13])
    assert seen["flock"] == struct.pack("<hhxxxxqqixxxx", 1, 0, 0x1_0000_0010, 0x20, 0)


def test_fcntl64_getlk64_converts_back():
    def kernel(nr, regs):
        T.raw_write(regs[2], struct.pack("<hhxxxxqqixxxx", 2, 0, 100, 200, 4242))
    t, _ = tr(effect=kernel)
    lock = buf(struct.pack("<hhqqi", 1, 0, 0, 0, 0))
    run(t, "fcntl64", 3, 12, lock)
    assert T.raw_read(lock, 24) == struct.pack("<hhqqi", 2, 0, 100, 200, 4242)


def test_fcntl_flags_remapped_both_ways():
    # i386 O_DIRECTORY|O_NOFOLLOW|O_LARGEFILE = 0x10000|0x20000|0x8000
    t, k = tr(result=0x4000 | 0x8000 | 0x20000 | 2)     # arm32 bits back from F_GETFL
    run(t, "fcntl64", 3, 4, 0x10000 | 0x20000 | 0x8000 | 0o4000)
    assert k.calls[0][1][:3] == [3, 4, 0x4000 | 0x8000 | 0x20000 | 0o4000]
    assert run(t, "fcntl64", 3, 3) == 0x10000 | 0x20000 | 0x8000 | 2


def test_open_and_openat_flags():
    t, k = tr()
    run(t, "open", 0x1000, 0x10000 | 0x8000 | 0o100, 0o644)
    run(t, "openat", 0xFFFFFF9C, 0x1000, 0x4000 | 0x20000, 0)
    assert k.calls[0] == (5, [0x1000, 0x4000 | 0x20000 | 0o100, 0o644])
    assert k.calls[1] == (322, [0xFFFFFF9C, 0x1000, 0x10000 | 0x8000, 0])


def test_ioctl_fioqsize_renumbered():
    t, k = tr()
    run(t, "ioctl", 3, 0x5460, 0x7000)
    run(t, "ioctl", 3, 0x5413, 0x7000)        # TIOCGWINSZ: same everywhere
    assert [c[1][1] for c in k.calls] == [0x545E, 0x5413]


def test_epoll_ctl_event_12_to_16():
    seen = {}

    def kernel(nr, regs):
        seen["ev"] = T.raw_read(regs[3], 16)
    t, k = tr(effect=kernel)
    ev = buf(struct.pack("<IQ", 1, 0x1122334455667788))
    run(t, "epoll_ctl", 5, 1, 6, ev)
    assert k.calls[0][0] == 251
    assert seen["ev"] == struct.pack("<IxxxxQ", 1, 0x1122334455667788)


def test_epoll_wait_converts_only_the_returned_events():
    def kernel(nr, regs):
        assert nr == 252 and regs[2] == 3
        T.raw_write(regs[1], struct.pack("<IxxxxQIxxxxQ", 1, 0xAA, 4, 0xBB))
        return 2
    t, _ = tr(effect=kernel)
    out = buf(b"\xee" * 36)
    assert run(t, "epoll_wait", 5, out, 3, 0) == 2
    assert T.raw_read(out, 36) == struct.pack("<IQIQ", 1, 0xAA, 4, 0xBB) + b"\xee" * 12


def test_null_struct_pointer_stays_null():
    t, k = tr()
    run(t, "fstat64", 3, 0)
    assert k.calls == [(197, [3, 0])]


def test_every_arm32_disposition_has_a_plan():
    """Each call the compat route may emit builds (enosys only where the table says so)."""
    t, _ = tr()
    bad = []
    for d in abi.disposition_map("i386", "arm32"):
        p = t.plan(d.name)
        if d.kind in ("same", "renumbered", "relaid", "struct") and p.nr != d.target_nrs[0]:
            bad.append(d.name)
    assert bad == []


# ------------------------------------------------------------------ native: x86_64
def test_native_pairs_and_sign_extension():
    t, k = tr("x86_64")
    run(t, "pread64", 3, 0x1000, 10, LO, HI)
    run(t, "openat", 0xFFFFFF9C, 0x1000, 0, 0)
    run(t, "fadvise64_64", 6, LO, HI, 0x55, 0x66, 2)
    run(t, "preadv2", 3, buf(16), 2, LO, HI, 8)
    assert k.calls[0] == (NR64["pread64"], [3, 0x1000, 10, HI << 32 | LO])
    assert k.calls[1] == (NR64["openat"], [-100, 0x1000, 0, 0])
    assert k.calls[2] == (NR64["fadvise64"], [6, HI << 32 | LO, 0x66 << 32 | 0x55, 2])
    assert k.calls[3] == (NR64["preadv2"], [3, k.calls[3][1][1], 2, HI << 32 | LO, 0, 8])


def test_native_timespec_8_to_16():
    seen = {}

    def kernel(nr, regs):
        if nr == NR64["nanosleep"]:
            seen["req"] = T.raw_read(regs[0], 16)
        else:
            T.raw_write(regs[1], struct.pack("<qq", 1700000000, 999))
    t, k = tr("x86_64", effect=kernel)
    req = buf(struct.pack("<ii", 5, 250))
    run(t, "nanosleep", req, 0)
    assert seen["req"] == struct.pack("<qq", 5, 250)
    ts = buf(8)
    run(t, "clock_gettime", 1, ts)
    assert T.raw_read(ts, 8) == struct.pack("<ii", 1700000000, 999)


def test_native_iovec_array_widened():
    seen = {}

    def kernel(nr, regs):
        seen["iov"] = T.raw_read(regs[1], 32)
        return 7
    t, k = tr("x86_64", effect=kernel)
    iov = buf(struct.pack("<IIII", 0x1000, 3, 0x2000, 4))
    assert run(t, "writev", 1, iov, 2) == 7
    assert k.calls[0][0] == NR64["writev"]
    assert seen["iov"] == struct.pack("<QQQQ", 0x1000, 3, 0x2000, 4)


def test_native_msghdr_28_to_56_with_iovec_and_cmsg():
    seen = {}

    def kernel(nr, regs):
        m = L.unpack("x86_64", "msghdr", T.raw_read(regs[1], 56))
        seen["msg"] = m
        seen["iov"] = T.raw_read(m["msg_iov"], 16)
        seen["ctl"] = T.raw_read(m["msg_control"], m["msg_controllen"])
        return 5
    t, k = tr("x86_64", effect=kernel)
    ctl = struct.pack("<Iii", 16, 1, 1) + struct.pack("<i", 7)      # SCM_RIGHTS, fd 7
    iov = buf(struct.pack("<II", 0x4000, 5))
    msg = buf(L.pack("i386", "msghdr", {"msg_name": 0, "msg_namelen": 0, "msg_iov": iov,
                                        "msg_iovlen": 1, "msg_control": buf(ctl),
                                        "msg_controllen": len(ctl), "msg_flags": 0}))
    assert run(t, "sendmsg", 3, msg, 0) == 5
    assert k.calls[0][0] == NR64["sendmsg"]
    assert seen["msg"]["msg_iovlen"] == 1 and seen["msg"]["msg_controllen"] == 24
    assert seen["iov"] == struct.pack("<QQ", 0x4000, 5)
    assert seen["ctl"] == struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", 7) + bytes(4)
    assert "msghdr converted" in t.plan("sendmsg").note


def test_native_llseek_joins_and_stores():
    t, k = tr("x86_64", result=0x1_0000_0005)
    res = buf(8)
    assert run(t, "_llseek", 3, 1, 5, res, 0) == 0
    assert k.calls == [(NR64["lseek"], [3, 0x1_0000_0005, 0])]
    assert T.raw_read(res, 8) == (0x1_0000_0005).to_bytes(8, "little")


def test_native_stat64_to_host_stat():
    vals = {"st_dev": 0x803, "st_ino": 0x1_0000_0042, "st_nlink": 1, "st_mode": 0o40755,
            "st_size": 4096, "st_blksize": 4096, "st_blocks": 8, "st_mtime": 77}

    def kernel(nr, regs):
        T.raw_write(regs[1], L.pack("x86_64", "stat64", vals))
    t, k = tr("x86_64", effect=kernel)
    out = buf(96)
    run(t, "fstat64", 3, out)
    assert k.calls[0][0] == NR64["fstat"]
    got = L.unpack("i386", "stat64", T.raw_read(out, 96))
    assert (got["st_ino"], got["__st_ino"], got["st_mode"], got["st_mtime"]) == \
        (0x1_0000_0042, 0x42, 0o40755, 77)


def test_native_uid16():
    t, k = tr("x86_64", result=70000)
    run(t, "setresuid", 0xFFFF, 5, 0x1FFFF)
    assert k.calls[0] == (NR64["setresuid"], [-1, 5, -1])
    assert run(t, "getuid") == 65534


def test_native_fcntl64_getlk64_is_getlk():
    t, k = tr("x86_64")
    lock = buf(struct.pack("<hhqqi", 1, 0, 0, 0, 0))
    run(t, "fcntl64", 3, 12, lock)
    assert k.calls[0][1][:2] == [3, 5]


# ------------------------------------------------------------------ native: aarch64 (tables only)
def test_aarch64_at_forms_and_replacements():
    t, k = tr("aarch64")
    run(t, "open", 0x1000, 0x10000, 0)                 # O_DIRECTORY: 0x10000 -> 0x4000
    run(t, "unlink", 0x1000)
    run(t, "rmdir", 0x1000)
    run(t, "dup2", 3, 4)
    run(t, "pipe", 0x2000)
    run(t, "epoll_wait", 5, buf(16), 1, 0xFFFFFFFF)
    assert k.calls[0] == (NRA64["openat"], [-100, 0x1000, 0x4000, 0])
    assert k.calls[1] == (NRA64["unlinkat"], [-100, 0x1000, 0])
    assert k.calls[2] == (NRA64["unlinkat"], [-100, 0x1000, 0x200])
    assert k.calls[3] == (NRA64["dup3"], [3, 4, 0])
    assert k.calls[4] == (NRA64["pipe2"], [0x2000, 0])
    nr, regs = k.calls[5]
    assert nr == NRA64["epoll_pwait"] and regs[2:] == [1, -1, 0, 8]


def test_aarch64_stat64_is_newfstatat_with_128_byte_stat():
    t, k = tr("aarch64")
    out = buf(96)
    run(t, "stat64", 0x1000, out)
    nr, regs = k.calls[0]
    assert nr == NRA64["newfstatat"] and regs[0] == -100 and regs[1] == 0x1000 and regs[3] == 0
    assert "stat64 96->128" in t.plan("stat64").note


# ------------------------------------------------------------------ arm32 -> x86_64 (emulated kernel)
def test_arm32_source_decodes_eabi_pairs():
    t, k = tr("x86_64", src="arm32")
    run(t, "pread64", 3, 0x1000, 10, 0, LO, HI)
    run(t, "fadvise64_64", 6, 2, LO, HI, 0x55, 0x66)      # arm_fadvise64_64's order
    run(t, "sync_file_range", 7, 3, LO, HI, 0x55, 0x66)
    assert k.calls[0] == (NR64["pread64"], [3, 0x1000, 10, HI << 32 | LO])
    assert k.calls[1] == (NR64["fadvise64"], [6, HI << 32 | LO, 0x66 << 32 | 0x55, 2])
    assert k.calls[2] == (NR64["sync_file_range"], [7, HI << 32 | LO, 0x66 << 32 | 0x55, 3])


def test_arm32_source_strips_ipc_64():
    t, k = tr("x86_64", src="arm32")
    run(t, "semctl", 9, 0, 0x100 | 16, 0)                # GETVAL
    assert k.calls[0] == (NR64["semctl"], [9, 0, 16, 0])


def test_cmsg_roundtrip():
    recs = [(1, 1, struct.pack("<ii", 3, 4)), (1, 2, struct.pack("<3i", 1, 2, 3))]
    for w in (4, 8):
        assert list(T.cmsg_records(T.cmsg_build(recs, w), w)) == recs


def test_native_utimensat_converts_both_timespecs():
    seen = {}

    def kernel(nr, regs):
        seen["ts"] = T.raw_read(regs[2], 32)
    t, k = tr("x86_64", effect=kernel)
    times = buf(struct.pack("<iiii", 1, 2, 1000000000, 0x3FFFFFFE))
    run(t, "utimensat", 0xFFFFFF9C, buf(b"f\0"), times, 0)
    assert k.calls[0][0] == NR64["utimensat"]
    assert seen["ts"] == struct.pack("<qqqq", 1, 2, 1000000000, 0x3FFFFFFE)


# ------------------------------------------------------------------ directory offsets (64-bit targets)
BIG = [0x0000_0001_0000_0000, 0x1234_5678_9ABC_DEF0, 0x7FFF_FFFF_FFFF_FFFF]   # ext4 hash / EOF


def dirent64(ino, off, name, dtype=4):
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", ino, off, reclen, dtype) + name + bytes(reclen - 19 - len(name))


def dirent64_offsets(data):
    out, off = [], 0
    while off < len(data):
        _ino, doff, reclen = struct.unpack_from("<QqH", data, off)
        out.append(doff)
        off += reclen
    return out


class DirKernel:
    """A 64-bit kernel with one directory fd: getdents64/getdents return records with
    the given 64-bit offsets, lseek records the offset it was given."""

    def __init__(self, nr, offsets, fd=5):
        self.nr, self.fd, self.offsets, self.seeks, self.pos = nr, fd, offsets, [], 0

    def __call__(self, nr, regs):
        if nr == self.nr["getdents64"]:
            data = b"".join(dirent64(10 + i, o, b"e%d" % i) for i, o in enumerate(self.offsets))
            T.raw_write(regs[1], data)
            return len(data)
        if nr == self.nr.get("getdents"):
            data = b""
            for i, o in enumerate(self.offsets):
                nm = b"e%d\0" % i
                reclen = (18 + len(nm) + 1 + 7) & ~7
                data += struct.pack("<QqH", 10 + i, o, reclen) + nm.ljust(reclen - 19, b"\0") + b"\4"
            T.raw_write(regs[1], data)
            return len(data)
        if nr == self.nr["lseek"]:
            self.seeks.append((regs[1], regs[2]))
            if regs[2] == 0:
                self.pos = regs[1]
            return self.pos
        if nr in (self.nr["close"], self.nr["dup2"], self.nr["dup3"]):
            return 0 if nr == self.nr["close"] else regs[1]
        if nr == self.nr["dup"]:
            return 9
        return 0


@pytest.mark.parametrize("dst", ["x86_64", "aarch64", "arm32-source"])
def test_getdents64_offsets_become_cookies_and_back(dst):
    """A 64-bit d_off is shown as a 31-bit cookie of the fd; small offsets pass unchanged;
    lseek/_llseek (SEEK_SET) turn the cookie back into the 64-bit offset."""
    src, dst = ("arm32", "x86_64") if dst == "arm32-source" else ("i386", dst)
    nr = abi.numbers(dst)
    k = DirKernel(nr, [5, *BIG])
    t = T.Translator(src, dst, HostMem, T.host_arena(), k)
    out = buf(4096)
    r = run(t, "getdents64", 5, out, 4096)
    offs = dirent64_offsets(T.raw_read(out, r))
    base = T.DirCookies.BASE
    assert offs == [5, base, base + 1, base + 2]
    # the same offsets read again get the same cookies
    r = run(t, "getdents64", 5, out, 4096)
    assert dirent64_offsets(T.raw_read(out, r)) == offs
    # lseek to a cookie seeks the host fd to the 64-bit offset; the result is the cookie
    assert run(t, "lseek", 5, base + 1, 0) == base + 1
    assert k.seeks[-1] == (BIG[1], 0)
    # _llseek too, with the result stored as the cookie
    res = buf(8)
    assert run(t, "_llseek", 5, 0, base + 2, res, 0) == 0
    assert k.seeks[-1] == (BIG[2], 0)
    assert T.raw_read(res, 8) == (base + 2).to_bytes(8, "little")
    # small offsets and rewind go straight through
    assert run(t, "lseek", 5, 0, 0) == 0 and k.seeks[-1] == (0, 0)
    assert run(t, "lseek", 5, 5, 0) == 5 and k.seeks[-1] == (5, 0)
    # another fd knows nothing of fd 5's cookies: its lseek is untouched
    run(t, "lseek", 6, base + 1, 0)
    assert k.seeks[-1] == (base + 1, 0)


def test_getdents_linux_dirent_offsets_are_cookies():
    """i386 getdents on x86_64 (linux_dirent rebuilt): d_off is a cookie, not truncated."""
    k = DirKernel(NR64, [7, BIG[1]])
    t = T.Translator("i386", "x86_64", HostMem, T.host_arena(), k)
    out = buf(4096)
    r = run(t, "getdents", 5, out, 4096)
    data = T.raw_read(out, r)
    offs, off = [], 0
    while off < r:
        _ino, doff, reclen = struct.unpack_from("<IIH", data, off)
        offs.append(doff)
        off += reclen
    assert offs == [7, T.DirCookies.BASE]


def test_directory_cookies_dropped_on_close_and_dup2_shared_on_dup():
    k = DirKernel(NR64, BIG)
    t = T.Translator("i386", "x86_64", HostMem, T.host_arena(), k)
    base = T.DirCookies.BASE
    run(t, "getdents64", 5, buf(4096), 4096)
    assert t.dirs.tracked(5)
    assert run(t, "dup", 5) == 9                  # shares the open file, so the cookies
    run(t, "lseek", 9, base, 0)
    assert k.seeks[-1] == (BIG[0], 0)
    assert run(t, "dup2", 5, 7) == 7
    assert t.dirs.fds[7] is t.dirs.fds[5]
    assert run(t, "dup2", 9, 5) == 5              # 5 replaced by 9 (the same directory)
    assert t.dirs.tracked(5)
    run(t, "close", 5)
    assert not t.dirs.tracked(5)
    run(t, "lseek", 5, base, 0)                   # a plain fd again
    assert k.seeks[-1] == (base, 0)
    run(t, "close_range", 0, 100, 4)              # CLOSE_RANGE_CLOEXEC closes nothing now
    assert t.dirs.tracked(9)
    run(t, "close_range", 0, 100, 0)
    assert not t.dirs.fds


def test_regular_file_lseek_is_not_translated():
    """Offsets above BASE on a file that never was a directory pass unchanged."""
    k = DirKernel(NR64, BIG)
    t = T.Translator("i386", "x86_64", HostMem, T.host_arena(), k)
    k.pos = 0x5000_0000
    assert run(t, "lseek", 3, 0x5000_0000, 0) == 0x5000_0000
    assert k.seeks[-1] == (0x5000_0000, 0)


def test_arm32_target_keeps_getdents64_untouched():
    """The compat route's i386 -> arm32 step passes getdents64 through: the arm32 kernel
    (real or emulated) is what gives 32-bit offsets."""
    t, k = tr("arm32", result=0)
    run(t, "getdents64", 3, 0x5000, 4096)
    assert k.calls == [(NR32["getdents64"], [3, 0x5000, 4096, 0, 0, 0])]


def test_aarch64_dup2_same_fd_checks_the_fd():
    """aarch64 has only dup3, which refuses old == new: dup2(fd, fd) is F_GETFD."""
    t, k = tr("aarch64", result=0)
    assert run(t, "dup2", 4, 4) == 4
    assert k.calls == [(NRA64["fcntl"], [4, 1, 0])]
    t, k = tr("aarch64", result=-9)
    assert run(t, "dup2", 4, 4) == -9
    t, k = tr("aarch64", result=6)
    assert run(t, "dup2", 4, 6) == 6
    assert k.calls == [(NRA64["dup3"], [4, 6, 0])]


def test_sysinfo_sizes_are_scaled_not_truncated_for_32_bit():
    """24 GiB of RAM does not fit a 32-bit sysinfo: like the kernel's compat sysinfo,
    mem_unit grows to the page size and every size shifts down by as much."""
    from fexlite import layout as L
    from fexlite.translate import StructConv
    gib = 1 << 30
    wide = L.pack("x86_64", "sysinfo", {"totalram": 24 * gib, "freeram": 20 * gib,
                                        "totalswap": 0, "mem_unit": 1, "procs": 7})
    narrow = L.unpack("arm32", "sysinfo", StructConv("sysinfo", "arm32", "x86_64").to_src(wide))
    assert narrow["mem_unit"] == 4096
    assert narrow["totalram"] == 24 * gib // 4096 and narrow["freeram"] == 20 * gib // 4096
    assert narrow["procs"] == 7
    small = L.pack("x86_64", "sysinfo", {"totalram": gib, "mem_unit": 1})
    assert L.unpack("i386", "sysinfo", StructConv("sysinfo", "i386", "x86_64").to_src(small)) \
        ["totalram"] == gib
