#!/usr/bin/env python3
"""Struct layout oracle: measures every catalogue struct with the real compilers.

One C file per ABI includes the kernel UAPI headers (plus a few declarations of our
own for structs the headers do not export, each naming the kernel file it mirrors),
and stores sizeof/_Alignof of every struct and offsetof/sizeof of every field in a
const integer array.  The file is compiled with `-c` only (never run) by
gcc -m32, arm-linux-gnueabihf-gcc, gcc and aarch64-linux-gnu-gcc, and the array is read
back from the object's .rodata with pyelftools.  Field names never enter the object
(no string table, no relocations): Python emits the records and reads them back in
the same order.

Output: {abi: {struct: {"size", "align", "fields": {name: (offset, size)}}}}, plus
"__kinds__" (size/align of each scalar kind) and "__constants__" ({name: value}).

    python tools/struct_oracle.py [--json FILE] [--abi ABI ...] [--write-constants]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fexlite import layout as L  # noqa: E402

COMPILERS = {
    "i386": ["gcc", "-m32"],
    "arm32": ["arm-linux-gnueabihf-gcc"],
    "x86_64": ["gcc"],
    "aarch64": ["aarch64-linux-gnu-gcc"],
}

HEADERS = """
#include <linux/types.h>
#include <linux/posix_types.h>
#include <asm/posix_types.h>
#include <linux/stat.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/fcntl.h>
#include <asm/fcntl.h>
#include <linux/eventpoll.h>
#include <linux/time_types.h>
#include <linux/time.h>
#include <linux/timex.h>
#include <linux/utsname.h>
#include <linux/uio.h>
#include <linux/socket.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/un.h>
#include <linux/poll.h>
#include <linux/signal.h>
#include <asm/signal.h>
#include <asm/siginfo.h>
#include <asm/sigcontext.h>
#include <linux/ipc.h>
#include <asm/ipcbuf.h>
#include <asm/sembuf.h>
#include <asm/msgbuf.h>
#include <asm/shmbuf.h>
#include <linux/sem.h>
#include <linux/msg.h>
#include <linux/shm.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <asm/ioctls.h>
#include <linux/quota.h>
#include <linux/futex.h>
#include <linux/aio_abi.h>
#include <linux/sched/types.h>
#include <linux/sched.h>
#include <linux/openat2.h>
#include <linux/mqueue.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/times.h>
#include <linux/utime.h>
#include <linux/rseq.h>
#include <linux/capability.h>
#include <linux/mman.h>
#include <asm/mman.h>
#include <linux/fs.h>
#if defined(__i386__) || defined(__x86_64__)
#include <asm/ldt.h>
#endif
#undef sa_handler
#undef sa_sigaction
"""

# Declarations of our own, for structs the UAPI headers do not export (per ABI).
OWN_DECLS = r"""
/* kernel sigset_t: include/uapi/asm-generic/signal.h, arch/x86/include/asm/signal.h */
typedef struct { unsigned long sig[64 / (8 * sizeof(long))]; } fx_ksigset_t;

/* include/linux/types.h */
struct fx_ustat { __kernel_daddr_t f_tfree; unsigned long f_tinode; char f_fname[6]; char f_fpack[6]; };

/* include/linux/time64.h */
struct fx_timespec64 { __kernel_time64_t tv_sec; long tv_nsec; };
struct fx_itimerspec64 { struct fx_timespec64 it_interval; struct fx_timespec64 it_value; };

/* fs/readdir.c (d_name is variable-length) */
struct fx_linux_dirent { unsigned long d_ino; unsigned long d_off; unsigned short d_reclen; char d_name[1]; };
struct fx_old_linux_dirent { unsigned long d_ino; unsigned long d_offset; unsigned short d_namlen; char d_name[1]; };
/* include/linux/dirent.h */
struct fx_linux_dirent64 { __u64 d_ino; __s64 d_off; unsigned short d_reclen; unsigned char d_type; char d_name[1]; };

/* include/linux/socket.h */
struct fx_user_msghdr { void *msg_name; int msg_namelen; struct iovec *msg_iov; __kernel_size_t msg_iovlen;
                        void *msg_control; __kernel_size_t msg_controllen; unsigned int msg_flags; };
struct fx_mmsghdr { struct fx_user_msghdr msg_hdr; unsigned int msg_len; };
struct fx_cmsghdr { __kernel_size_t cmsg_len; int cmsg_level; int cmsg_type; };
struct fx_sockaddr { __kernel_sa_family_t sa_family; char sa_data[14]; };

