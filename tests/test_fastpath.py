"""The compiled fast path: its table comes from the routes' data, and programs behave the
same with it on, with it forced off, and natively."""
import signal

import pytest

import support
from fexlite import abi, fastpath, routes

pytestmark = pytest.mark.skipif(fastpath.load() is None,
                                reason=f"no compiled fast path here: {fastpath.why_not()}")


def _spec(route_name, name):
    route = routes.make_route(route_name)
    return fastpath.fast_spec(route, abi.numbers("i386")[name], name)


def test_passthrough_takes_every_call_to_int80_unchanged():
    assert _spec("passthrough", "getpid") == (fastpath.GATE_INT80, 20, 0)
    assert _spec("passthrough", "fstat64") == (fastpath.GATE_INT80, 197, 0)


@pytest.mark.parametrize("route_name", ["native", "compat"])
def test_native_and_compat_take_only_renumbered_calls(route_name):
    x86_64 = abi.numbers("x86_64")
    assert _spec(route_name, "getpid") == (fastpath.GATE_SYSCALL64, x86_64["getpid"], 0)
    # read(fd, buf, count): the fd is sign-extended, pointer and count are not
    assert _spec(route_name, "read") == (fastpath.GATE_SYSCALL64, x86_64["read"], 0b001)
    # setpgid(pid, pgid): both signed
    assert _spec(route_name, "setpgid") == (fastpath.GATE_SYSCALL64, x86_64["setpgid"], 0b11)
    for converted in ("fstat64", "openat", "_llseek", "pread64", "epoll_wait", "nanosleep"):
        assert _spec(route_name, converted) is None, converted


def test_the_arm64_model_always_runs_the_gateway_stub():
    route = routes.make_route("compat", "arm64-bit31-model")
    assert fastpath.fast_spec(route, 20, "getpid") is None


def test_verbose_says_whether_the_fast_path_is_on(tmp_path):
    rc, out, err = support.run_fexlite_cli(["run", "-v", support.BUSYBOX, "true"], cwd=tmp_path)
    assert rc == 0 and b"compiled fast path on" in err
    rc, out, err = support.run_fexlite_cli(["run", "-v", "--no-fast-path", support.BUSYBOX, "true"],
                                           cwd=tmp_path)
    assert rc == 0 and b"Python path" in err


CASES = [
    ["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=5000"],
    ["sh", "-c", "for i in 1 2 3; do echo $i | cat; done; trap 'echo usr1' USR1; kill -USR1 $$"],
    ["sha256sum", "/bin/busybox"],
]


@pytest.mark.parametrize("opts", [[], ["--no-fast-path"]], ids=["fast", "python"])
@pytest.mark.parametrize("args", CASES, ids=["dd", "sh-signal", "sha256sum"])
def test_same_as_native_with_and_without_fast_path(args, opts, tmp_path):
    support.differential([support.BUSYBOX, *args], cwd=tmp_path, extra_opts=opts)


needs_fast_path = pytest.mark.skipif(
    "--no-fast-path" in support.fexlite_opts_from_env(),
    reason="without the compiled fast path running guest code is only interrupted at its "
           "syscalls (README, known gaps)")


@needs_fast_path
def test_spinning_thread_gets_preempted(tmp_path):
    """One thread spins on a flag another sets without syscalls: only the fast path's
    time slices let the setter run."""
    src = tmp_path / "spin.c"
    src.write_text("""
#include <stdio.h>
#include <pthread.h>
static volatile int flag;
static void *setter(void *a) { for (volatile long i = 0; i < 200000; i++); flag = 1; return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, setter, 0); while (!flag); pthread_join(t, 0);
                 puts("spin done"); return 0; }
""")
    exe = support.compile_m32(src, extra_flags=("-pthread",))
    support.differential([str(exe)], cwd=tmp_path)


@needs_fast_path
def test_signal_reaches_a_compute_loop(tmp_path):
    src = tmp_path / "busy.c"
    src.write_text("""
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
static volatile int stop;
static void h(int s) { stop = 1; }
int main(void) { signal(SIGALRM, h); alarm(1); unsigned long n = 0; while (!stop) n++;
                 printf("stopped %d\\n", n > 0); return 0; }
""")
    exe = support.compile_m32(src)
    support.differential([str(exe)], cwd=tmp_path)
