"""`fexlite run` on programs it must refuse, and on bad command lines.

For every bad program: non-zero exit status, empty stdout, stderr exactly one line that
starts with `fexlite: ` and contains the program path, and no Python traceback.

ELF files are crafted with `struct`: make_elf32() builds a minimal valid static i386
executable whose code is `exit(status)` via `int 0x80`; the bad cases mutate it.  The
native side of each case is checked too (test_native_side): the kernel refuses to exec
it or the process dies -- except where noted (ELF64 and dynamic programs run natively;
fexlite only runs static i386 programs and must say so).
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import support

BASE = 0x08048000
EHDR = 52
PHDR = 32
PT_LOAD, PT_INTERP = 1, 3
PF_X, PF_W, PF_R = 1, 2, 4
EM_386, EM_ARM = 3, 40

# offsets inside the ELF32 header
E_MACHINE, E_ENTRY, E_PHOFF, E_PHENTSIZE, E_PHNUM = 18, 24, 28, 42, 44


def exit_code(status: int) -> bytes:
    """mov eax, 1 (SYS_exit); mov ebx, status; int 0x80"""
    return b"\xb8\x01\x00\x00\x00\xbb" + struct.pack("<I", status & 0xFFFFFFFF) + b"\xcd\x80"


def make_elf32(segments=None, status=0, machine=EM_386, extra=b"", nseg=None) -> bytearray:
    """A minimal static ELF32 i386 executable: header, program headers, code, `extra`.

    segments: list of program headers (p_type, p_offset, p_vaddr, p_filesz, p_memsz,
    p_flags, p_align); None gives one R+X PT_LOAD of the whole file at BASE.  The
    entry point is the code right after the program headers.  nseg: number of program
    headers to reserve room for when `segments` must refer to the final file size.
    """
    n = nseg if nseg is not None else (1 if segments is None else len(segments))
    code_off = EHDR + PHDR * n
    body = exit_code(status) + extra
    size = code_off + len(body)
    if segments is None:
        segments = [(PT_LOAD, 0, BASE, size, size, PF_R | PF_X, 0x1000)]
    assert len(segments) == n
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)  # ELFCLASS32, LSB, EV_CURRENT, SYSV
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, BASE + code_off, EHDR, 0, 0,
                               EHDR, PHDR, n, 40, 0, 0)
    phdrs = b"".join(struct.pack("<8I", t, off, va, va, fs, ms, fl, al)
                     for t, off, va, fs, ms, fl, al in segments)
    return bytearray(ehdr + phdrs + body)


def _size(nseg=1, extra=b""):
    return EHDR + PHDR * nseg + len(exit_code(0)) + len(extra)


def _mutated(offset, fmt, value, base=None):
    data = make_elf32() if base is None else base
    struct.pack_into(fmt, data, offset, value)
    return data


INTERP = b"/lib/ld-linux.so.2\x00"


def _dynamic_crafted(interp=INTERP):
    s = _size(2, interp)
    interp_off = s - len(interp)
    return make_elf32([(PT_INTERP, interp_off, BASE + interp_off, len(interp), len(interp), PF_R, 1),
                       (PT_LOAD, 0, BASE, s, s, PF_R | PF_X, 0x1000)], extra=interp, nseg=2)


S1, S2 = _size(1), _size(2)

# id -> bytes of the program (None: special, see _make)
CRAFTED = {
    "text-file": b"#!not really\nthis is a text file, not an ELF\n",
    "empty-file": b"",
    "truncated-elf32-header": None,  # first 30 bytes of busybox
    "arm-elf": make_elf32(machine=EM_ARM),
    "segment-past-eof": make_elf32([(PT_LOAD, 0x5000, BASE, S1, S1, PF_R | PF_X, 0x1000)]),
    "filesz-past-eof": make_elf32([(PT_LOAD, 0, BASE, S1 + 0x10000, S1 + 0x10000, PF_R | PF_X, 0x1000)]),
    "overlapping-loads": make_elf32([(PT_LOAD, 0, BASE, S2, S2, PF_R | PF_X, 0x1000),
                                     (PT_LOAD, 0, BASE, 0, 0x2000, PF_R | PF_W, 0x1000)]),
    "absurd-memsz": make_elf32([(PT_LOAD, 0, BASE, S1, 0xFFFFF000, PF_R | PF_W | PF_X, 0x1000)]),
    "wraps-past-4gib": make_elf32([(PT_LOAD, 0, BASE, S2, S2, PF_R | PF_X, 0x1000),
                                   (PT_LOAD, 0, 0xFFFFF000, 0x100, 0x2000, PF_R | PF_W, 0x1000)]),
    "filesz-gt-memsz": make_elf32([(PT_LOAD, 0, BASE, S1, S1 - 20, PF_R | PF_X, 0x1000)]),
    "phnum-zero": _mutated(E_PHNUM, "<H", 0),
    "phentsize-wrong": _mutated(E_PHENTSIZE, "<H", 40),
    "phoff-past-eof": _mutated(E_PHOFF, "<I", 0x100000),
    "dynamic-crafted": _dynamic_crafted(),
    "missing-interpreter": _dynamic_crafted(b"/nonexistent/ld-linux.so.2\x00"),
}

# Cases where the kernel runs the program natively although fexlite must refuse it.
NATIVE_RUNS = {"filesz-past-eof", "elf64-host-true", "dynamic-gcc"}
# Cases whose message must name the reason.
MUST_MENTION = {"missing-interpreter": "interpreter"}
# Dynamic programs: fexlite loads their interpreter (ld.so) and must do what the kernel does.
LIKE_NATIVE = ("dynamic-gcc", "dynamic-crafted")


def _make(case, tmp_path) -> Path:
    path = tmp_path / f"prog-{case}"
    if case == "missing-file":
        return tmp_path / "does-not-exist"
    if case == "directory":
        path.mkdir()
        return path
    if case == "elf64-host-true":
        shutil.copy("/bin/true", path)
        return path
    if case == "dynamic-gcc":
        src = tmp_path / "dyn.c"
        src.write_text("int main(void) { return 0; }\n")
        r = subprocess.run(["gcc", "-m32", "-O1", "-o", str(path), str(src)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip("gcc -m32 cannot link a dynamic program here: " + r.stderr.strip()[-200:])
        return path
    if case == "truncated-elf32-header":
        data = Path(support.BUSYBOX).read_bytes()[:30]
    else:
        data = bytes(CRAFTED[case])
    path.write_bytes(data)
    os.chmod(path, 0o755)
    return path


ALL_CASES = ["missing-file", "directory", "elf64-host-true", "dynamic-gcc", *CRAFTED]


def _check_one_line_error(res, path, case):
    rc, out, err = res
    text = err.decode("utf-8", "backslashreplace")
    assert "Traceback" not in text, f"{case}: traceback on stderr:\n{text[-2000:]}"
    assert rc != 0, f"{case}: exit status 0 (stderr {text!r})"
    assert out == b"", f"{case}: unexpected stdout {out[:200]!r}"
    assert text.endswith("\n") and text.count("\n") == 1, f"{case}: stderr is not exactly one line: {text!r}"
    assert text.startswith("fexlite: "), f"{case}: stderr does not start with 'fexlite: ': {text!r}"
    assert str(path) in text, f"{case}: message does not contain the program path {str(path)!r}: {text!r}"
    if case in MUST_MENTION:
        assert MUST_MENTION[case] in text.lower(), f"{case}: message should mention {MUST_MENTION[case]!r}: {text!r}"


@pytest.mark.parametrize("case", LIKE_NATIVE)
def test_dynamic_like_native(case, tmp_path):
    path = _make(case, tmp_path)
    support.assert_same(support.run_native([path], cwd=tmp_path),
                        support.run_fexlite([path], cwd=tmp_path), case)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c not in LIKE_NATIVE])
def test_refused(case, tmp_path):
    if support.SUBSTITUTE:
        pytest.skip("fexlite-specific error reporting (FEXLITE_TEST_SUBSTITUTE is set)")
    path = _make(case, tmp_path)
    res = support.run_fexlite([path], cwd=tmp_path, timeout=120)
    _check_one_line_error(res, path, case)


@pytest.mark.parametrize("case", ALL_CASES)
def test_native_side(case, tmp_path):
    """What the kernel does with the same file (documents the oracle)."""
    path = _make(case, tmp_path)
    try:
        rc, out, err = support.run_native([path], cwd=tmp_path, timeout=20)
    except OSError:
        assert case not in NATIVE_RUNS
        return
    if case in NATIVE_RUNS:
        assert rc == 0
    else:
        assert rc > 128, f"{case}: expected the native process to die of a signal, got {rc}"


@pytest.mark.parametrize("status", [0, 42])
def test_minimal_elf_runs(status, tmp_path):
    path = tmp_path / f"exit{status}"
    path.write_bytes(make_elf32(status=status))
    os.chmod(path, 0o755)
    native = support.run_native([path], cwd=tmp_path)
    assert native == (status, b"", b"")
    support.assert_same(native, support.run_fexlite([path], cwd=tmp_path), f"minimal ELF exit({status})")


def test_minimal_elf_two_segments_bss(tmp_path):
    """A valid program with a separate RW PT_LOAD whose memsz > filesz (bss) runs fine."""
    s = _size(2)
    elf = make_elf32([(PT_LOAD, 0, BASE, s, s, PF_R | PF_X, 0x1000),
                      (PT_LOAD, 0, BASE + 0x10000, s, s + 0x3000, PF_R | PF_W, 0x1000)], status=7, nseg=2)
    path = tmp_path / "twoseg"
    path.write_bytes(elf)
    os.chmod(path, 0o755)
    native = support.run_native([path], cwd=tmp_path)
    assert native == (7, b"", b"")
    support.assert_same(native, support.run_fexlite([path], cwd=tmp_path), "two-segment ELF")


def test_entry_unmapped_dies_like_native(tmp_path):
    """A loadable program whose entry point is unmapped is not a loader error: the guest
    dies of SIGSEGV, natively exit status 139 with nothing on stdout/stderr."""
    path = tmp_path / "badentry"
    path.write_bytes(_mutated(E_ENTRY, "<I", 0x1000))
    os.chmod(path, 0o755)
    native = support.run_native([path], cwd=tmp_path)
    assert native == (139, b"", b"")
    support.assert_same(native, support.run_fexlite([path], cwd=tmp_path), "entry point unmapped")


# --------------------------------------------------------------------------- command line

def _check_cli_error(res, token):
    rc, out, err = res
    text = err.decode("utf-8", "backslashreplace")
    assert "Traceback" not in text, text[-2000:]
    assert rc != 0, f"exit status 0 for a bad command line; stderr {text!r}"
    # argparse style is accepted: optional `usage:` lines, then exactly one error line
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, f"expected one error line, got {lines!r}"
    assert lines[0].startswith("fexlite"), f"error line should start with 'fexlite': {lines[0]!r}"
    assert token in lines[0], f"error line should name {token!r}: {lines[0]!r}"


@pytest.mark.skipif(bool(support.SUBSTITUTE), reason="tests fexlite's own command line")
def test_cli_unknown_option(tmp_path):
    _check_cli_error(support.run_fexlite_cli(["run", "--bogus", support.BUSYBOX, "true"], cwd=tmp_path),
                     "--bogus")


@pytest.mark.skipif(bool(support.SUBSTITUTE), reason="tests fexlite's own command line")
def test_cli_unknown_command(tmp_path):
    _check_cli_error(support.run_fexlite_cli(["nosuchcmd"], cwd=tmp_path), "nosuchcmd")


@pytest.mark.skipif(bool(support.SUBSTITUTE), reason="tests fexlite's own command line")
def test_cli_run_without_program(tmp_path):
    rc, out, err = support.run_fexlite_cli(["run"], cwd=tmp_path)
    assert rc != 0 and b"Traceback" not in err and err.strip(), err
