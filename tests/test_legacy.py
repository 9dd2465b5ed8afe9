"""fexlite.legacy: each old/multiplexed i386 call -> the exact i386 call(s) it issues and
the bytes it writes.  proc.passthrough is a recorder; memory is a fake address space."""
from __future__ import annotations

import errno
import struct

import pytest

from fexlite import layout as L, legacy
from fexlite.memory import GuestFault
from fexlite.personality import HANDLERS

BASE, SIZE, SCRATCH = 0x10000, 0x40000, 0x40000


class FakeSpace:
    def __init__(self):
        self.mem = bytearray(SIZE)

    def _off(self, addr, n):
        if addr < BASE or addr + n > BASE + SIZE:
            raise GuestFault(addr)
        return addr - BASE

    def read(self, addr, n):
        o = self._off(addr, n)
        return bytes(self.mem[o:o + n])

    def write(self, addr, data):
        o = self._off(addr, len(data))
        self.mem[o:o + len(data)] = data

    def read_u32(self, addr):
        return int.from_bytes(self.read(addr, 4), "little")

    def scratch(self, size):
        return SCRATCH


class FakeProc:
    def __init__(self, effect=None):
        self.space = FakeSpace()
        self.calls = []
        self.effect = effect
        self.sigmask = 0

    def passthrough(self, name, *args):
        self.calls.append((name, *args))
        return self.effect(self, name, args) if self.effect else 0


def call(p, name, *args):
    return HANDLERS[name](p, *args, *(0,) * (6 - len(args)))


def test_registered():
    for n in ("socketcall", "ipc", "select", "readdir", "waitpid", "time", "stime", "alarm",
              "utime", "umount", "sgetmask", "ssetmask", "oldstat", "oldlstat", "oldfstat",
              "olduname", "oldolduname", "getrlimit"):
        assert HANDLERS[n].__module__ == "fexlite.legacy", n


# ------------------------------------------------------------------ socketcall
@pytest.mark.parametrize("sys_nr, words, expect", [
    (1, (2, 1, 0), ("socket", 2, 1, 0)),
    (2, (3, 0x11000, 16), ("bind", 3, 0x11000, 16)),
    (3, (3, 0x11000, 16), ("connect", 3, 0x11000, 16)),
    (4, (3, 5), ("listen", 3, 5)),
    (5, (3, 0x11000, 0x11100), ("accept4", 3, 0x11000, 0x11100, 0)),
    (6, (3, 0x11000, 0x11100), ("getsockname", 3, 0x11000, 0x11100)),
    (7, (3, 0x11000, 0x11100), ("getpeername", 3, 0x11000, 0x11100)),
    (8, (1, 1, 0, 0x11000), ("socketpair", 1, 1, 0, 0x11000)),
    (9, (3, 0x11000, 5, 0x40), ("sendto", 3, 0x11000, 5, 0x40, 0, 0)),
    (10, (3, 0x11000, 5, 0x40), ("recvfrom", 3, 0x11000, 5, 0x40, 0, 0)),
    (11, (3, 0x11000, 5, 0, 0x11100, 16), ("sendto", 3, 0x11000, 5, 0, 0x11100, 16)),
    (12, (3, 0x11000, 5, 0, 0x11100, 0x11200), ("recvfrom", 3, 0x11000, 5, 0, 0x11100, 0x11200)),
    (13, (3, 2), ("shutdown", 3, 2)),
    (14, (3, 1, 2, 0x11000, 4), ("setsockopt", 3, 1, 2, 0x11000, 4)),
    (15, (3, 1, 2, 0x11000, 0x11100), ("getsockopt", 3, 1, 2, 0x11000, 0x11100)),
    (16, (3, 0x11000, 0), ("sendmsg", 3, 0x11000, 0)),
    (17, (3, 0x11000, 0), ("recvmsg", 3, 0x11000, 0)),
    (18, (3, 0, 0, 0x80000), ("accept4", 3, 0, 0, 0x80000)),
    (19, (3, 0x11000, 2, 0, 0), ("recvmmsg", 3, 0x11000, 2, 0, 0)),
    (20, (3, 0x11000, 2, 0), ("sendmmsg", 3, 0x11000, 2, 0)),
])
def test_socketcall_demux(sys_nr, words, expect):
    p = FakeProc()
    p.space.write(0x20000, struct.pack(f"<{len(words)}I", *words))
    call(p, "socketcall", sys_nr, 0x20000)
    assert p.calls == [expect]


