"""Busybox applets (static i386 /bin/busybox) natively vs under fexlite: identical stdout,
stderr and exit status; for applets with file effects also identical resulting trees.

Every applet is invoked as `/bin/busybox APPLET ...` so argv[0] (used in error messages)
is the same string in both runs.  Nothing here needs fork/exec: those cases live in
test_busybox_processes.py.
"""
from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

import support

BB = support.BUSYBOX

pytestmark = pytest.mark.skipif(not os.path.exists(BB), reason=f"{BB} not installed")

# (id, argv after "busybox", stdin) -- run in the shared read-only tree
READ_ONLY = [
    ("echo", ["echo", "hello", "world"], b""),
    ("echo-e-n", ["echo", "-n", "-e", "a\\tb\\n\\x41"], b""),
    ("cat-files", ["cat", "hello.txt", "lines.txt"], b""),
    ("cat-stdin", ["cat"], b"from stdin\nline 2\n"),
    ("cat-dash-mixed", ["cat", "hello.txt", "-", "hello2.txt"], b"middle\n"),
    ("cat-missing", ["cat", "hello.txt", "no-such-file"], b""),
    ("cat-dir", ["cat", "sub"], b""),
    ("ls-la", ["ls", "-la"], b""),
    ("ls-lR", ["ls", "-lR"], b""),
    ("ls-1-sub", ["ls", "-1", "sub"], b""),
    ("ls-ld-link", ["ls", "-ld", "link", "dirlink", "empty"], b""),
    ("ls-missing", ["ls", "nope"], b""),
    ("sha256sum", ["sha256sum", "binary.bin", "hello.txt"], b""),
    ("sha256sum-stdin", ["sha256sum"], b"abc"),
    ("md5sum", ["md5sum", "binary.bin", "empty.txt"], b""),
    ("md5sum-stdin", ["md5sum"], b"The quick brown fox\n" * 1000),
    ("sha1sum", ["sha1sum", "lines.txt", "binary.bin"], b""),
    ("sha512sum", ["sha512sum", "binary.bin"], b""),
    ("sort", ["sort", "lines.txt"], b""),
    ("sort-n-r", ["sort", "-n", "-r", "numbers.txt"], b""),
    ("sort-stdin-k", ["sort", "-k2,2n", "-k1,1"], b"b 2\na 2\nc 1\nd 10\n"),
    ("uniq-c", ["uniq", "-c", "sorted.txt"], b""),
    ("wc", ["wc", "lines.txt", "binary.bin"], b""),
    ("wc-stdin", ["wc"], b"one two\nthree\n\nfour five six\n"),
    ("wc-l-c", ["wc", "-l", "-c", "hello2.txt"], b""),
    ("head-n", ["head", "-n", "3", "lines.txt"], b""),
    ("tail-n", ["tail", "-n", "2", "lines.txt"], b""),
    ("tail-c-binary", ["tail", "-c", "100", "binary.bin"], b""),
    ("cut-d", ["cut", "-d", ",", "-f", "1,3", "data.csv"], b""),
    ("tr", ["tr", "a-z", "A-Z"], b"Hello, World!\n"),
    ("tr-d", ["tr", "-d", "aeiou"], b"education is important\n"),
    ("sed-s", ["sed", "s/o/0/g", "hello2.txt"], b""),
    ("sed-n", ["sed", "-n", "2,4p", "lines.txt"], b""),
    ("sed-stdin-regex", ["sed", "-e", "s/\\([a-z]*\\) \\([0-9]*\\)/\\2:\\1/"], b"apple 10\nfig 1\n"),
    ("awk-sum", ["awk", "{s += $1} END {print s, NR}", "numbers.txt"], b""),
    ("awk-printf", ["awk", "-F,", "NR > 1 {printf \"%-8s %5.2f %d\\n\", $1, $3 * $2, length($1)}", "data.csv"], b""),
    ("awk-math", ["awk", "BEGIN {printf \"%.6f %.6f %d\\n\", sin(1), sqrt(2), int(-3.7)}"], b""),
    ("grep-n", ["grep", "-n", "an", "lines.txt"], b""),
    ("grep-c", ["grep", "-c", "e", "lines.txt"], b""),
    ("grep-v", ["grep", "-v", "e", "lines.txt"], b""),
    ("grep-r", ["grep", "-r", "needle", "."], b""),
    ("grep-nomatch", ["grep", "zzz", "lines.txt"], b""),
    ("grep-E-stdin", ["grep", "-E", "^(a|c)"], b"apple\nbanana\ncherry\n"),
    ("find-name", ["find", ".", "-name", "*.txt"], b""),
    ("find-type-d", ["find", ".", "-type", "d"], b""),
    ("find-type-l", ["find", ".", "-type", "l"], b""),
    ("stat-c", ["stat", "-c", "%n %s %a %F %h %Y", "hello.txt", "sub", "link", "script.sh", "empty.txt"], b""),
    ("stat-L", ["stat", "-L", "-c", "%n %s %F", "link"], b""),
    ("date-epoch", ["date", "-d", "@0", "-u"], b""),
    ("date-format", ["date", "-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S %j %a"], b""),
    ("env-i", ["env", "-i", "FOO=bar", "X=y z"], b""),
    ("env", ["env"], b""),
    ("expr-arith", ["expr", "3", "+", "4", "*", "5"], b""),
    ("expr-length", ["expr", "length", "hello"], b""),
    ("expr-false", ["expr", "0", "+", "0"], b""),
    ("seq", ["seq", "1", "3", "20"], b""),
    ("seq-neg", ["seq", "5", "-2", "-5"], b""),
    ("printf", ["printf", "%05d|%s|%x|%c|%.3f\\n", "42", "abc", "255", "Z", "3.14159"], b""),
    ("od-c", ["od", "-c", "hello.txt"], b""),
    ("od-tx4", ["od", "-A", "x", "-t", "x4", "-N", "64", "binary.bin"], b""),
    ("dd-bs1-stdout", ["dd", "if=binary.bin", "bs=1", "count=3000", "skip=17"], b""),
    ("dd-stdin", ["dd", "bs=512", "count=2"], bytes(range(256)) * 8),
    ("true", ["true"], b""),
    ("false", ["false"], b""),
    ("test-f", ["test", "-f", "hello.txt"], b""),
    ("test-d-file", ["test", "-d", "hello.txt"], b""),
    ("test-L", ["test", "-L", "link"], b""),
    ("bracket", ["[", "3", "-lt", "20", "]"], b""),
    ("basename", ["basename", "/a/b/c.txt", ".txt"], b""),
    ("dirname", ["dirname", "/a/b/c.txt"], b""),
    ("hexdump-C", ["hexdump", "-C", "-n", "300", "binary.bin"], b""),
    ("hexdump-C-stdin", ["hexdump", "-C"], b"hello\x00\x01\x02world\n"),
    ("xxd", ["xxd", "-l", "128", "binary.bin"], b""),
    ("base64", ["base64", "hello2.txt"], b""),
    ("base64-d", ["base64", "-d"], b"aGVsbG8gd29ybGQK\n"),
    ("cmp-differ", ["cmp", "hello.txt", "hello2.txt"], b""),
    ("cmp-same", ["cmp", "binary.bin", "binary.bin"], b""),
    ("diff-u", ["diff", "-u", "hello.txt", "hello2.txt"], b""),
    ("diff-same", ["diff", "lines.txt", "lines.txt"], b""),
    ("du-s", ["du", "-s", "."], b""),
    ("du-a", ["du", "-a", "sub"], b""),
    ("sleep", ["sleep", "0.1"], b""),
    ("readlink", ["readlink", "link"], b""),
    ("realpath", ["realpath", "dirlink/c.txt"], b""),
    ("pwd", ["pwd"], b""),
    ("uname-sm", ["uname", "-s", "-m"], b""),
    ("id", ["id"], b""),
    ("whoami", ["whoami"], b""),
    ("tac", ["tac", "lines.txt"], b""),
    ("rev", ["rev", "hello2.txt"], b""),
    ("nl", ["nl", "lines.txt"], b""),
    ("strings", ["strings", "-n", "6", "sub/deeper/d.dat", "lines.txt"], b""),
    ("gzip-c", ["gzip", "-c", "binary.bin"], b""),
    ("gzip-stdin", ["gzip", "-c", "-9"], b"compress me " * 500),
    ("cksum", ["cksum", "binary.bin"], b""),
    ("crc32", ["crc32", "binary.bin"], b""),
    ("factor", ["factor", "600851475143", "97"], b""),
    ("paste", ["paste", "-d:", "hello2.txt", "lines.txt"], b""),
    ("fold", ["fold", "-w", "5", "lines.txt"], b""),
    ("unknown-applet", ["no-such-applet"], b""),
    ("bad-option", ["ls", "--no-such-option"], b""),
]


