"""fexlite's hand-written constants and machine code against their sources: Unicorn's own
constant modules, keystone, and the host kernel."""
import os

import pytest

from fexlite import host, uc
from fexlite.uc import X86


def test_unicorn_constants_match_the_stock_binding():
    unicorn = pytest.importorskip("unicorn")
    from unicorn import x86_const as x, unicorn_const as c
    assert (uc.ARCH_X86, uc.ARCH_ARM64, uc.MODE_32) == (c.UC_ARCH_X86, c.UC_ARCH_ARM64, c.UC_MODE_32)
    assert (uc.HOOK_INTR, uc.HOOK_BLOCK, uc.HOOK_INSN_INVALID) == (
        c.UC_HOOK_INTR, c.UC_HOOK_BLOCK, c.UC_HOOK_INSN_INVALID)
    assert uc.HOOK_MEM_INVALID == c.UC_HOOK_MEM_INVALID
    assert (uc.ERR_OK, uc.ERR_INSN_INVALID) == (c.UC_ERR_OK, c.UC_ERR_INSN_INVALID)
    for name in ("CS", "DS", "EAX", "EBP", "EBX", "ECX", "EDI", "EDX", "EFLAGS", "EIP", "ES",
                 "ESI", "ESP", "FS", "GS", "SS", "CR0", "CR4", "GDTR", "FPCW", "MXCSR"):
        assert getattr(X86, name) == getattr(x, f"UC_X86_REG_{name}"), name
    assert unicorn.__version__ or True


def test_int80_stub_is_what_keystone_assembles():
    ks = pytest.importorskip("keystone")
    src = ("push rbx; push rbp; mov eax, edi; mov ebx, esi; mov r10d, ecx; mov ecx, edx; "
           "mov edx, r10d; mov esi, r8d; mov edi, r9d; mov ebp, dword ptr [rsp+24]; "
           "int 0x80; pop rbp; pop rbx; ret")
    code, _ = ks.Ks(ks.KS_ARCH_X86, ks.KS_MODE_64).asm(src)
    assert bytes(code) == host.INT80_STUB


@pytest.mark.skipif(not host.int80_available(), reason="int $0x80 needs an x86-64 host")
def test_int80_reaches_the_ia32_table():
    assert host.int80(20) == os.getpid()                  # ia32 getpid is 20
    assert host.int80(6, 0xFFFFFFFF) == -9                # close(-1) = -EBADF
    assert host.int80(0xFFFF) == -38                      # no such call: -ENOSYS


def test_host_syscall_and_errno():
    import platform
    nr = {"x86_64": 39, "aarch64": 172}.get(platform.machine())
    if nr is None:
        pytest.skip("unknown host")
    assert host.syscall64(nr) == os.getpid()
    assert host.mprotect(0x1000, 4096, 1) < 0               # nothing is mapped there
