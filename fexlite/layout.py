"""Struct layout engine: one field list per struct (structs/structs.toml), laid out
for each ABI from a small table of scalar sizes and alignments.

Nothing here depends on the host: offsets come from ABI_RULES, values are packed
little-endian field by field with the struct module (never native formats).
tools/struct_oracle.py checks every offset against the real compilers.
"""
from __future__ import annotations

import functools
import re
import struct as _struct
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .data import data_dir

ABIS = ("i386", "arm32", "x86_64", "aarch64")


class LayoutError(ValueError):
    """Unknown ABI, struct, field or constant; the message is one line."""


# ---------------------------------------------------------------- ABI rules (data)
# kind -> (size, align, signed).  Kernel typedef kinds are named after the
# __kernel_*_t they stand for; the oracle measures every one of them.
def _rules(ptr: int, s64_align: int, *, mode: int, uid: int, ipc_pid: tuple, old_dev: tuple) -> dict:
    return {
        "char": (1, 1, True), "s8": (1, 1, True), "u8": (1, 1, False),
        "s16": (2, 2, True), "u16": (2, 2, False),
        "s32": (4, 4, True), "u32": (4, 4, False),
        "s64": (8, s64_align, True), "u64": (8, s64_align, False),
        "aligned_u64": (8, 8, False),                  # __aligned_u64
        "long": (ptr, ptr, True), "ulong": (ptr, ptr, False), "ptr": (ptr, ptr, False),
        "kernel_long": (ptr, ptr, True), "kernel_ulong": (ptr, ptr, False),
        "time": (ptr, ptr, True),                      # __kernel_old_time_t
        "time64": (8, s64_align, True),                # __kernel_time64_t
        "suseconds": (ptr, ptr, True),                 # __kernel_suseconds_t
        "clock": (ptr, ptr, True),                     # __kernel_clock_t
        "off": (ptr, ptr, True),                       # __kernel_off_t
        "loff": (8, s64_align, True),                  # __kernel_loff_t
        "ino": (ptr, ptr, False),                      # __kernel_ino_t
        "size_t": (ptr, ptr, False),                   # __kernel_size_t
        "ssize_t": (ptr, ptr, True),                   # __kernel_ssize_t
        "statfs_word": (ptr, ptr, ptr == 8),           # __statfs_word
        "pid": (4, 4, True),                           # __kernel_pid_t
        "uid32": (4, 4, False),                        # __kernel_uid32_t
        "uid16": (2, 2, False),                        # __kernel_old_uid_t
        "uid": (uid, uid, False),                      # __kernel_uid_t
        "mode": (mode, mode, False),                   # __kernel_mode_t
        "ipc_pid": ipc_pid,                            # __kernel_ipc_pid_t
        "old_dev": old_dev,                            # __kernel_old_dev_t
        "key": (4, 4, True),                           # __kernel_key_t
        "sigset": (8, ptr, False),                     # kernel sigset_t (64 signals)
        "old_sigset": (ptr, ptr, False),               # old_sigset_t
    }


ABI_RULES: dict[str, dict[str, tuple[int, int, bool]]] = {
    "i386": _rules(4, 4, mode=2, uid=2, ipc_pid=(2, 2, False), old_dev=(2, 2, False)),
    "arm32": _rules(4, 8, mode=2, uid=2, ipc_pid=(2, 2, False), old_dev=(2, 2, False)),
    "x86_64": _rules(8, 8, mode=4, uid=4, ipc_pid=(4, 4, True), old_dev=(8, 8, False)),
    "aarch64": _rules(8, 8, mode=4, uid=4, ipc_pid=(4, 4, True), old_dev=(4, 4, False)),
}


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    size: int
    kind: str            # scalar kind, or "struct X" / "union X"
    count: int = 1       # array length (1 for a plain member; 0 for a flexible tail)
    pad: bool = False    # unnamed bitfield word: not addressable from C
    signed: bool = False

    @property
    def elem_size(self) -> int:
        return self.size // self.count if self.count else 0

    @property
    def is_array(self) -> bool:
        return self.count != 1

    @property
    def is_aggregate(self) -> bool:
        return self.kind.startswith(("struct ", "union "))


