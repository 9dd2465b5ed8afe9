"""Convert a struct's bytes from one ABI's layout to another's.

A copy by field name over the non-overlapping leaves of fexlite.layout (one member per
union): integers are truncated or sign/zero-extended by the source's signedness,
arrays are copied element by element, a field missing in the destination is dropped
and one missing in the source is zero.  Semantic cases are named hooks chosen by data
(HOOKS below), never branches on struct names.
"""
from __future__ import annotations

import functools
import struct as _struct

from typing import Callable

from . import layout as L


class ConvertOverflow(OverflowError):
    """A value does not fit the destination (the kernel would say EOVERFLOW)."""


# ---------------------------------------------------------------- named hooks
# hook(value, ctx) -> value; ctx has src_abi, dst_abi, src (Field), dst (Field).
class Ctx:
    __slots__ = ("struct", "src_abi", "dst_abi", "src", "dst")

    def __init__(self, struct, src_abi, dst_abi, src, dst):
        self.struct, self.src_abi, self.dst_abi, self.src, self.dst = struct, src_abi, dst_abi, src, dst


def _fits(value: int, size: int, signed: bool) -> bool:
    bits = 8 * size
    return -(1 << (bits - 1)) <= value < (1 << (bits - 1)) if signed else 0 <= value < (1 << bits)


def hook_time_width(value: int, ctx: Ctx) -> int:
    """time_t 64 -> 32: refuse values a 32-bit time cannot hold (EOVERFLOW)."""
    if not _fits(value, ctx.dst.size, ctx.dst.signed):
        raise ConvertOverflow(f"{ctx.struct}.{ctx.dst.name}={value} does not fit {ctx.dst.size * 8} bits")
    return value


def old_decode_dev(v: int) -> tuple[int, int]:
    return (v >> 8) & 0xFF, v & 0xFF


def old_encode_dev(major: int, minor: int) -> int:
    return (major << 8) | minor


def new_decode_dev(v: int) -> tuple[int, int]:
    return (v & 0xFFF00) >> 8, (v & 0xFF) | ((v >> 12) & 0xFFF00)


def new_encode_dev(major: int, minor: int) -> int:
    return (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)


def hook_dev(value: int, ctx: Ctx) -> int:
    """dev_t: 16-bit old encoding (major:8, minor:8) <-> new/huge encoding."""
    value &= (1 << (8 * ctx.src.size)) - 1
    if ctx.src.size == 2 and ctx.dst.size > 2:
        return new_encode_dev(*old_decode_dev(value))
    if ctx.src.size > 2 and ctx.dst.size == 2:
        major, minor = new_decode_dev(value)
        if major > 0xFF or minor > 0xFF:
            raise ConvertOverflow(f"{ctx.struct}.{ctx.dst.name}: device {major}:{minor} needs the new encoding")
        return old_encode_dev(major, minor)
    return value


def _flag_bits(abi: str, prefix: str) -> dict[str, int]:
    out = {}
    for name in L.constant_names():
        if not name.startswith(prefix):
            continue
        try:
            v = L.constant(abi, name)
        except L.LayoutError:
            continue
        if v > 0 and v & (v - 1) == 0:          # single-bit flags only
            out[name] = v
    return out


def xlat_flags(value: int, src_abi: str, dst_abi: str, prefix: str = "O_") -> int:
    """Move every single-bit PREFIX* flag from its SRC_ABI bit to its DST_ABI bit;
    bits no flag names pass through unchanged."""
    src, dst = _flag_bits(src_abi, prefix), _flag_bits(dst_abi, prefix)
    moved = [(src[n], dst[n]) for n in src if n in dst and src[n] != dst[n]]
    out = value
    for sbit, _ in moved:
        out &= ~sbit
    for sbit, dbit in moved:
        if value & sbit:
            out |= dbit
    return out


def hook_open_flags(value: int, ctx: Ctx) -> int:
    return xlat_flags(value, ctx.src_abi, ctx.dst_abi, "O_")


NAMED_HOOKS: dict[str, Callable[[int, Ctx], int]] = {
    "time_width": hook_time_width,
    "dev": hook_dev,
    "open_flags": hook_open_flags,
}

