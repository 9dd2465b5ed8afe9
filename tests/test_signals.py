"""Guest signal delivery (issue 5), differential against native i386 execution.

Each examples/sig_*.c program is built with gcc -m32 -static -O1 and run natively and
under `fexlite run`: stdout, stderr and the *raw* subprocess returncode must be identical
(a death by signal N is -N on both sides: fexlite must end the same way as the guest).
Before comparing, the native run is checked against what the program is known to print
natively (`expect` lines and returncode), so a test cannot pass by both sides failing
the same way.
"""
from __future__ import annotations

import signal

import pytest

import support

# (id, program, args, expected native raw returncode, lines the native stdout must contain)
CASES = [
    ("raise-usr1-handler", "sig_raise", [], 0,
     ["in plain handler: SIGUSR1", "raise returned 0, plain handler ran 1 time(s)"]),
    ("siginfo-signo-code-pid", "sig_raise", [], 0,
     ["si_signo == SIGUSR1: yes (10)", "si_code == SI_TKILL: yes", "si_pid == getpid(): yes",
      "si_uid == getuid(): yes", "si_code == SI_USER: yes, si_pid ok: yes"]),
    ("alarm-wakes-pause", "sig_alarm_pause", [], 0,
     ["pause returned -1 errno EINTR: yes", "alarms delivered: 1", "unslept in 3..4: yes, alarms: 2"]),
    ("segv-handler-siglongjmp", "sig_segv", ["recover"], 0,
     ["recovered from SIGSEGV: signo ok yes", "si_addr == 16: yes", "si_code == SEGV_MAPERR: yes",
      "SIGSEGV blocked after recovery: no", "si_code == SEGV_ACCERR: yes"]),
    ("segv-unhandled-null-write", "sig_segv", ["unhandled"], -signal.SIGSEGV, ["writing through NULL"]),
    ("sigaltstack-onstack", "sig_altstack", [], 0,
     ["SA_ONSTACK handler local inside the alt stack: yes", "SS_ONSTACK reported inside the handler: yes",
      "plain handler local inside the alt stack: no",
      "after SS_DISABLE, SA_ONSTACK handler on the alt stack: no"]),
    ("blocked-pending-unblock", "sig_mask_pending", [], 0,
     ["raised SIGUSR1 while blocked, handler ran: 0", "sigpending has SIGUSR1: yes, SIGUSR2: no",
      "unblocking\nhandler: SIGUSR1\nafter unblock, handler ran: 1", "delivery order: 12RR (usr1 2 usr2 1 rt 2)"]),
    ("sa-resethand-second-raise-kills", "sig_flags", ["resethand"], -signal.SIGUSR1,
     ["after first raise: hits 1, disposition is SIG_DFL: yes"]),
    ("sa-nodefer-nested", "sig_flags", ["nodefer"], 0, ["nodefer: calls 2, max depth 2, events E1E2L2L1"]),
    ("default-defers-nested", "sig_flags", ["defer"], 0, ["defer: calls 2, max depth 1, events E1L1E2L2"]),
    ("sa-restart-read-continues", "sig_restart", ["restart"], 0,
     ["SIGALRM handler\nfirst read returned 4, alarms so far 1", "data: data"]),
    ("no-sa-restart-read-eintr", "sig_restart", ["norestart"], 0,
     ["first read returned -1, errno EINTR, alarms so far 1", "second read returned 4: data"]),
    ("sigchld-sigsuspend", "sig_sigchld", [], 0,
     ["got SIGCHLD 1 time(s)", "si_code == CLD_EXITED: yes", "si_status: 5", "si_pid == child: yes",
      "SIGCHLD blocked again after sigsuspend: yes", "second child status 9, handler count still 1"]),
    ("sigtimedwait-kill-usr2", "sig_timedwait", [], 0,
     ["sigtimedwait returned SIGUSR2: yes", "si_code == SI_USER: yes", "si_pid == getpid(): yes",
      "handler ran: 0", "errno EAGAIN: yes", "si_code == SI_QUEUE: yes, value 1234"]),
    ("abort-sigabrt", "sig_abort", [], -signal.SIGABRT, ["calling abort"]),
    ("abort-with-returning-handler", "sig_abort", ["handler"], -signal.SIGABRT, ["SIGABRT handler ran, returning"]),
    ("sigfpe-intdiv-handler", "sig_fpe", ["handled"], 0,
     ["SIGFPE caught: yes, si_code == FPE_INTDIV: yes, si_addr is the idiv: yes",
      "overflow SIGFPE caught: yes, si_code == FPE_INTDIV: yes", "handler hits: 2, 100/7 = 14"]),
    ("sigfpe-unhandled", "sig_fpe", ["unhandled"], -signal.SIGFPE, ["dividing by zero without a handler"]),
    ("int3-sigtrap-ud2-sigill-handlers", "sig_trap", ["handled"], 0,
     ["SIGTRAP yes, si_code == SI_KERNEL: yes, saved EIP after int3: yes, hits 1",
      "SIGILL: yes, si_code == ILL_ILLOPN: yes, si_addr is the ud2: yes, saved EIP is the ud2: yes",
      "__builtin_trap gave SIGILL: yes, ILL_ILLOPN: yes, ill hits 2"]),
    ("int3-unhandled-sigtrap", "sig_trap", ["trap-unhandled"], -signal.SIGTRAP, ["int3 without a handler"]),
    ("builtin-trap-unhandled-sigill", "sig_trap", ["ill-unhandled"], -signal.SIGILL,
     ["__builtin_trap without a handler"]),
]


_check_native = support.check_native_oracle


@pytest.mark.parametrize("prog,args,rc,expect", [pytest.param(p, a, r, e, id=i) for i, p, a, r, e in CASES])
def test_signal_program(prog, args, rc, expect, tmp_path):
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c")
    argv = [exe, *args]
    native = support.run_native_raw(argv, cwd=tmp_path)
    _check_native(native, rc, expect, f"{prog} {args}")
    emulated = support.run_fexlite_raw(argv, cwd=tmp_path)
    support.assert_same(native, emulated, f"{prog} {' '.join(args)}")


# SIGINT from outside while the guest is blocked in read() on stdin (kept open).
@pytest.mark.parametrize("mode,rc,expect", [
    pytest.param("handler", 3, b"ready\ngot SIGINT in handler\n", id="sigint-outside-handler-exits-3"),
    pytest.param("default", -signal.SIGINT, b"ready\n", id="sigint-outside-default-kills"),
])
def test_sigint_from_outside(mode, rc, expect, tmp_path):
    exe = support.compile_m32(support.EXAMPLES_DIR / "sig_sigint.c")
    native = support.signal_after_ready_native([exe, mode], signal.SIGINT, cwd=tmp_path)
    assert native == (rc, expect, b""), f"native oracle unexpected: {native}"
    emulated = support.signal_after_ready_fexlite([exe, mode], signal.SIGINT, cwd=tmp_path)
    support.assert_same(native, emulated, f"sig_sigint {mode} + SIGINT from outside")