@dataclass(frozen=True)
class Layout:
    name: str
    abi: str
    size: int
    align: int
    fields: tuple[Field, ...]
    union: bool = False
    packed: bool = False
    primary: str = ""

    def field(self, name: str) -> Field:
        for f in self.leaves():
            if f.name == name:
                return f
        raise LayoutError(f"struct {self.name} has no field {name!r} on {self.abi} "
                          f"(valid: {', '.join(f.name for f in self.leaves())})")

    def leaves(self, primary_only: bool = False) -> tuple[Field, ...]:
        """Scalars and arrays with absolute offsets; nested structs/unions flattened
        with dotted names (anonymous members hoisted).  primary_only keeps one member
        per union (the catalogue's `primary`, else the first): non-overlapping leaves."""
        return _leaves(self.abi, self.name, primary_only)


# ---------------------------------------------------------------- catalogue
def _data_dir() -> Path:
    """The structs/ folder (of the installed package, else of the checkout)."""
    return data_dir("structs")


def _read_data(filename: str) -> bytes | None:
    path = _data_dir() / filename
    return path.read_bytes() if path.exists() else None


@functools.cache
def _catalogue() -> dict:
    data = _read_data("structs.toml")
    if data is None:
        raise LayoutError(f"struct catalogue structs.toml not found (looked in fexlite._structs, {_data_dir()})")
    return tomllib.loads(data.decode())


@functools.cache
def _constants() -> dict:
    data = _read_data("constants.toml")
    return tomllib.loads(data.decode()) if data is not None else {}


def _check_abi(abi: str) -> None:
    if abi not in ABI_RULES:
        raise LayoutError(f"unknown ABI {abi!r} (valid: {', '.join(ABIS)})")


def struct_names(include_helpers: bool = False) -> list[str]:
    """Catalogue structs that have a C name (helpers for anonymous members excluded)."""
    cat = _catalogue()
    return sorted(n for n, d in cat.items() if include_helpers or d.get("c", ""))


def decl(abi: str, name: str) -> dict:
    """The catalogue entry for NAME with ABI's overrides applied."""
    _check_abi(abi)
    cat = _catalogue()
    if name not in cat:
        raise LayoutError(f"unknown struct {name!r} (valid: {', '.join(struct_names())})")
    base = dict(cat[name])
    over = dict(base.pop("abi", {}).get(abi, {}))
    replace = over.pop("replace", {})
    base.update(over)
    if replace:
        fields = []
        for f in base["fields"]:
            if f[0] in replace:
                f = [f[0], replace[f[0]], *f[2:]]
            fields.append(f)
        base["fields"] = fields
    return base


_TYPE = re.compile(r"^(?:(struct|union)\s+)?([A-Za-z_0-9]+)(?:\[(\d+)\])?$")


def _parse_type(t: str) -> tuple[str, str, int]:
    """'u8[16]' -> ('', 'u8', 16); 'struct timespec' -> ('struct', 'timespec', 1)."""
    m = _TYPE.match(t.strip())
    if not m:
        raise LayoutError(f"bad field type {t!r}")
    tag, base, count = m.group(1) or "", m.group(2), m.group(3)
    return tag, base, (int(count) if count is not None else 1)


def _align_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


@functools.cache
def layout(abi: str, name: str) -> Layout:
    d = decl(abi, name)
    rules = ABI_RULES[abi]
    is_union = bool(d.get("union", False))
    packed = bool(d.get("packed", False))
    off = end = 0
    max_align = 1
    fields = []
    for entry in d["fields"]:
        fname, ftype = entry[0], entry[1]
        opts = entry[2] if len(entry) > 2 else {}
        tag, base, count = _parse_type(ftype)
        if tag:
            sub = layout(abi, base)
            esize, ealign, signed, kind = sub.size, sub.align, False, f"{tag} {base}"
        else:
            if base not in rules:
                raise LayoutError(f"{name}.{fname}: unknown kind {base!r} "
                                  f"(valid: {', '.join(sorted(rules))})")
            esize, ealign, signed = rules[base]
            kind = base
        falign = 1 if packed else ealign
        falign = max(falign, int(opts.get("align", 1)))
        foff = 0 if is_union else _align_up(off, falign)
        fsize = esize * count
        fields.append(Field(fname, foff, fsize, kind, count, bool(opts.get("pad", False)), signed))
        max_align = max(max_align, falign)
        off = foff + fsize
        end = max(end, off)
    align = max(max_align, int(d.get("align", 1)))
    return Layout(name, abi, _align_up(end, align), align, tuple(fields),
                  is_union, packed, d.get("primary", ""))