def test_socketcall_bad():
    p = FakeProc()
    assert call(p, "socketcall", 21, 0x20000) == -errno.EINVAL
    with pytest.raises(GuestFault):                  # the dispatcher turns it into -EFAULT
        HANDLERS["socketcall"](p, 1, 0x9000, 0, 0, 0, 0)


# ------------------------------------------------------------------ ipc
def test_ipc_demux():
    p = FakeProc()
    p.space.write(0x20000, struct.pack("<I", 0x30000))            # semun for SEMCTL
    p.space.write(0x20010, struct.pack("<Ii", 0x31000, 7))         # ipc_kludge
    p.space.write(0x20020, struct.pack("<ii", 2, 500))            # old timespec
    call(p, "ipc", 1, 5, 2, 0, 0x21000)                            # SEMOP
    call(p, "ipc", 2, 0x1234, 3, 0o600)                           # SEMGET
    call(p, "ipc", 3, 5, 0, 0x102, 0x20000)                       # SEMCTL
    call(p, "ipc", 4, 5, 2, 0, 0x21000, 0x20020)                  # SEMTIMEDOP
    call(p, "ipc", 11, 6, 10, 0, 0x22000)                         # MSGSND
    call(p, "ipc", 12, 6, 10, 0o4000, 0x20010)                    # MSGRCV v0 (kludge)
    call(p, "ipc", 12 | 1 << 16, 6, 10, 0, 0x22000, 9)            # MSGRCV v1
    call(p, "ipc", 13, 0x42, 0o1600)                              # MSGGET
    call(p, "ipc", 14, 6, 0x102, 0, 0x22000)                      # MSGCTL
    call(p, "ipc", 23, 0x42, 4096, 0o1600)                        # SHMGET
    call(p, "ipc", 24, 8, 0x102, 0, 0x22000)                      # SHMCTL
    assert p.calls == [
        ("semtimedop_time64", 5, 0x21000, 2, 0),
        ("semget", 0x1234, 3, 0o600),
        ("semctl", 5, 0, 0x102, 0x30000),
        ("semtimedop_time64", 5, 0x21000, 2, SCRATCH),
        ("msgsnd", 6, 0x22000, 10, 0),
        ("msgrcv", 6, 0x31000, 10, 7, 0o4000),
        ("msgrcv", 6, 0x22000, 10, 9, 0),
        ("msgget", 0x42, 0o1600),
        ("msgctl", 6, 0x102, 0x22000),
        ("shmget", 0x42, 4096, 0o1600),
        ("shmctl", 8, 0x102, 0x22000),
    ]
    assert p.space.read(SCRATCH, 16) == struct.pack("<qq", 2, 500)


def test_ipc_shmat_not_supported_yet(capsys):
    p = FakeProc()
    assert call(p, "ipc", 21, 8, 0, 0x20000, 0) == -errno.ENOSYS
    assert "not supported yet" in capsys.readouterr().err
    assert call(p, "ipc", 99) == -errno.ENOSYS and p.calls == []


# ------------------------------------------------------------------ old select, readdir, waitpid
def test_old_select():
    p = FakeProc()
    p.space.write(0x20000, struct.pack("<5I", 4, 0x21000, 0, 0x22000, 0x23000))
    call(p, "select", 0x20000)
    assert p.calls == [("_newselect", 4, 0x21000, 0, 0x22000, 0x23000)]


def dirent64(ino, off, name, dtype=8):
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", ino, off, reclen, dtype) + name.ljust(reclen - 19, b"\0")


def test_readdir_one_entry_then_seek():
    def effect(p, name, args):
        if name == "getdents64":
            data = dirent64(77, 0x1_0000_0005, b"first") + dirent64(78, 9, b"second")
            p.space.write(args[1], data)
            return len(data)
        return 0
    p = FakeProc(effect)
    assert call(p, "readdir", 3, 0x20000, 1) == 1
    assert p.calls[0] == ("getdents64", 3, SCRATCH, 4096)
    assert p.calls[1] == ("_llseek", 3, 1, 5, SCRATCH + 4096, 0)
    assert p.space.read(0x20000, 16) == struct.pack("<IIH", 77, 5, 5) + b"first\0"


