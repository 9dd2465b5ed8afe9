"""The struct catalogue against the real compilers (tools/struct_oracle.py), plus
differs(), convert() round trips, O_* flag remapping and LayoutError messages."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import struct_oracle  # noqa: E402
from fexlite import convert as C  # noqa: E402
from fexlite import layout as L  # noqa: E402


@pytest.fixture(scope="session")
def oracle():
    missing = struct_oracle.missing_compilers()
    res = struct_oracle.run()
    return res, missing


def _need(oracle, abi):
    res, missing = oracle
    if abi in missing:
        pytest.skip(f"cross compiler for {abi} not installed ({struct_oracle.COMPILERS[abi][0]})")
    return res[abi]


def _oracle_signature(r: dict) -> tuple:
    return r["size"], {k: tuple(v) for k, v in r["fields"].items()}


def test_catalogue_is_big_enough():
    assert len(L.struct_names()) >= 60


@pytest.mark.parametrize("abi", L.ABIS)
def test_kinds_match_compiler(oracle, abi):
    r = _need(oracle, abi)
    for kind, (size, align) in r["__kinds__"].items():
        assert L.ABI_RULES[abi][kind][:2] == (size, align), (abi, kind)


@pytest.mark.parametrize("abi", L.ABIS)
def test_every_field_matches_compiler(oracle, abi):
    r = _need(oracle, abi)
    bad = []
    checked = 0
    for name in L.struct_names():
        lay, o = L.layout(abi, name), r[name]
        if (lay.size, lay.align) != (o["size"], o["align"]):
            bad.append(f"{name}: size/align {lay.size}/{lay.align} != {o['size']}/{o['align']}")
        leaves = [f for f in lay.leaves() if not f.pad]
        assert {f.name for f in leaves} == set(o["fields"]), name
        for f in leaves:
            checked += 1
            if (f.offset, f.size) != tuple(o["fields"][f.name]):
                bad.append(f"{name}.{f.name}: {(f.offset, f.size)} != {tuple(o['fields'][f.name])}")
    assert not bad, "\n".join(bad)
    assert checked > 500


@pytest.mark.parametrize("pair", [("i386", "arm32"), ("i386", "x86_64"), ("i386", "aarch64"),
                                  ("arm32", "aarch64"), ("x86_64", "aarch64")])
def test_differs_equals_compiler_set(oracle, pair):
    a, b = pair
    ra, rb = _need(oracle, a), _need(oracle, b)
    truth = {n for n in L.struct_names() if _oracle_signature(ra[n]) != _oracle_signature(rb[n])}
    ours = {n for n in L.struct_names() if L.differs(n, a, b)}
    print(f"\n{a} vs {b}: {len(ours)} of {len(L.struct_names())} differ: {', '.join(sorted(ours))}")
    assert ours == truth


def test_known_i386_arm32_differences():
    d = {n for n in L.struct_names() if L.differs(n, "i386", "arm32")}
    assert {"stat64", "flock64", "epoll_event", "if_dqblk"} <= d
    assert not d & {"stat", "statfs", "statfs64", "flock", "ipc64_perm", "semid64_ds", "sembuf",
                    "timespec", "timeval", "timex", "rusage", "sysinfo", "msghdr", "siginfo"}
    assert L.layout("i386", "stat64").size == 96 and L.layout("arm32", "stat64").size == 104
    assert L.layout("arm32", "statfs64").size == 84
    assert L.layout("x86_64", "epoll_event").size == 12


def test_constants_match_compiler(oracle):
    res, missing = oracle
    for abi in L.ABIS:
        if abi in missing:
            continue
        measured = res[abi]["__constants__"]
        for name in L.constant_names():
            if name in measured:
                assert L.constant(abi, name) == measured[name], (abi, name)
            else:
                with pytest.raises(L.LayoutError):
                    L.constant(abi, name)


def test_constants_differing_i386_arm32():
    d = L.constants_differing("i386", "arm32")
    print("\nconstants differing i386/arm32:", d)
    assert {"O_DIRECT", "O_LARGEFILE", "O_DIRECTORY", "O_NOFOLLOW", "FIOQSIZE", "MAP_32BIT"} <= set(d)
    assert d["O_DIRECTORY"] == (0o200000, 0o40000)
    assert d["FIOQSIZE"] == (0x5460, 0x545E)
    assert d["MAP_32BIT"] == (0x40, None)


# ---------------------------------------------------------------- convert
def _fits_pair(name: str, a: str, b: str):
    fa = {f.name: f for f in L.layout(a, name).leaves(primary_only=True)}
    fb = {f.name: f for f in L.layout(b, name).leaves(primary_only=True)}
    if fa.keys() != fb.keys():
        return None
    for k in fa:
        if fa[k].count != fb[k].count or fa[k].is_array != fb[k].is_array:
            return None
    return fa, fb


PAIRS = [(a, b) for a in L.ABIS for b in L.ABIS if a != b]


@pytest.mark.parametrize("a,b", PAIRS)
def test_convert_round_trip(a, b):
    rng = random.Random(f"{a}-{b}")
    done = 0
    for name in L.struct_names():
        fits = _fits_pair(name, a, b)
        if fits is None:
            continue
        fa, fb = fits
        for _ in range(3):
            vals = {}
            for k, f in fa.items():
                g = fb[k]
                if f.is_array or L.scalar_format(f) is None:
                    n = min(f.size, g.size)
                    vals[k] = bytes(rng.randrange(256) for _ in range(n)).ljust(f.size, b"\0")
                    if f.elem_size != g.elem_size:     # element-wise: keep each element narrow
                        es, eg = f.elem_size, g.elem_size
                        w = min(es, eg)
                        vals[k] = b"".join(bytes(rng.randrange(256) for _ in range(w - 1)) + b"\0" * (es - w + 1)
                                           for _ in range(f.count))
                else:
                    bits = 8 * min(f.size, g.size) - 1
                    vals[k] = rng.randrange(1 << bits)
            data = L.pack(a, name, vals)
            there = C.convert(name, a, b, data)
            assert len(there) == L.layout(b, name).size
            back = C.convert(name, b, a, there)
            got = L.unpack(a, name, back)
            for k in fa:
                assert got[k] == vals[k], (name, a, b, k)
        done += 1
    assert done >= 30, done


def test_convert_widens_and_drops():
    data = L.pack("i386", "timespec", {"tv_sec": -2, "tv_nsec": 5})
    out = L.unpack("x86_64", "timespec", C.convert("timespec", "i386", "x86_64", data))
    assert out == {"tv_sec": -2, "tv_nsec": 5}
    st = L.pack("i386", "stat64", {"st_ino": 77, "__st_ino": 7, "st_size": 1 << 40, "st_blksize": 4096})
    out = L.unpack("x86_64", "stat64", C.convert("stat64", "i386", "x86_64", st))
    assert (out["st_ino"], out["st_size"], out["st_blksize"], out["st_nlink"]) == (77, 1 << 40, 4096, 0)
    arm = L.unpack("arm32", "stat64", C.convert("stat64", "i386", "arm32", st))
    assert arm["st_size"] == 1 << 40 and arm["__st_ino"] == 7


def test_time_width_overflow():
    data = L.pack("x86_64", "timespec", {"tv_sec": 1 << 40})
    with pytest.raises(C.ConvertOverflow):
        C.convert("timespec", "x86_64", "i386", data)


def test_dev_encoding():
    old = L.pack("i386", "__old_kernel_stat", {"st_dev": (8 << 8) | 1})
    new = L.unpack("x86_64", "stat", C.convert("stat", "i386", "x86_64", L.pack("i386", "stat", {"st_dev": 0x801})))
    assert new["st_dev"] == 0x801
    assert C.new_encode_dev(259, 65536 + 3) != 0
    assert C.new_decode_dev(C.new_encode_dev(259, 70000)) == (259, 70000)
    big = L.pack("x86_64", "__old_kernel_stat", {"st_size": 1})
    assert C.convert("__old_kernel_stat", "i386", "x86_64", old)[:2] == old[:2]
    assert len(big) == L.layout("x86_64", "__old_kernel_stat").size
    ctx = C.Ctx("x", "x86_64", "i386", L.Field("d", 0, 8, "u64"), L.Field("d", 0, 2, "u16"))
    assert C.hook_dev(C.new_encode_dev(8, 1), ctx) == 0x801
    with pytest.raises(C.ConvertOverflow):
        C.hook_dev(C.new_encode_dev(300, 1), ctx)


def test_open_flag_remap():
    i386 = {n: L.constant("i386", n) for n in ("O_DIRECTORY", "O_NOFOLLOW", "O_DIRECT", "O_LARGEFILE")}
    arm = {n: L.constant("arm32", n) for n in i386}
    for n in i386:
        assert C.xlat_flags(i386[n] | 2, "i386", "arm32") == arm[n] | 2, n
        assert C.xlat_flags(arm[n], "arm32", "i386") == i386[n], n
    allf = sum(i386.values()) | L.constant("i386", "O_CLOEXEC")
    assert C.xlat_flags(allf, "i386", "arm32") == sum(arm.values()) | L.constant("arm32", "O_CLOEXEC")
    assert C.xlat_flags(L.constant("i386", "O_TMPFILE"), "i386", "arm32") == L.constant("arm32", "O_TMPFILE")
    how = L.pack("i386", "open_how", {"flags": i386["O_DIRECTORY"] | i386["O_NOFOLLOW"]})
    out = L.unpack("arm32", "open_how", C.convert("open_how", "i386", "arm32", how))
    assert out["flags"] == arm["O_DIRECTORY"] | arm["O_NOFOLLOW"]


# ---------------------------------------------------------------- errors
def test_layout_errors():
    with pytest.raises(L.LayoutError) as e:
        L.layout("mips", "stat")
    msg = str(e.value)
    assert "\n" not in msg and "i386, arm32, x86_64, aarch64" in msg
    with pytest.raises(L.LayoutError) as e:
        L.layout("i386", "nosuch")
    assert "\n" not in str(e.value) and "stat64" in str(e.value)
    assert isinstance(e.value, ValueError)
    with pytest.raises(L.LayoutError):
        L.differs("stat", "i386", "pdp11")
    with pytest.raises(L.LayoutError):
        L.constant("i386", "O_NOPE")
    with pytest.raises(L.LayoutError):
        L.constant("arm32", "MAP_32BIT")
    with pytest.raises(L.LayoutError):
        L.pack("i386", "timespec", {"tv_usec": 1})


def test_pack_unpack_little_endian():
    b = L.pack("arm32", "flock64", {"l_type": 1, "l_start": 0x0102030405060708, "l_pid": -1})
    assert len(b) == 32 and b[8:16] == bytes.fromhex("0807060504030201")
    assert L.unpack("arm32", "flock64", b)["l_pid"] == -1
    lay = L.layout("i386", "stat64")
    leaves = {f.name: f for f in lay.leaves()}
    assert leaves["st_ino"].offset == 88
    assert L.layout("x86_64", "statx").leaves()[0].name == "stx_mask"
    assert "stx_atime.tv_sec" in {f.name for f in L.layout("i386", "statx").leaves()}