/* fs/select.c */
struct fx_sel_arg_struct { unsigned long n; void *inp, *outp, *exp; struct __kernel_old_timeval *tvp; };
/* mm/mmap.c */
struct fx_mmap_arg_struct { unsigned long addr, len, prot, flags, fd, offset; };
/* ipc/syscall.c, include/linux/ipc.h */
struct fx_ipc_kludge { struct msgbuf *msgp; long msgtyp; };

/* include/linux/signal_types.h (every ABI here has SA_RESTORER) */
struct fx_kernel_sigaction { void *sa_handler; unsigned long sa_flags; void *sa_restorer; fx_ksigset_t sa_mask; };
struct fx_old_sigaction { void *sa_handler; unsigned long sa_mask; unsigned long sa_flags; void *sa_restorer; };

#if defined(__arm__) || defined(__aarch64__)
/* arch/x86/include/uapi/asm/ldt.h (not exported on ARM) */
struct user_desc { unsigned int entry_number; unsigned int base_addr; unsigned int limit;
                   unsigned int seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1,
                   seg_not_present:1, useable:1; };
#endif

#if defined(__aarch64__)
/* arch/x86/include/uapi/asm/stat.h, 64-bit branch (arm64 has no old stat) */
struct __old_kernel_stat { unsigned short st_dev, st_ino, st_mode, st_nlink, st_uid, st_gid, st_rdev;
                           unsigned int st_size, st_atime, st_mtime, st_ctime; };
#endif

#if defined(__i386__) || defined(__x86_64__)
/* include/uapi/asm-generic/ucontext.h with the kernel's sigset_t */
struct fx_ucontext { unsigned long uc_flags; struct fx_ucontext *uc_link; stack_t uc_stack;
                     struct sigcontext uc_mcontext; fx_ksigset_t uc_sigmask; };
#elif defined(__arm__)
/* arch/arm/include/asm/ucontext.h */
struct fx_ucontext { unsigned long uc_flags; struct fx_ucontext *uc_link; stack_t uc_stack;
                     struct sigcontext uc_mcontext; fx_ksigset_t uc_sigmask;
                     int __unused[32 - (sizeof(fx_ksigset_t) / sizeof(int))];
                     unsigned long uc_regspace[128] __attribute__((__aligned__(8))); };
#else
/* arch/arm64/include/uapi/asm/ucontext.h */
struct fx_ucontext { unsigned long uc_flags; struct fx_ucontext *uc_link; stack_t uc_stack;
                     fx_ksigset_t uc_sigmask; __u8 __unused[1024 / 8 - sizeof(fx_ksigset_t)];
                     struct sigcontext uc_mcontext; };