@pytest.mark.parametrize("args,stdin", [pytest.param(a, s, id=i) for i, a, s in READ_ONLY])
def test_read_only(workdir, args, stdin):
    support.differential([BB, *args], stdin=stdin, cwd=workdir)


# (id, [(argv after "busybox", stdin), ...]) -- steps run in order in each of two
# identical fresh trees (native, then fexlite); every step's result and the final trees
# must be identical.
FILE_EFFECTS = [
    ("tar-create-extract", [(["tar", "-cf", "out.tar", "sub", "hello.txt", "link"], b""),
                            (["mkdir", "x"], b""),
                            (["tar", "-xf", "out.tar", "-C", "x"], b""),
                            (["tar", "-tvf", "out.tar"], b"")]),
    ("tar-stdout-stdin", [(["tar", "-cf", "-", "sub"], b""),
                          (["mkdir", "y"], b""),
                          (["tar", "-xvf", "out2.tar", "-C", "y"], b"")]),
    ("gzip-gunzip", [(["cp", "binary.bin", "bin.copy"], b""),
                     (["gzip", "bin.copy"], b""),
                     (["gunzip", "bin.copy.gz"], b""),
                     (["cmp", "bin.copy", "binary.bin"], b"")]),
    ("gzip-keep-zcat", [(["gzip", "-k", "lines.txt"], b""),
                        (["zcat", "lines.txt.gz"], b"")]),
    ("cp-r", [(["cp", "-r", "sub", "subcopy"], b""),
              (["ls", "-lR", "subcopy"], b"")]),
    ("cp-a", [(["mkdir", "archived"], b""),
              (["cp", "-a", "sub", "link", "archived"], b""),
              (["ls", "-lR", "archived"], b"")]),
    ("mv", [(["mv", "hello.txt", "moved.txt"], b""),
            (["mv", "sub", "empty"], b""),
            (["mv", "nonexistent", "x"], b"")]),
    ("rm-r", [(["rm", "-r", "sub"], b""),
              (["rm", "lines.txt", "link"], b""),
              (["rm", "nope"], b""),
              (["rm", "-f", "nope"], b"")]),
    ("mkdir-p", [(["mkdir", "-p", "a/b/c"], b""),
                 (["mkdir", "-m", "700", "m700"], b""),
                 (["mkdir", "a"], b""),
                 (["stat", "-c", "%n %a %F", "a", "a/b/c", "m700"], b"")]),
    ("ln-s-readlink", [(["ln", "-s", "sub/a.txt", "newlink"], b""),
                       (["readlink", "newlink"], b""),
                       (["cat", "newlink"], b""),
                       (["ln", "hello.txt", "hard"], b""),
                       (["stat", "-c", "%h", "hello.txt"], b"")]),
    ("touch-stat", [(["touch", "newfile"], b""),
                    (["stat", "-c", "%n %s %a %F", "newfile"], b""),
                    (["touch", "-d", "2001-02-03 04:05:06", "hello.txt"], b""),
                    (["stat", "-c", "%Y %y", "hello.txt"], b"")]),
    ("dd-files", [(["dd", "if=binary.bin", "of=part.bin", "bs=4096", "count=10", "skip=3"], b""),
                  (["dd", "if=binary.bin", "of=bytes.bin", "bs=1", "count=5000"], b""),
                  (["dd", "if=hello.txt", "of=part.bin", "bs=1", "seek=100", "conv=notrunc"], b""),
                  (["wc", "-c", "part.bin", "bytes.bin"], b"")]),
    ("chmod", [(["chmod", "600", "hello.txt"], b""),
               (["chmod", "-R", "go-rwx", "sub"], b""),
               (["chmod", "u+x", "lines.txt"], b""),
               (["ls", "-l", "hello.txt", "lines.txt"], b"")]),
    ("sed-i", [(["sed", "-i", "s/apple/APPLE/", "lines.txt"], b"")]),
    ("sort-o-uniq", [(["sort", "-o", "out.txt", "lines.txt"], b""),
                     (["uniq", "out.txt", "uniq.txt"], b"")]),
    ("tee", [(["tee", "tee1.txt", "tee2.txt"], b"tee data\n" * 100)]),
    ("truncate", [(["truncate", "-s", "1000", "hello.txt"], b""),
                  (["truncate", "-s", "10", "binary.bin"], b"")]),
    ("rmdir-unlink", [(["rmdir", "empty"], b""),
                      (["rmdir", "sub"], b""),
                      (["unlink", "empty.txt"], b"")]),
    ("cat-redirect-by-dd", [(["dd", "of=fromstdin.bin"], bytes(range(256)) * 300)]),
    ("mktemp-free-names", [(["mkfifo", "fifo"], b""),
                           (["stat", "-c", "%F %a", "fifo"], b"")]),
]


