"""Guest processes (issue 5): fork/vfork/posix_spawn, execve of ELF and #! scripts, pipes,
wait statuses, /proc/self/exe, system(); and busybox sh scripts that spawn many guest
processes.  Differential against native i386 execution: stdout, stderr and the raw
subprocess returncode must match (marked `processes`, like test_busybox_processes.py).

The native run of every examples/proc_*.c program is first checked against what it is
known to print natively, so a test cannot pass by both sides failing alike.
"""
from __future__ import annotations

import os
import re
import shlex

import pytest

import support

BB = support.BUSYBOX
pytestmark = [pytest.mark.processes,
              pytest.mark.skipif(not os.path.exists(BB), reason=f"{BB} not installed")]

SCRIPT = """#!/bin/busybox sh
echo "script: $# args: [$1] [$2]"
echo "GREETING=$GREETING"
[ "$1" = in-place ] && exit 6
exit 5
"""

# (id, program, args (SCRIPT = path of the #! script), native raw returncode, native stdout must contain)
CASES = [
    ("fork-waitpid-exit-status", "proc_fork_wait", [], 0,
     ["waitpid child 2: matched yes, WIFEXITED yes, status 255", "waitpid child 1: matched yes, WIFEXITED yes, status 42",
      "waitpid child 0: matched yes, WIFEXITED yes, status 0", "ECHILD: yes", "WNOHANG while the child runs: 0",
      "then blocking wait matched: yes, status 1"]),
    ("fork-exec-busybox-echo", "proc_fork_exec", [], 0,
     ["from child\nbusybox echo child exited 0", "via-execv\nexecv child exited 0",
      "exec failed, ENOENT: yes\nfailed-exec child exited 99",
      "re-executed: argc 3, argv[2]=second, FOO=bar, PATH set: no\nre-exec child exited 11"]),
    ("posix-spawn-and-vfork-exec", "proc_spawn", [], 0,
     ["spawned directly\nposix_spawn rc 0, child status 0", "captured through the pipe: [captured], status 4",
      "after vfork\nvfork child status 0"]),
    ("execve-shebang-busybox-script", "proc_exec_script", ["SCRIPT"], 6,
     ["script: 2 args: [first arg] [second]\nGREETING=hello from env\nscript child: exited yes, status 5",
      "script: 1 args: [in-place] []"]),
    ("pipe-parent-child", "proc_pipe", [], 0,
     ["reply (32 bytes): count=200 sum=60300", "big block: 65536 bytes, checksum 38808000, EOF after: yes"]),
    ("proc-self-exe-realpath", "proc_selfexe", ["a", "b c"], 0,
     ["parent: /proc/self/exe == realpath(argv[0]): yes", "parent: /proc/self/cmdline matches argv: yes",
      "child: /proc/self/exe == realpath(argv[0]): yes", "child: /proc/self/cmdline matches argv: yes"]),
    ("system-host-sh", "proc_system", [], 0,
     ["system(NULL) says a shell exists: yes", "from system\nstatus: exited yes, code 3", "ec\npipeline status 0",
      "shell killed itself: signalled yes, signal is SIGTERM: yes"]),
    ("wait-status-killed-by-sigterm", "proc_sigterm", [], 0,
     ["default SIGTERM: WIFEXITED no, WIFSIGNALED yes, WTERMSIG 15", "SIGKILL: WIFEXITED no, WIFSIGNALED yes, WTERMSIG 9",
      "handled SIGTERM: WIFEXITED yes, WIFSIGNALED no, status 9"]),
]


_check_native = support.check_native_oracle


@pytest.mark.parametrize("prog,args,rc,expect", [pytest.param(p, a, r, e, id=i) for i, p, a, r, e in CASES])
def test_process_program(prog, args, rc, expect, tmp_path):
    exe = support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c")
    script = tmp_path / "scripts" / "hello.sh"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    script.chmod(0o755)
    argv = [exe, *[str(script) if a == "SCRIPT" else a for a in args]]
    run_dir = tmp_path / "cwd"
    run_dir.mkdir()
    native = support.run_native_raw(argv, cwd=run_dir)
    _check_native(native, rc, expect, prog)
    emulated = support.run_fexlite_raw(argv, cwd=run_dir)
    support.assert_same(native, emulated, " ".join(map(str, [prog, *args])))


