"""ELF32 i386 header and program-header parsing with every check the loader relies on.

Any problem raises FexliteError with a one-line reason; nothing is mapped before
the whole file has been validated.
"""
import os
import struct
from dataclasses import dataclass

from .errors import FexliteError

ET_EXEC, ET_DYN = 2, 3
EM_386 = 3
PT_LOAD, PT_INTERP, PT_PHDR, PT_TLS = 1, 3, 6, 7
PT_GNU_STACK = 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
EHDR = struct.Struct("<16sHHIIIIIHHHHHH")
PHDR = struct.Struct("<IIIIIIII")
MACHINES = {0: "no machine", 3: "i386", 8: "MIPS", 40: "ARM", 62: "x86-64", 183: "AArch64",
            243: "RISC-V"}
MAX_FILE = 1 << 31


@dataclass(frozen=True)
class Segment:
    type: int
    offset: int
    vaddr: int
    paddr: int
    filesz: int
    memsz: int
    flags: int
    align: int


@dataclass(frozen=True)
class Elf32:
    path: str
    data: bytes
    type: int
    entry: int
    phoff: int
    phentsize: int
    segments: tuple
    interp: str | None
    exec_stack: bool

    @property
    def loads(self):
        return [s for s in self.segments if s.type == PT_LOAD]

    def phdr_vaddr(self) -> int:
        """Where the program headers are in memory, before any load bias (AT_PHDR)."""
        for s in self.segments:
            if s.type == PT_PHDR:
                return s.vaddr
        for s in self.loads:
            if s.offset <= self.phoff < s.offset + s.filesz:
                return s.vaddr + self.phoff - s.offset
        return 0


def _fail(path: str, why: str):
    raise FexliteError(f"{path}: {why}")


def read_elf(path: str) -> Elf32:
    try:
        if os.path.isdir(path):
            _fail(path, "is a directory")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE + 1)
    except FileNotFoundError:
        _fail(path, "no such file")
    except PermissionError:
        _fail(path, "permission denied")
    except IsADirectoryError:
        _fail(path, "is a directory")
    except OSError as e:
        _fail(path, e.strerror or str(e))
    return parse_elf(path, data)


def parse_elf(path: str, data: bytes) -> Elf32:
    if len(data) > MAX_FILE:
        _fail(path, "file too large")
    if data[:4] != b"\x7fELF":
        _fail(path, "not an ELF file" if data else "empty file, not an ELF file")
    if len(data) < EHDR.size:
        _fail(path, f"truncated ELF header ({len(data)} of {EHDR.size} bytes)")
    (ident, etype, machine, version, entry, phoff, _shoff, _flags, ehsize, phentsize,
     phnum, _shentsize, _shnum, _shstrndx) = EHDR.unpack_from(data)
    if ident[4] != 1:
        _fail(path, "not a 32-bit ELF (ELFCLASS64)" if ident[4] == 2 else "bad ELF class")
    if ident[5] != 1:
        _fail(path, "not a little-endian ELF")
    if machine != EM_386:
        _fail(path, f"not an i386 program (machine: {MACHINES.get(machine, machine)})")
    if etype not in (ET_EXEC, ET_DYN):
        _fail(path, "not an executable (ELF type %d)" % etype)
    if phentsize != PHDR.size:
        _fail(path, f"bad program header size {phentsize}")
    if phnum == 0 or phnum > 128:
        _fail(path, f"bad program header count {phnum}")
    if phoff + phnum * PHDR.size > len(data):
        _fail(path, "program headers past the end of the file")
    segs = tuple(Segment(*PHDR.unpack_from(data, phoff + i * PHDR.size)) for i in range(phnum))
    loads = [s for s in segs if s.type == PT_LOAD]
    if not loads:
        _fail(path, "no loadable segment")
    for s in loads:
        _check_load(path, s, len(data))
    spans = sorted((s.vaddr, s.vaddr + s.memsz) for s in loads if s.memsz)
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        if b0 < a1:
            _fail(path, f"overlapping segments at {b0:#x}")
    interp = None
    for s in segs:
        if s.type == PT_INTERP:
            if s.offset + s.filesz > len(data):
                _fail(path, "PT_INTERP past the end of the file")
            interp = data[s.offset:s.offset + s.filesz].split(b"\0")[0].decode(errors="replace")
    if interp == "":
        _fail(path, "empty PT_INTERP")
    exec_stack = any(s.type == PT_GNU_STACK and s.flags & PF_X for s in segs)
    return Elf32(path, data, etype, entry, phoff, phentsize, segs, interp, exec_stack)


def _check_load(path: str, s: Segment, size: int) -> None:
    if s.filesz > s.memsz:
        _fail(path, f"segment at {s.vaddr:#x} has file size > memory size")
    if s.offset + s.filesz > size:
        _fail(path, f"segment at {s.vaddr:#x} points past the end of the file")
    if s.vaddr + s.memsz > 0xFFFFE000 or s.memsz > 0xC0000000:
        _fail(path, f"segment at {s.vaddr:#x} of {s.memsz:#x} bytes does not fit in 32 bits")
    if s.align > 1 and (s.vaddr - s.offset) % 4096:
        _fail(path, f"segment at {s.vaddr:#x} is not page-congruent with its offset")
