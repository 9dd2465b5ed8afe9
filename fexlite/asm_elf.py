"""Build a static i386 ELF from an assembly source with keystone (no i386 toolchain).

Layout: headers and text in one R-X segment (text at TEXT_ADDR), and a zeroed
read-write .bss of BSS_SIZE bytes at BSS_ADDR that the examples use as their buffer.
"""
import struct

from .errors import FexliteError

BASE = 0x08048000
TEXT_ADDR = BASE + 0x1000
BSS_ADDR, BSS_SIZE = 0x08100000, 0x10000
PT_LOAD, PT_GNU_STACK = 1, 0x6474E551


def assemble(source: str, addr: int = TEXT_ADDR) -> bytes:
    try:
        from keystone import Ks, KsError, KS_ARCH_X86, KS_MODE_32
    except ImportError as e:
        raise FexliteError("keystone-engine is needed to assemble the examples") from e
    try:
        code, _ = Ks(KS_ARCH_X86, KS_MODE_32).asm(source, addr)
    except KsError as e:
        raise FexliteError(f"cannot assemble: {e}") from e
    return bytes(code or b"")


def build_elf(code: bytes) -> bytes:
    phdrs = [
        (PT_LOAD, 0, BASE, BASE, 0x1000 + len(code), 0x1000 + len(code), 5, 0x1000),
        (PT_LOAD, 0, BSS_ADDR, BSS_ADDR, 0, BSS_SIZE, 6, 0x1000),
        (PT_GNU_STACK, 0, 0, 0, 0, 0, 6, 16),
    ]
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr = struct.pack("<16sHHIIIIIHHHHHH", ident, 2, 3, 1, TEXT_ADDR, 52, 0, 0, 52, 32,
                       len(phdrs), 40, 0, 0)
    head = ehdr + b"".join(struct.pack("<8I", *p) for p in phdrs)
    return head.ljust(0x1000, b"\0") + code


def elf_from_source(source: str) -> bytes:
    return build_elf(assemble(source))
