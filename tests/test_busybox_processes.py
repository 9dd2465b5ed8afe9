"""Busybox cases that need several guest processes: fork/vfork/clone, execve, pipes
between processes, wait4, signals sent to the shell.  Marked `processes` so they can be
tracked separately (`pytest -m processes` / `-m "not processes"`).

busybox sh is built with standalone applets: `yes`, `head`, ... run in forked children
of the shell without executing host binaries; explicit paths are /bin/busybox.
"""
from __future__ import annotations

import os

import pytest

import support

BB = support.BUSYBOX

pytestmark = [pytest.mark.processes,
              pytest.mark.skipif(not os.path.exists(BB), reason=f"{BB} not installed")]

# (id, argv after "busybox", stdin) -- run in the shared read-only tree
CASES = [
    ("yes-head", ["sh", "-c", "yes | head -n 5"], b""),
    ("pipeline-md5", ["sh", "-c", "cat binary.bin | md5sum"], b""),
    ("pipeline-sort-uniq", ["sh", "-c", "sort lines.txt | uniq -c | sort -rn | head -n 3"], b""),
    ("ls-wc", ["sh", "-c", "ls -1 | wc -l"], b""),
    ("exit-status", ["sh", "-c", "echo before; exit 3"], b""),
    ("false-and-or", ["sh", "-c", "false || echo or-branch; true && echo and-branch"], b""),
    ("subshell-status", ["sh", "-c", "(exit 7); echo status=$?"], b""),
    ("command-substitution", ["sh", "-c", "x=$(echo nested; echo two); echo \"[$x]\""], b""),
    ("kill-self-9", ["sh", "-c", "echo dying; kill -9 $$"], b""),
    ("trap-usr1", ["sh", "-c", "trap 'echo got USR1' USR1; kill -USR1 $$; echo after"], b""),
    ("background-wait", ["sh", "-c", "sleep 0.1 & echo started; wait; echo waited"], b""),
    ("stdin-script", ["sh"], b"echo from stdin script\nfor i in 1 2 3; do echo n=$i; done\n"),
    ("script-file", ["sh", "script.sh"], b""),
    ("here-doc", ["sh", "-c", "cat <<EOF\nhere doc line\nEOF"], b""),
    ("redirect-stderr", ["sh", "-c", "ls no-such 2>&1; echo rc=$?"], b""),
    ("exec-busybox", ["sh", "-c", "exec /bin/busybox echo exec-ed"], b""),
    ("env-exec", ["env", "-i", "A=1", "/bin/busybox", "env"], b""),
    ("xargs", ["xargs", "-n", "2", "echo"], b"a b c d e\n"),
    ("find-exec", ["find", "sub", "-name", "*.txt", "-exec", "/bin/busybox", "wc", "-c", "{}", ";"], b""),
    ("timeout", ["timeout", "5", "/bin/busybox", "echo", "in time"], b""),
    ("timeout-expires", ["timeout", "1", "/bin/busybox", "sleep", "5"], b""),
    ("tar-gzip-pipe", ["sh", "-c", "tar -czf - sub | tar -tzf -"], b""),
    ("sigpipe-status", ["sh", "-c", "yes | head -c 10 >/dev/null; echo done"], b""),
]


@pytest.mark.parametrize("args,stdin", [pytest.param(a, s, id=i) for i, a, s in CASES])
def test_processes(workdir, args, stdin):
    support.differential([BB, *args], stdin=stdin, cwd=workdir)


FILE_EFFECTS = [
    ("tar-czf-xzf", [["tar", "-czf", "out.tgz", "sub", "link"],
                     ["mkdir", "x"],
                     ["tar", "-xzf", "out.tgz", "-C", "x"]]),
    ("sh-redirects", [["sh", "-c", "echo one > f.txt; echo two >> f.txt; sort lines.txt > s.txt"]]),
    ("sh-loop-files", [["sh", "-c", "for i in 1 2 3; do mkdir -p d$i; echo $i > d$i/n; done; rm -r d2"]]),
]


@pytest.mark.parametrize("steps", [pytest.param(s, id=i) for i, s in FILE_EFFECTS])
def test_processes_file_effects(twin_trees, steps):
    native_root, emu_root = twin_trees
    native = [support.run_native([BB, *a], cwd=native_root) for a in steps]
    for a, n in zip(steps, native):
        support.assert_same(n, support.run_fexlite([BB, *a], cwd=emu_root), "busybox " + " ".join(a))
    support.assert_trees_equal(native_root, emu_root)
