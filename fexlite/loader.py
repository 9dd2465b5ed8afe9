"""Map a validated ELF32 into the guest address space and build the initial stack
the way the kernel's load_elf_binary()/create_elf_tables() do."""
import os
import struct
from dataclasses import dataclass

from .elf import Elf32, ET_DYN, PF_R, PF_W, PF_X
from .memory import PAGE, STACK_SIZE, STACK_TOP, page_down, page_up
from .host import PROT_READ, PROT_WRITE, PROT_EXEC

ET_DYN_BASE = 0x56555000      # where a static-PIE lands (no randomisation)

AT = dict(NULL=0, PHDR=3, PHENT=4, PHNUM=5, PAGESZ=6, BASE=7, FLAGS=8, ENTRY=9, UID=11,
          EUID=12, GID=13, EGID=14, PLATFORM=15, HWCAP=16, CLKTCK=17, SECURE=23, RANDOM=25,
          HWCAP2=26, EXECFN=31, MINSIGSTKSZ=51)
PLATFORM = b"i686"
# CPUID.1:EDX of the emulated CPU: what the kernel reports as ELF_HWCAP.
HWCAP = 0x078BFBFF
MINSIGSTKSZ = 2048


@dataclass
class Image:
    entry: int
    sp: int
    brk: int
    phdr: int
    load_bias: int
    argv: list          # what /proc/self/cmdline shows
    auxv: bytes         # what /proc/self/auxv shows


def _prot(flags: int) -> int:
    return ((PROT_READ if flags & PF_R else 0) | (PROT_WRITE if flags & PF_W else 0)
            | (PROT_EXEC if flags & PF_X else 0))


def map_segments(space, elf: Elf32, base: int = ET_DYN_BASE) -> tuple[int, int]:
    """Returns (load_bias, end of the highest segment). An ET_DYN object is placed at
    BASE, or wherever the allocator finds room when BASE is None (the interpreter)."""
    bias = 0
    if elf.type == ET_DYN:
        lo = page_down(min(s.vaddr for s in elf.loads))
        span = page_up(max(s.vaddr + s.memsz for s in elf.loads)) - lo
        start = base if base is not None else space.find_free(span)
        if start is None:
            raise MemoryError(f"no room for {elf.path}")
        bias = start - lo
    # Map every page any segment touches writable, copy, then apply final protections;
    # two segments may share a page (its protections are merged).
    pages: dict[int, int] = {}
    for s in elf.loads:
        for p in range(page_down(bias + s.vaddr), page_up(bias + s.vaddr + s.memsz), PAGE):
            pages[p] = pages.get(p, 0) | _prot(s.flags)
    for start, end in _runs(sorted(pages)):
        rc = space.map_anon(start, end - start, PROT_READ | PROT_WRITE, os.path.basename(elf.path))
        if rc < 0:
            raise MemoryError(f"cannot map segment at {start:#x}")
    for s in elf.loads:
        space.write(bias + s.vaddr, elf.data[s.offset:s.offset + s.filesz])
    for start, end, prot in _prot_runs(pages):
        space.protect(start, end - start, prot)
    end = max(bias + s.vaddr + s.memsz for s in elf.loads)
    return bias, end


def _prot_runs(pages: dict[int, int]):
    """(start, end, prot) for each run of consecutive pages with the same protection."""
    run = None
    for p in sorted(pages):
        if run and p == run[1] and pages[p] == run[2]:
            run[1] = p + PAGE
            continue
        if run:
            yield tuple(run)
        run = [p, p + PAGE, pages[p]]
    if run:
        yield tuple(run)


def _runs(pages):
    start = prev = None
    for p in pages:
        if start is None:
            start = prev = p
        elif p == prev + PAGE:
            prev = p
        else:
            yield start, prev + PAGE
            start = prev = p
    if start is not None:
        yield start, prev + PAGE


def build_stack(space, elf: Elf32, bias: int, argv: list[bytes], envp: list[bytes],
                execfn: bytes, interp_base: int = 0) -> tuple[int, bytes]:
    """Strings at the top, then platform, AT_RANDOM bytes, then argc/argv/envp/auxv
    with the final sp 16-byte aligned; returns sp and the auxv bytes."""
    prot = PROT_READ | PROT_WRITE | (PROT_EXEC if elf.exec_stack else 0)
    space.map_anon(STACK_TOP - STACK_SIZE, STACK_SIZE, prot, "[stack]")
    p = STACK_TOP - 4

    def push_bytes(b: bytes) -> int:
        nonlocal p
        p -= len(b)
        space.write(p, b)
        return p

    execfn_addr = push_bytes(execfn + b"\0")
    env_addrs = [push_bytes(e + b"\0") for e in reversed(envp)][::-1]
    arg_addrs = [push_bytes(a + b"\0") for a in reversed(argv)][::-1]
    p &= ~15
    platform = push_bytes(PLATFORM + b"\0")
    random_addr = push_bytes(os.urandom(16))
    auxv = [
        (AT["HWCAP"], HWCAP), (AT["PAGESZ"], PAGE), (AT["CLKTCK"], 100),
        (AT["PHDR"], bias + elf.phdr_vaddr()), (AT["PHENT"], elf.phentsize),
        (AT["PHNUM"], len(elf.segments)), (AT["BASE"], interp_base), (AT["FLAGS"], 0),
        (AT["ENTRY"], bias + elf.entry), (AT["UID"], os.getuid()), (AT["EUID"], os.geteuid()),
        (AT["GID"], os.getgid()), (AT["EGID"], os.getegid()), (AT["SECURE"], 0),
        (AT["RANDOM"], random_addr), (AT["HWCAP2"], 0), (AT["EXECFN"], execfn_addr),
        (AT["PLATFORM"], platform), (AT["MINSIGSTKSZ"], MINSIGSTKSZ), (AT["NULL"], 0),
    ]
    words = [len(argv), *arg_addrs, 0, *env_addrs, 0, *(x for pair in auxv for x in pair)]
    sp = (p - 4 * len(words)) & ~15
    space.write(sp, struct.pack(f"<{len(words)}I", *words))
    return sp, struct.pack(f"<{2 * len(auxv)}I", *(x for pair in auxv for x in pair))


def load(space, elf: Elf32, argv: list[bytes], envp: list[bytes], execfn: bytes,
         interp: Elf32 | None = None) -> Image:
    """The program, and for a dynamic one its interpreter (ld.so), which then starts
    first with AT_BASE naming where it is and AT_ENTRY the program's entry."""
    bias, end = map_segments(space, elf)
    brk = page_up(end)
    space.brk_start = space.brk = brk
    interp_bias = map_segments(space, interp, base=None)[0] if interp is not None else 0
    sp, auxv = build_stack(space, elf, bias, argv, envp, execfn,
                           interp_bias if interp is not None else 0)
    entry = interp_bias + interp.entry if interp is not None else bias + elf.entry
    return Image(entry, sp, brk, bias + elf.phdr_vaddr(), bias, argv, auxv)