@functools.cache
def _leaves(abi: str, name: str, primary_only: bool) -> tuple[Field, ...]:
    lay = layout(abi, name)
    members = lay.fields
    if lay.union and primary_only and members:
        want = lay.primary or members[0].name
        members = tuple(f for f in members if f.name == want)
    out = []
    for f in members:
        if f.is_aggregate and f.count == 1:
            sub = f.kind.split(" ", 1)[1]
            for leaf in _leaves(abi, sub, primary_only):
                dotted = f"{f.name}.{leaf.name}" if f.name else leaf.name
                out.append(Field(dotted, f.offset + leaf.offset, leaf.size, leaf.kind,
                                 leaf.count, leaf.pad, leaf.signed))
        else:
            out.append(f)
    return tuple(out)


def _signature(abi: str, name: str) -> tuple:
    lay = layout(abi, name)
    return lay.size, {f.name: (f.offset, f.size) for f in lay.leaves() if not f.pad}


def differs(name: str, abi_a: str, abi_b: str) -> bool:
    """True when the size or any (non-pad) leaf's offset or size differs."""
    return _signature(abi_a, name) != _signature(abi_b, name)


# ---------------------------------------------------------------- constants
def constant_names() -> list[str]:
    return sorted(_constants())


def constant(abi: str, name: str) -> int:
    _check_abi(abi)
    table = _constants()
    if name not in table:
        raise LayoutError(f"unknown constant {name!r} (valid: {', '.join(constant_names())})")
    if abi not in table[name]:
        raise LayoutError(f"constant {name} is not defined on {abi} "
                          f"(defined on: {', '.join(a for a in ABIS if a in table[name])})")
    return table[name][abi]


def constants_differing(abi_a: str, abi_b: str) -> dict[str, tuple[int | None, int | None]]:
    """{name: (value on abi_a, value on abi_b)}; None where the ABI lacks it."""
    _check_abi(abi_a)
    _check_abi(abi_b)
    out = {}
    for name, vals in sorted(_constants().items()):
        a, b = vals.get(abi_a), vals.get(abi_b)
        if a != b:
            out[name] = (a, b)
    return out


# ---------------------------------------------------------------- pack / unpack
_FMT = {(1, True): "<b", (1, False): "<B", (2, True): "<h", (2, False): "<H",
        (4, True): "<i", (4, False): "<I", (8, True): "<q", (8, False): "<Q"}


def scalar_format(f: Field) -> str | None:
    """struct-module format of a scalar leaf, None for arrays/pad (raw bytes)."""
    if f.is_array or f.pad or f.is_aggregate:
        return None
    return _FMT[(f.size, f.signed)]


def unpack(abi: str, name: str, data: bytes) -> dict:
    """field name -> int (scalars) or bytes (arrays, pad words)."""
    lay = layout(abi, name)
    if len(data) < lay.size:
        raise LayoutError(f"{name} on {abi} needs {lay.size} bytes, got {len(data)}")
    out = {}
    for f in lay.leaves():
        fmt = scalar_format(f)
        if fmt is None:
            out[f.name] = bytes(data[f.offset:f.offset + f.size])
        else:
            out[f.name] = _struct.unpack_from(fmt, data, f.offset)[0]
    return out


def pack(abi: str, name: str, values: dict) -> bytes:
    """Bytes of NAME on ABI; fields not in VALUES are zero.  Ints are truncated to
    the field width; bytes are cut or zero-padded to the field size."""
    lay = layout(abi, name)
    buf = bytearray(lay.size)
    by_name = {f.name: f for f in lay.leaves()}
    for key, val in values.items():
        f = by_name.get(key)
        if f is None:
            raise LayoutError(f"struct {name} has no field {key!r} on {abi} "
                              f"(valid: {', '.join(by_name)})")
        fmt = scalar_format(f)
        if fmt is None or isinstance(val, (bytes, bytearray)):
            raw = bytes(val) if isinstance(val, (bytes, bytearray)) else \
                (int(val) & ((1 << (8 * f.size)) - 1)).to_bytes(f.size, "little") if f.size else b""
            buf[f.offset:f.offset + f.size] = raw[:f.size].ljust(f.size, b"\0")
        else:
            v = int(val) & ((1 << (8 * f.size)) - 1)
            if f.signed and v >> (8 * f.size - 1):
                v -= 1 << (8 * f.size)
            _struct.pack_into(fmt, buf, f.offset, v)
    return bytes(buf)