#endif
"""

# C type behind each scalar kind of fexlite.layout.ABI_RULES.
KIND_CTYPES = {
    "char": "char", "s8": "signed char", "u8": "unsigned char", "s16": "short",
    "u16": "unsigned short", "s32": "int", "u32": "unsigned int", "s64": "long long",
    "u64": "unsigned long long", "aligned_u64": "__aligned_u64", "long": "long",
    "ulong": "unsigned long", "ptr": "void *", "kernel_long": "__kernel_long_t",
    "kernel_ulong": "__kernel_ulong_t", "time": "__kernel_old_time_t",
    "time64": "__kernel_time64_t", "suseconds": "__kernel_suseconds_t",
    "clock": "__kernel_clock_t", "off": "__kernel_off_t", "loff": "__kernel_loff_t",
    "ino": "__kernel_ino_t", "size_t": "__kernel_size_t", "ssize_t": "__kernel_ssize_t",
    "statfs_word": "__statfs_word", "pid": "__kernel_pid_t", "uid32": "__kernel_uid32_t",
    "uid16": "__kernel_old_uid_t", "uid": "__kernel_uid_t", "mode": "__kernel_mode_t",
    "ipc_pid": "__kernel_ipc_pid_t", "old_dev": "__kernel_old_dev_t", "key": "__kernel_key_t",
    "sigset": "fx_ksigset_t", "old_sigset": "unsigned long",
}

# Macros measured on every ABI (missing ones are recorded as absent).
CONSTANT_NAMES = [
    # open(2) flags
    "O_ACCMODE", "O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_EXCL", "O_NOCTTY",
    "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DSYNC", "FASYNC", "O_DIRECT", "O_LARGEFILE",
    "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC", "__O_SYNC", "O_SYNC", "O_PATH",
    "__O_TMPFILE", "O_TMPFILE", "O_NDELAY",
    # fcntl commands
    "F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK", "F_SETLKW",
    "F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG", "F_GETLK64", "F_SETLK64", "F_SETLKW64",
    "F_SETOWN_EX", "F_GETOWN_EX", "F_GETOWNER_UIDS", "F_OFD_GETLK", "F_OFD_SETLK",
    "F_OFD_SETLKW", "F_DUPFD_CLOEXEC", "F_SETPIPE_SZ", "F_GETPIPE_SZ", "F_LINUX_SPECIFIC_BASE",
    # ioctls
    "TCGETS", "TCSETS", "TCSETSW", "TCSETSF", "TCGETA", "TCSETA", "TIOCGWINSZ", "TIOCSWINSZ",
    "TIOCGPGRP", "TIOCSPGRP", "FIONREAD", "FIONBIO", "FIOCLEX", "FIONCLEX", "FIOASYNC",
    "FIOQSIZE", "TCGETS2", "TCSETS2", "TIOCGPTN", "TIOCSPTLCK", "TIOCGPTPEER",
    "FS_IOC_GETFLAGS", "FS_IOC_SETFLAGS", "FS_IOC_GETVERSION", "FS_IOC32_GETFLAGS",
    "BLKGETSIZE64", "BLKSSZGET", "FIBMAP", "FIGETBSZ", "FICLONE",
    # mmap
    "MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED", "MAP_ANONYMOUS", "MAP_32BIT", "MAP_GROWSDOWN",
    "MAP_DENYWRITE", "MAP_EXECUTABLE", "MAP_LOCKED", "MAP_NORESERVE", "MAP_POPULATE",
    "MAP_NONBLOCK", "MAP_STACK", "MAP_HUGETLB", "MAP_SYNC", "MAP_FIXED_NOREPLACE",
    "MAP_UNINITIALIZED", "PROT_GROWSDOWN", "PROT_GROWSUP", "MCL_CURRENT", "MCL_FUTURE",
    "MCL_ONFAULT",
    # signals
    "SA_NOCLDSTOP", "SA_NOCLDWAIT", "SA_SIGINFO", "SA_ONSTACK", "SA_RESTART", "SA_NODEFER",
    "SA_RESETHAND", "SA_RESTORER", "SA_THIRTYTWO", "MINSIGSTKSZ", "SIGSTKSZ", "SIGBUS",
    "SIGUSR1", "SIGSTKFLT", "SIGCHLD", "SIGSYS", "SIGRTMIN", "_NSIG", "SIG_BLOCK",
    # misc
    "EPOLL_CLOEXEC", "RLIMIT_NOFILE", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_RSS",
    "RLIMIT_MEMLOCK", "IPC_64", "UC_FP_XSTATE",
]

def _oracle_plan(abi: str) -> tuple[list, list]:
    """[(struct, ctype, [(field, expr_or_None)])] for ABI; the kinds list."""
    plan = []
    for name in L.struct_names():
        d = L.decl(abi, name)
        lay = L.layout(abi, name)
        fields = [f.name for f in lay.leaves() if not f.pad]
        plan.append((name, d["c"], fields))
    return plan, sorted(KIND_CTYPES)


def c_source(abi: str) -> str:
    plan, kinds = _oracle_plan(abi)
    out = [f"/* generated by tools/struct_oracle.py for {abi}: DO NOT EDIT */",
           HEADERS, OWN_DECLS,
           "#define OFF(T, m) (long long)__builtin_offsetof(T, m), (long long)sizeof(((T *)0)->m)",
           "const long long fx_layout[] = {"]
    for _name, ctype, fields in plan:
        out.append(f"  (long long)sizeof({ctype}), (long long)_Alignof({ctype}),")
        for f in fields:
            out.append(f"  OFF({ctype}, {f}),")
    for k in kinds:
        ct = KIND_CTYPES[k]
        out.append(f"  (long long)sizeof({ct}), (long long)_Alignof({ct}),")
    out.append("  0 };")
    out.append("const long long fx_consts[] = {")
    for c in CONSTANT_NAMES:
        out.append(f"#ifdef {c}\n  1, (long long)({c}),\n#else\n  0, 0,\n#endif")
    out.append("  0 };")
    return "\n".join(out) + "\n"


def missing_compilers() -> list[str]:
    return [abi for abi, cmd in COMPILERS.items() if shutil.which(cmd[0]) is None]


def _read_array(obj: Path, symbol: str) -> list[int]:
    from elftools.elf.elffile import ELFFile
    with open(obj, "rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        sym = symtab.get_symbol_by_name(symbol)[0]
        sec = elf.get_section(sym["st_shndx"])
        rel = elf.get_section_by_name(".rela" + sec.name) or elf.get_section_by_name(".rel" + sec.name)
        if rel is not None and rel.num_relocations():
            raise RuntimeError(f"{obj}: {sec.name} has relocations; the oracle expects none")
        data = sec.data()[sym["st_value"]:sym["st_value"] + sym["st_size"]]
    return list(struct.unpack(f"<{len(data) // 8}q", data))


def _decode(abi: str, layout_vals: list[int], const_vals: list[int]) -> dict:
    plan, kinds = _oracle_plan(abi)
    it = iter(layout_vals)
    res = {}
    for name, _ctype, fields in plan:
        size, align = next(it), next(it)
        res[name] = {"size": size, "align": align,
                     "fields": {f: (next(it), next(it)) for f in fields}}
    res["__kinds__"] = {k: (next(it), next(it)) for k in kinds}
    consts = {}
    cit = iter(const_vals)
    for c in CONSTANT_NAMES:
        defined, value = next(cit), next(cit)
        if defined:
            consts[c] = value
    res["__constants__"] = consts
    return res


def run(abis=None, workdir: str | None = None) -> dict:
    """Compile and measure; returns {abi: {...}} for ABIs whose compiler exists."""
    abis = [a for a in (abis or L.ABIS) if a not in missing_compilers()]
    tmp = tempfile.mkdtemp(prefix="fx-oracle-", dir=workdir)
    try:
        asm_dir = Path(tmp, "inc")
        asm_dir.mkdir()
        os.symlink("/usr/include/x86_64-linux-gnu/asm", asm_dir / "asm")
        procs = {}
        for abi in abis:
            src = Path(tmp, f"{abi}.c")
            src.write_text(c_source(abi))
            cmd = [*COMPILERS[abi], "-c", "-O0", "-std=gnu11", "-w", "-o", str(src.with_suffix(".o")), str(src)]
            if abi == "i386":
                cmd += ["-idirafter", str(asm_dir)]
            procs[abi] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out = {}
        for abi, p in procs.items():
            _o, err = p.communicate()
            if p.returncode:
                raise RuntimeError(f"{abi}: compile failed:\n{err}")
            obj = Path(tmp, f"{abi}.o")
            out[abi] = _decode(abi, _read_array(obj, "fx_layout"), _read_array(obj, "fx_consts"))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def constants_toml(result: dict) -> str:
    lines = ["# generated by: python tools/struct_oracle.py --write-constants  (DO NOT EDIT)",
             "# Values of each macro from the kernel UAPI headers, per ABI, measured by compiling",
             "# them with gcc -m32, arm-linux-gnueabihf-gcc, gcc and aarch64-linux-gnu-gcc.",
             "# An ABI missing from a table does not define the macro.", ""]
    for c in CONSTANT_NAMES:
        vals = {abi: result[abi]["__constants__"][c] for abi in L.ABIS
                if abi in result and c in result[abi]["__constants__"]}
        if not vals:
            continue
        lines.append(f"[{c}]")
        for abi, v in vals.items():
            lines.append(f"{abi} = {v:#x}" if v >= 0 else f"{abi} = {v}")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="FILE", help="write the result as JSON ('-' for stdout)")
    ap.add_argument("--abi", action="append", choices=L.ABIS)
    ap.add_argument("--write-constants", action="store_true",
                    help="regenerate structs/constants.toml from the compilers")
    ap.add_argument("--source", metavar="ABI", choices=L.ABIS, help="print the C source for ABI")
    args = ap.parse_args(argv)
    if args.source:
        sys.stdout.write(c_source(args.source))
        return 0
    res = run(args.abi)
    if args.write_constants:
        (ROOT / "structs" / "constants.toml").write_text(constants_toml(res))
    if args.json:
        text = json.dumps(res, indent=1, sort_keys=True)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text)
    if not args.json:
        for abi, r in res.items():
            n = sum(1 for k in r if not k.startswith("__kinds__") and k != "__constants__")
            print(f"{abi}: {n} structs, {len(r['__constants__'])} constants measured")
    missing = missing_compilers()
    if missing:
        print(f"skipped (no compiler): {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