# ------------------------------------------------------------------ busybox sh scripts
# (id, script for `busybox sh -c`, native raw returncode, native stdout must contain); run in
# the shared read-only tree of conftest.make_tree.
SH_CASES = [
    ("sh-pipeline-3-applets", "cat lines.txt | sort | uniq -c", 0, ["      2 apple 10"]),
    ("sh-subshell", "(cd sub && ls && exit 4); echo \"rc=$?\"; (echo in-subshell; false) || echo or-branch; ls -d sub",
     0, ["a.txt\nb.txt\ndeeper\nrc=4\nin-subshell\nor-branch\nsub"]),
    ("sh-command-substitution",
     "n=$(ls sub | wc -l); files=$(find sub -type f | sort | tr '\\n' ' '); echo \"n=$n files=$files\"; "
     "echo \"nested=$(echo $(echo deep | tr a-z A-Z))\"", 0,
     ["n=3 files=sub/a.txt sub/b.txt sub/deeper/c.txt sub/deeper/d.dat ", "nested=DEEP"]),
    ("sh-for-loop-spawns-applets",
     "for f in hello.txt lines.txt sub/a.txt; do wc -l < $f; basename $f .txt; md5sum $f | cut -c1-8; done; "
     "i=0; while [ $i -lt 5 ]; do i=$(expr $i + 1); /bin/busybox echo -n $i; done; echo", 0,
     ["1\nhello\n", "10\nlines\n", "12345"]),
    ("sh-xargs", "find sub -type f -name '*.txt' | sort | xargs wc -l; echo a b c d e | xargs -n 2 echo; "
                 "ls sub | xargs -I{} echo '[{}]'", 0, ["a b\nc d\ne\n", "[deeper]"]),
    ("sh-find-exec", "find . -name '*.txt' -exec grep -l needle {} \\; | sort; "
                     "find sub -type f -exec md5sum {} + | sort; find sub -name b.txt -exec cat {} \\;", 0,
     ["./lines.txt\n./sorted.txt\n./sub/a.txt\n./sub/deeper/c.txt\n", "beta\n"]),
    ("sh-runs-gcc-program-by-path", "EXITCODE 42; echo \"rc=$?\"; ARGV_ENV 'two words' x | grep '^argv'; "
                                    "FORK_WAIT | head -n 2; echo done", 0,
     ["exiting with 42 via exit\nrc=42\nargv[1]=[two words] len=9\nargv[2]=[x] len=1\n",
      "parent: forked 3, pids distinct and not ours: yes\nwaitpid child 2: matched yes, WIFEXITED yes, status 255\ndone\n"]),
]


def _sh_script(text):
    progs = {"EXITCODE": "exitcode", "ARGV_ENV": "argv_env", "FORK_WAIT": "proc_fork_wait"}
    for key, prog in progs.items():
        if key in text:
            text = text.replace(key, shlex.quote(str(support.compile_m32(support.EXAMPLES_DIR / f"{prog}.c"))))
    return text


@pytest.mark.parametrize("script,rc,expect", [pytest.param(s, r, e, id=i) for i, s, r, e in SH_CASES])
def test_busybox_sh_script(workdir, script, rc, expect):
    argv = [BB, "sh", "-c", _sh_script(script)]
    native = support.run_native_raw(argv, cwd=workdir)
    _check_native(native, rc, expect, script)
    emulated = support.run_fexlite_raw(argv, cwd=workdir)
    support.assert_same(native, emulated, f"busybox sh -c {script!r}")


def test_busybox_sh_redirections_then_cat(tmp_path):
    """Redirections (>, >>, 2>, <, exec 3>) into files of a fresh directory, then cat them;
    the directories left behind must be identical too."""
    script = ("echo one > out.txt; echo two >> out.txt; ls no-such 2> err.txt; echo \"ls rc=$?\"; "
              "sort -r < out.txt > sorted.txt; exec 3> fd3.txt; echo via-fd3 >&3; exec 3>&-; "
              "{ echo grouped; echo group2; } > group.txt; cat out.txt sorted.txt fd3.txt group.txt; "
              "wc -c < err.txt | tr -d ' '; cat < out.txt | wc -l")
    dirs = []
    results = []
    for name, run in (("native", support.run_native_raw), ("fexlite", support.run_fexlite_raw)):
        d = tmp_path / name
        d.mkdir()
        os.utime(d, (1_000_000_000, 1_000_000_000))
        dirs.append(d)
        results.append(run([BB, "sh", "-c", script], cwd=d))
    _check_native(results[0], 0, ["ls rc=1\none\ntwo\ntwo\none\nvia-fd3\ngrouped\ngroup2\n", "\n2\n"], script)
    support.assert_same(*results, "busybox sh redirections")
    for d in dirs:  # mtimes differ between runs by nature; contents and modes must not
        for p in d.iterdir():
            os.utime(p, (1_000_000_000, 1_000_000_000))
    support.assert_trees_equal(*dirs, "busybox sh redirections")


@pytest.mark.parametrize("script,rc,stderr", [
    pytest.param("time -p true; echo \"rc=$?\"", 0, b"real N\nuser N\nsys N\n", id="sh-time-p-true"),
    pytest.param("time -p /bin/busybox sh -c 'echo inner; exit 3'; echo \"rc=$?\"", 0,
                 b"Command exited with non-zero status 3\nreal N\nuser N\nsys N\n", id="sh-time-p-status"),
])
def test_busybox_sh_time(workdir, script, rc, stderr):
    """`time` output varies: exit status and stdout must match exactly, stderr with every
    time value replaced by N."""
    argv = [BB, "sh", "-c", script]

    def masked(result):
        return result[0], result[1], re.sub(rb"\d+\.\d+", b"N", result[2])

    native = masked(support.run_native_raw(argv, cwd=workdir))
    assert native[0] == rc and native[2] == stderr, f"native oracle: {native}"
    emulated = masked(support.run_fexlite_raw(argv, cwd=workdir))
    support.assert_same(native, emulated, f"busybox sh -c {script!r}")