def test_readdir_end_and_overflow():
    p = FakeProc(lambda p, n, a: 0)
    assert call(p, "readdir", 3, 0x20000, 1) == 0

    def big(p, name, args):
        d = dirent64(1 << 40, 1, b"x")
        p.space.write(args[1], d)
        return len(d)
    assert call(FakeProc(big), "readdir", 3, 0x20000, 1) == -errno.EOVERFLOW


def test_waitpid_umount():
    p = FakeProc()
    call(p, "waitpid", 0xFFFFFFFF, 0x20000, 1)
    call(p, "umount", 0x21000)
    assert p.calls == [("wait4", 0xFFFFFFFF, 0x20000, 1, 0), ("umount2", 0x21000, 0)]


# ------------------------------------------------------------------ time
def test_time_stores_and_returns_seconds():
    def effect(p, name, args):
        p.space.write(args[0], struct.pack("<ii", 1700000000, 123))
        return 0
    p = FakeProc(effect)
    assert call(p, "time", 0x20000) == 1700000000
    assert p.calls == [("gettimeofday", SCRATCH, 0)]
    assert p.space.read_u32(0x20000) == 1700000000
    assert call(p, "time", 0) == 1700000000


def test_stime_and_utime():
    p = FakeProc()
    p.space.write(0x20000, struct.pack("<I", 1000))
    call(p, "stime", 0x20000)
    assert p.calls[-1] == ("settimeofday", SCRATCH, 0)
    assert p.space.read(SCRATCH, 8) == struct.pack("<II", 1000, 0)
    p.space.write(0x20010, struct.pack("<ii", 11, 22))
    call(p, "utime", 0x21000, 0x20010)
    assert p.calls[-1] == ("utimes", 0x21000, SCRATCH)
    assert p.space.read(SCRATCH, 16) == struct.pack("<4i", 11, 0, 22, 0)
    call(p, "utime", 0x21000, 0)
    assert p.calls[-1] == ("utimes", 0x21000, 0)


@pytest.mark.parametrize("old, expect", [((0, 0), 0), ((3, 400000), 3), ((3, 500000), 4),
                                          ((0, 1), 1)])
def test_alarm_is_setitimer_with_kernel_rounding(old, expect):
    def effect(p, name, args):
        p.space.write(args[2], struct.pack("<4i", 0, 0, *old))
        return 0
    p = FakeProc(effect)
    assert call(p, "alarm", 10) == expect
    assert p.calls == [("setitimer", 0, SCRATCH, SCRATCH + 16)]
    assert p.space.read(SCRATCH, 16) == struct.pack("<4I", 0, 0, 10, 0)


# ------------------------------------------------------------------ signal mask
def test_sgetmask_ssetmask():
    p = FakeProc()
    p.sigmask = 0x1_0000_0002
    assert call(p, "sgetmask") == 2
    assert call(p, "ssetmask", 0xFFFFFFFF) == 2
    assert p.sigmask == 0x1_0000_0000 | (0xFFFFFFFF & ~((1 << 8) | (1 << 18)))
    assert p.calls == []


# ------------------------------------------------------------------ oldstat family
def stat64_bytes(**over):
    v = {"st_dev": 0x803, "st_mode": 0o100644, "st_nlink": 1, "st_uid": 70000, "st_gid": 5,
         "st_rdev": 0x10401, "st_size": 1234, "st_atime": 10, "st_mtime": 20, "st_ctime": 30,
         "st_ino": 99}
    v.update(over)
    return L.pack("i386", "stat64", v)


def test_stat64_struct_matches_layout():
    assert legacy.STAT64.size == L.layout("i386", "stat64").size
    assert legacy.OLD_STAT.size == L.layout("i386", "__old_kernel_stat").size


@pytest.mark.parametrize("name, target, first", [("oldstat", "stat64", 0x21000),
                                                 ("oldlstat", "lstat64", 0x21000),
                                                 ("oldfstat", "fstat64", 3)])
def test_oldstat_family(name, target, first):
    def effect(p, n, args):
        p.space.write(args[1], stat64_bytes())
        return 0
    p = FakeProc(effect)
    assert call(p, name, first, 0x20000) == 0
    assert p.calls == [(target, first, SCRATCH)]
    got = L.unpack("i386", "__old_kernel_stat", p.space.read(0x20000, 32))
    assert got == {"st_dev": 0x0803, "st_ino": 99, "st_mode": 0o100644, "st_nlink": 1,
                   "st_uid": 65534, "st_gid": 5, "st_rdev": 0x0401, "st_size": 1234,
                   "st_atime": 10, "st_mtime": 20, "st_ctime": 30}