@pytest.mark.parametrize("steps", [pytest.param(s, id=i) for i, s in FILE_EFFECTS])
def test_file_effects(twin_trees, steps):
    native_root, emu_root = twin_trees
    native_results = []
    for args, stdin in steps:
        native_results.append(support.run_native([BB, *args], stdin, cwd=native_root))
        if args[:3] == ["tar", "-cf", "-"]:  # keep the archive from stdout for the next step
            (native_root / "out2.tar").write_bytes(native_results[-1][1])
    for (args, stdin), nres in zip(steps, native_results):
        eres = support.run_fexlite([BB, *args], stdin, cwd=emu_root)
        if args[:3] == ["tar", "-cf", "-"]:
            (emu_root / "out2.tar").write_bytes(eres[1])
        support.assert_same(nres, eres, "busybox " + " ".join(args))
    support.assert_trees_equal(native_root, emu_root)


def test_tar_round_trip_tree(twin_trees):
    """tar c + tar x natively and emulated: the extracted tree equals the source tree."""
    for root, run in zip(twin_trees, (support.run_native, support.run_fexlite)):
        assert run([BB, "tar", "-cf", "t.tar", "sub", "dirlink"], cwd=root)[0] == 0
        os.mkdir(root / "out")
        r = run([BB, "tar", "-xf", "t.tar", "-C", "out"], cwd=root)
        assert r[0] == 0, r
        cmp = filecmp.dircmp(root / "sub", root / "out" / "sub")
        assert not (cmp.left_only or cmp.right_only or cmp.diff_files), cmp.report()
        assert support.snapshot_tree(root / "sub") == support.snapshot_tree(root / "out" / "sub")
        assert os.readlink(root / "out" / "dirlink") == "sub/deeper"
        # tar restores mtimes
        assert (root / "out" / "sub" / "a.txt").stat().st_mtime == (root / "sub" / "a.txt").stat().st_mtime
    support.assert_trees_equal(*twin_trees)


def test_gzip_round_trip_bytes(twin_trees):
    """gzip then gunzip gives back the original bytes, and the .gz files are identical."""
    gz = []
    for root, run in zip(twin_trees, (support.run_native, support.run_fexlite)):
        r = run([BB, "gzip", "-c", "binary.bin"], cwd=root)
        assert r[0] == 0, r
        gz.append(r[1])
        r2 = run([BB, "gunzip", "-c"], stdin=r[1], cwd=root)
        assert r2[0] == 0, r2[2]
        assert r2[1] == (root / "binary.bin").read_bytes()
    assert gz[0] == gz[1]