# selector -> hook name.  Selectors: "struct.field", "*.field", "kind:KIND".
HOOKS: dict[str, str] = {
    "kind:time": "time_width",
    "kind:time64": "time_width",
    "__old_kernel_stat.st_dev": "dev",
    "__old_kernel_stat.st_rdev": "dev",
    "stat.st_dev": "dev",
    "stat.st_rdev": "dev",
    "stat64.st_dev": "dev",
    "stat64.st_rdev": "dev",
    "open_how.flags": "open_flags",
}


def _hook_for(hooks: dict, struct: str, src: L.Field, dst: L.Field):
    for sel in (f"{struct}.{dst.name}", f"*.{dst.name}", f"kind:{dst.kind}", f"kind:{src.kind}"):
        h = hooks.get(sel)
        if h is not None:
            return NAMED_HOOKS[h] if isinstance(h, str) else h
    return None


# ---------------------------------------------------------------- conversion
def _convert_array(raw: bytes, src: L.Field, dst: L.Field) -> bytes:
    if src.is_aggregate or dst.is_aggregate or src.pad or dst.pad or src.elem_size == dst.elem_size \
            or not src.count or not dst.count:
        return raw[:dst.size].ljust(dst.size, b"\0")
    es, ed = src.elem_size, dst.elem_size
    out = bytearray(dst.size)
    for i in range(min(src.count, dst.count)):
        v = int.from_bytes(raw[i * es:(i + 1) * es], "little", signed=src.signed)
        out[i * ed:(i + 1) * ed] = (v & ((1 << (8 * ed)) - 1)).to_bytes(ed, "little")
    return bytes(out)


def convert(name: str, src_abi: str, dst_abi: str, data: bytes, hooks: dict | None = None) -> bytes:
    """Bytes of struct NAME laid out for SRC_ABI -> the same struct for DST_ABI."""
    if hooks is None:
        return converter(name, src_abi, dst_abi)(data)
    return _plan(name, src_abi, dst_abi, hooks)(data)


@functools.lru_cache(maxsize=None)
def converter(name: str, src_abi: str, dst_abi: str) -> Callable[[bytes], bytes]:
    """convert() for one (struct, ABI pair) with the default hooks, planned once: the
    per-call work is a struct read and a struct write per field."""
    return _plan(name, src_abi, dst_abi, HOOKS)


def _plan(name: str, src_abi: str, dst_abi: str, hooks: dict) -> Callable[[bytes], bytes]:
    src_lay, dst_lay = L.layout(src_abi, name), L.layout(dst_abi, name)
    src_fields = {f.name: f for f in src_lay.leaves(primary_only=True)}
    scalars, raws = [], []
    for dst in dst_lay.leaves(primary_only=True):
        src = src_fields.get(dst.name)
        if src is None:
            continue                                   # missing in the source: zero
        sfmt, dfmt = L.scalar_format(src), L.scalar_format(dst)
        if sfmt is None or dfmt is None:
            raws.append((src, dst))
            continue
        hook = _hook_for(hooks, name, src, dst)
        ctx = Ctx(name, src_abi, dst_abi, src, dst) if hook is not None else None
        bits = 8 * dst.size
        scalars.append((_struct.Struct(sfmt).unpack_from, src.offset,
                        _struct.Struct(dfmt).pack_into, dst.offset, hook, ctx,
                        (1 << bits) - 1, bits if dst.signed else 0))
    size, need = dst_lay.size, src_lay.size

    def run(data: bytes) -> bytes:
        if len(data) < need:
            raise L.LayoutError(f"{name} on {src_abi} needs {need} bytes, got {len(data)}")
        out = bytearray(size)
        for read, soff, write, doff, hook, ctx, mask, signed_bits in scalars:
            val = read(data, soff)[0]
            if hook is not None:
                val = hook(val, ctx)
            val &= mask                                # truncated to the width, as pack() does
            if signed_bits and val >> (signed_bits - 1):
                val -= 1 << signed_bits
            write(out, doff, val)
        for src, dst in raws:
            raw = bytes(data[src.offset:src.offset + src.size])
            out[dst.offset:dst.offset + dst.size] = _convert_array(raw, src, dst)[:dst.size]
        return bytes(out)
    return run
