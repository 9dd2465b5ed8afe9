"""The i386 personality's old and multiplexed calls, on every route.

socketcall and ipc are demultiplexed into i386's direct calls; the old forms (select,
readdir, waitpid, time, stime, alarm, utime, umount, sgetmask/ssetmask, the oldstat
family, olduname/oldolduname, getrlimit) are rebuilt on their modern i386 equivalents.
Every handler issues i386 calls by name through proc.passthrough, so the active route
(compat, native, passthrough) translates what they emit like any other call; none of
these needs the target ABI to have the old call.
"""
from __future__ import annotations

import errno as E
import struct
import sys

from .personality import emulates

M32 = 0xFFFFFFFF


def s32(x: int) -> int:
    x &= M32
    return x - 0x100000000 if x & 0x80000000 else x


def _scratch(p, size: int) -> int:
    return p.space.scratch(size)


def _warn(what: str) -> None:
    print(f"fexlite: {what}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ socketcall
# SYS_* number -> (argument count, i386 call, how the arguments map)
SOCKETCALLS = {
    1: (3, "socket", None), 2: (3, "bind", None), 3: (3, "connect", None),
    4: (2, "listen", None), 5: (3, "accept4", lambda a: (*a, 0)),
    6: (3, "getsockname", None), 7: (3, "getpeername", None), 8: (4, "socketpair", None),
    9: (4, "sendto", lambda a: (*a, 0, 0)), 10: (4, "recvfrom", lambda a: (*a, 0, 0)),
    11: (6, "sendto", None), 12: (6, "recvfrom", None), 13: (2, "shutdown", None),
    14: (5, "setsockopt", None), 15: (5, "getsockopt", None), 16: (3, "sendmsg", None),
    17: (3, "recvmsg", None), 18: (4, "accept4", None), 19: (5, "recvmmsg", None),
    20: (4, "sendmmsg", None),
}


@emulates("socketcall")
def sys_socketcall(p, call, args, *_):
    entry = SOCKETCALLS.get(call)
    if entry is None:
        return -E.EINVAL
    n, name, remap = entry
    a = struct.unpack(f"<{n}I", p.space.read(args, 4 * n))
    if remap is not None:
        a = remap(a)
    return p.passthrough(name, *a)


# ------------------------------------------------------------------ ipc
SEMOP, SEMGET, SEMCTL, SEMTIMEDOP = 1, 2, 3, 4
MSGSND, MSGRCV, MSGGET, MSGCTL = 11, 12, 13, 14
SHMAT, SHMDT, SHMGET, SHMCTL = 21, 22, 23, 24


def _timespec64(p, ts: int) -> int:
    """An old 32-bit timespec -> a __kernel_timespec in scratch (0 stays NULL)."""
    if not ts:
        return 0
    sec, nsec = struct.unpack("<ii", p.space.read(ts, 8))
    q = _scratch(p, 16)
    p.space.write(q, struct.pack("<qq", sec, nsec))
    return q


def _ipc_sem(p, call, first, second, third, ptr, fifth):
    if call == SEMOP:
        return p.passthrough("semtimedop_time64", first, ptr, second, 0)
    if call == SEMTIMEDOP:
        return p.passthrough("semtimedop_time64", first, ptr, second, _timespec64(p, fifth))
    if call == SEMGET:
        return p.passthrough("semget", first, second, third)
    if not ptr:
        return -E.EINVAL
    return p.passthrough("semctl", first, second, third, p.space.read_u32(ptr))


def _ipc_msg(p, call, first, second, third, ptr, fifth, version):
    if call == MSGSND:
        return p.passthrough("msgsnd", first, ptr, second, third)
    if call == MSGRCV:
        if version == 0:
            if not ptr:
                return -E.EINVAL
            msgp, msgtyp = struct.unpack("<Ii", p.space.read(ptr, 8))     # struct ipc_kludge
            return p.passthrough("msgrcv", first, msgp, second, msgtyp & M32, third)
        return p.passthrough("msgrcv", first, ptr, second, fifth, third)
    if call == MSGGET:
        return p.passthrough("msgget", first, second)
    return p.passthrough("msgctl", first, second, ptr)


def _ipc_shm(p, call, first, second, third, ptr, fifth, version):
    if call == SHMGET:
        return p.passthrough("shmget", first, second, third)
    if call == SHMCTL:
        return p.passthrough("shmctl", first, second, ptr)
    # SHMAT (v0 stores the address through *third) and SHMDT need the attached segment
    # mapped into the guest address space and Unicorn: not built yet.
    _warn(f"ipc({'SHMAT' if call == SHMAT else 'SHMDT'}): shared memory attach needs "
          "guest memory bookkeeping, not supported yet")
    return -E.ENOSYS


IPC_GROUPS = {SEMOP: "sem", SEMGET: "sem", SEMCTL: "sem", SEMTIMEDOP: "sem",
              MSGSND: "msg", MSGRCV: "msg", MSGGET: "msg", MSGCTL: "msg",
              SHMAT: "shm", SHMDT: "shm", SHMGET: "shm", SHMCTL: "shm"}


@emulates("ipc")
def sys_ipc(p, call, first, second, third, ptr, fifth):
    version, call = call >> 16, call & 0xFFFF
    group = IPC_GROUPS.get(call)
    if group is None:
        return -E.ENOSYS
    if group == "sem":
        return _ipc_sem(p, call, first, second, third, ptr, fifth)
    if group == "msg":
        return _ipc_msg(p, call, first, second, third, ptr, fifth, version)
    return _ipc_shm(p, call, first, second, third, ptr, fifth, version)


@emulates("shmat", "shmdt")
def sys_shm_attach(p, *_):
    _warn("shmat/shmdt: shared memory attach needs guest memory bookkeeping, "
          "not supported yet")
    return -E.ENOSYS


# ------------------------------------------------------------------ old select, readdir
@emulates("select")
def sys_old_select(p, argp, *_):
    """i386's old select takes one pointer to struct sel_arg_struct (5 words)."""
    n, inp, outp, exp, tvp = struct.unpack("<5I", p.space.read(argp, 20))
    return p.passthrough("_newselect", n, inp, outp, exp, tvp)


SEEK_SET = 0


@emulates("readdir")
def sys_readdir(p, fd, dirp, count, *_):
    """One old_linux_dirent {d_ino, d_offset, d_namlen, d_name} per call: 1, or 0 at the
    end.  Read with getdents64, then seek to just after the entry returned."""
    buf = _scratch(p, 4096 + 8)
    r = p.passthrough("getdents64", fd, buf, 4096)
    if r <= 0:
        return r
    ino, off, reclen, _type = struct.unpack("<QqHB", p.space.read(buf, 19))
    name = p.space.read(buf + 19, reclen - 19).split(b"\0", 1)[0]
    if ino > M32:
        return -E.EOVERFLOW
    if reclen < r:
        res = buf + 4096
        rc = p.passthrough("_llseek", fd, (off >> 32) & M32, off & M32, res, SEEK_SET)
        if rc < 0:
            return rc
    p.space.write(dirp, struct.pack("<IIH", ino, off & M32, len(name)) + name + b"\0")
    return 1


# ------------------------------------------------------------------ processes and time
@emulates("waitpid")
def sys_waitpid(p, pid, status, options, *_):
    return p.passthrough("wait4", pid, status, options, 0)


@emulates("time")
def sys_time(p, tloc, *_):
    tv = _scratch(p, 8)
    r = p.passthrough("gettimeofday", tv, 0)
    if r < 0:
        return r
    sec = p.space.read_u32(tv)
    if tloc:
        p.space.write(tloc, struct.pack("<I", sec))
    return s32(sec)


@emulates("stime")
def sys_stime(p, tptr, *_):
    sec = p.space.read_u32(tptr)
    tv = _scratch(p, 8)
    p.space.write(tv, struct.pack("<II", sec, 0))
    return p.passthrough("settimeofday", tv, 0)


ITIMER_REAL = 0


@emulates("alarm")
def sys_alarm(p, seconds, *_):
    """setitimer(ITIMER_REAL, {{0, 0}, {s, 0}}); the old value's seconds, rounded as the
    kernel's alarm_setitimer does (>= 0.5 s up, and never 0 while an alarm is pending)."""
    q = _scratch(p, 32)
    secs = seconds & M32
    if secs > 0x7FFFFFFF:                    # the kernel clamps to INT_MAX on 32-bit
        secs = 0x7FFFFFFF
    p.space.write(q, struct.pack("<4I", 0, 0, secs, 0))
    r = p.passthrough("setitimer", ITIMER_REAL, q, q + 16)
    if r < 0:
        return r
    _i_s, _i_us, sec, usec = struct.unpack("<4i", p.space.read(q + 16, 16))
    if (not sec and usec) or usec >= 500000:
        sec += 1
    return sec


@emulates("utime")
def sys_utime(p, filename, times, *_):
    if not times:
        return p.passthrough("utimes", filename, 0)
    actime, modtime = struct.unpack("<ii", p.space.read(times, 8))
    tv = _scratch(p, 16)
    p.space.write(tv, struct.pack("<iiii", actime, 0, modtime, 0))
    return p.passthrough("utimes", filename, tv)


@emulates("umount")
def sys_umount(p, target, *_):
    return p.passthrough("umount2", target, 0)


# ------------------------------------------------------------------ signal mask (old)
_UNBLOCKABLE = ~((1 << 8) | (1 << 18))        # SIGKILL (9) and SIGSTOP (19) bits


@emulates("sgetmask")
def sys_sgetmask(p, *_):
    return s32(p.sigmask & M32)


@emulates("ssetmask")
def sys_ssetmask(p, newmask, *_):
    old = p.sigmask & M32
    p.sigmask = ((p.sigmask & ~M32) | (newmask & M32)) & _UNBLOCKABLE
    return s32(old)


# ------------------------------------------------------------------ oldstat family
STAT64 = struct.Struct("<Q4xIIIIIQ4xqIQIIIIIIQ")   # i386 struct stat64, 96 bytes
OLD_STAT = struct.Struct("<7H2x4I")                   # i386 __old_kernel_stat, 32 bytes
MAX_NON_LFS = 0x7FFFFFFF


def old_encode_dev(dev: int) -> int:
    major, minor = (dev >> 8) & 0xFFF, (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    return ((major << 8) | minor) & 0xFFFF


def _high2low(v: int) -> int:
    return 65534 if v > 0xFFFF else v


def old_stat_from_stat64(data: bytes) -> bytes | int:
    """__old_kernel_stat from an i386 stat64, as the kernel's cp_old_stat: -EOVERFLOW
    when the inode, link count or size does not fit."""
    (dev, _ino32, mode, nlink, uid, gid, rdev, size, _blksize, _blocks,
     atime, _atn, mtime, _mtn, ctime, _ctn, ino) = STAT64.unpack(data)
    if ino > 0xFFFF or nlink > 0xFFFF or size > MAX_NON_LFS:
        return -E.EOVERFLOW
    return OLD_STAT.pack(old_encode_dev(dev), ino, mode & 0xFFFF, nlink, _high2low(uid),
                         _high2low(gid), old_encode_dev(rdev), size, atime, mtime, ctime)


def _oldstat(p, call: str, what: int, buf: int) -> int:
    q = _scratch(p, STAT64.size)
    r = p.passthrough(call, what, q)
    if r < 0:
        return r
    out = old_stat_from_stat64(p.space.read(q, STAT64.size))
    if isinstance(out, int):
        return out
    p.space.write(buf, out)
    return 0


@emulates("oldstat")
def sys_oldstat(p, path, buf, *_):
    return _oldstat(p, "stat64", path, buf)


@emulates("oldlstat")
def sys_oldlstat(p, path, buf, *_):
    return _oldstat(p, "lstat64", path, buf)


@emulates("oldfstat")
def sys_oldfstat(p, fd, buf, *_):
    return _oldstat(p, "fstat64", fd, buf)


# ------------------------------------------------------------------ uname, rlimit
UTS_LEN = 65
OLD_UTS_LEN = 8


def _uname_fields(p) -> list[bytes] | int:
    """The five 65-byte fields of new_utsname, or -errno."""
    q = _scratch(p, 6 * UTS_LEN)
    r = p.passthrough("uname", q)
    if r < 0:
        return r
    new = p.space.read(q, 5 * UTS_LEN)
    return [new[i * UTS_LEN:(i + 1) * UTS_LEN] for i in range(5)]


@emulates("olduname")
def sys_olduname(p, buf, *_):
    """old_utsname: the first five fields of new_utsname."""
    if not buf:
        return -E.EFAULT
    fields = _uname_fields(p)
    if isinstance(fields, int):
        return fields
    p.space.write(buf, b"".join(fields))
    return 0


@emulates("oldolduname")
def sys_oldolduname(p, buf, *_):
    """oldold_utsname: five 9-byte fields, each the first 8 bytes and a NUL."""
    if not buf:
        return -E.EFAULT
    fields = _uname_fields(p)
    if isinstance(fields, int):
        return fields
    p.space.write(buf, b"".join(f[:OLD_UTS_LEN] + b"\0" for f in fields))
    return 0


@emulates("getrlimit")
def sys_getrlimit(p, resource, rlim, *_):
    """Old getrlimit: ugetrlimit with both values clamped to 0x7fffffff."""
    q = _scratch(p, 8)
    r = p.passthrough("ugetrlimit", resource, q)
    if r < 0:
        return r
    cur, mx = struct.unpack("<II", p.space.read(q, 8))
    p.space.write(rlim, struct.pack("<II", min(cur, 0x7FFFFFFF), min(mx, 0x7FFFFFFF)))
    return 0