@pytest.mark.parametrize("over", [{"st_ino": 0x10000}, {"st_size": 1 << 31}, {"st_nlink": 70000}])
def test_oldstat_overflow(over):
    def effect(p, n, args):
        p.space.write(args[1], stat64_bytes(**over))
        return 0
    p = FakeProc(effect)
    assert call(p, "oldstat", 0x21000, 0x20000) == -errno.EOVERFLOW
    assert p.space.read(0x20000, 32) == bytes(32)


def test_oldstat_error_passes_through():
    p = FakeProc(lambda p, n, a: -errno.ENOENT)
    assert call(p, "oldstat", 0x21000, 0x20000) == -errno.ENOENT


# ------------------------------------------------------------------ uname, rlimit
def uts():
    return b"".join(s.ljust(65, b"\0") for s in (b"Linux", b"hostname-longer", b"6.1.0-rc",
                                                 b"#1 SMP", b"x86_64", b"(none)"))


def test_olduname_and_oldolduname():
    def effect(p, n, args):
        p.space.write(args[0], uts())
        return 0
    p = FakeProc(effect)
    assert call(p, "olduname", 0x20000) == 0
    assert p.space.read(0x20000, 325) == uts()[:325]
    assert call(p, "oldolduname", 0x21000) == 0
    assert p.space.read(0x21000, 45) == (b"Linux\0\0\0\0" + b"hostname\0" + b"6.1.0-rc\0" +
                                         b"#1 SMP\0\0\0" + b"x86_64\0\0\0")
    assert p.calls == [("uname", SCRATCH), ("uname", SCRATCH)]


def test_getrlimit_clamps():
    def effect(p, n, args):
        p.space.write(args[1], struct.pack("<II", 0xFFFFFFFF, 1024))
        return 0
    p = FakeProc(effect)
    assert call(p, "getrlimit", 7, 0x20000) == 0
    assert p.calls == [("ugetrlimit", 7, SCRATCH)]
    assert p.space.read(0x20000, 8) == struct.pack("<II", 0x7FFFFFFF, 1024)


# ------------------------------------------------------------------ readdir on a real directory
class RawSpace:
    """This process's memory, guest-style (pointers below 4 GiB from test_translate.buf)."""

    def __init__(self):
        from test_translate import buf
        self._scratch = buf(8192)

    @staticmethod
    def read(addr, n):
        from fexlite.translate import raw_read
        return raw_read(addr, n)

    @staticmethod
    def write(addr, data):
        from fexlite.translate import raw_write
        raw_write(addr, data)

    def read_u32(self, addr):
        return int.from_bytes(self.read(addr, 4), "little")

    def scratch(self, size):
        return self._scratch


@pytest.mark.parametrize("route", ["native", "compat-emulated"])
def test_readdir_lists_a_real_directory_on_64_bit_routes(route, tmp_path):
    """Old readdir over the routes' getdents64 + _llseek: every entry once, with the
    32-bit offsets the routes give (ext4's 64-bit hash offsets are cookies)."""
    import os
    from fexlite import backends as B, host, translate as T
    from test_translate import HostMem, buf, low_arena
    names = {f"n{i:02d}".encode() for i in range(25)} | {b".", b".."}
    for n in names - {b".", b".."}:
        (tmp_path / n.decode()).write_bytes(b"")
    if route == "native":
        tr = T.Translator("i386", B.host_abi(), HostMem, T.host_arena(),
                          lambda nr, regs: host.syscall64(nr, *regs))
    else:
        emu = B.Emulated()
        emu.bind_memory(HostMem)
        tr = T.Translator("i386", "arm32", HostMem, low_arena(), emu.call)

    class Proc:
        space = RawSpace()

        def passthrough(self, name, *args):
            return tr.plan(name).call(*args, *(0,) * (6 - len(args)))
    p = Proc()
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    seen, ent = [], buf(300)
    try:
        while True:
            r = call(p, "readdir", fd, ent, 1)
            assert r in (0, 1), r
            if r == 0:
                break
            _ino, off, namlen = struct.unpack("<IIH", T.raw_read(ent, 10))
            assert off < 0x80000000
            seen.append(T.raw_read(ent + 10, namlen))
    finally:
        os.close(fd)
    assert sorted(seen) == sorted(names)
