"""-L/--rootfs: absolute paths are looked up under the root first, as qemu-user does.
Oracle: the same programs run natively under chroot(8) into the same root (as root)."""
import os
import shutil
import subprocess

import pytest

import support

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chroot"),
                                reason="the chroot oracle needs root and chroot(8)")


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    for d in ("bin", "etc", "lib", "lib32", "data"):
        (r / d).mkdir(parents=True)
    shutil.copy(support.BUSYBOX, r / "bin" / "busybox")
    (r / "etc" / "hostname").write_text("inside the root\n")
    # the root's own user names (fexlite falls back to the host's files only for paths
    # the root does not have, so the root must have what the programs look up)
    (r / "etc" / "passwd").write_text("rootuser:x:0:0::/:/bin/sh\n")
    (r / "etc" / "group").write_text("rootgroup:x:0:\n")
    (r / "data" / "numbers").write_text("".join(f"{i}\n" for i in range(50, 0, -1)))
    return r


def _chroot(root, argv):
    done = subprocess.run([shutil.which("chroot"), str(root), *argv], capture_output=True, timeout=60,
                          env=support.guest_env())
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", [
    ["cat", "/etc/hostname"],
    ["sort", "-n", "/data/numbers"],
    ["ls", "-l", "/data"],
    ["sh", "-c", "cd /data && /bin/busybox wc -l numbers && /bin/busybox head -3 /data/numbers"],
], ids=["cat", "sort", "ls", "sh-exec"])
def test_static_program_sees_the_root(root, args, tmp_path):
    native = _chroot(root, ["/bin/busybox", *args])
    emulated = support.run_fexlite([str(root / "bin" / "busybox"), *args], cwd=tmp_path,
                                   extra_opts=("-L", str(root)))
    support.assert_same(native, emulated, " ".join(args))


def test_dynamic_program_takes_interpreter_and_libc_from_the_root(root, tmp_path):
    exe = support.compile_m32(support.EXAMPLES_DIR / "argv_env.c", static=False)
    shutil.copy(exe, root / "bin" / "prog")
    shutil.copy(os.path.realpath("/lib/ld-linux.so.2"), root / "lib" / "ld-linux.so.2")
    libc = "/usr/lib32/libc.so.6" if os.path.exists("/usr/lib32/libc.so.6") else "/lib32/libc.so.6"
    shutil.copy(os.path.realpath(libc), root / "lib32" / "libc.so.6")
    native = _chroot(root, ["/bin/prog", "one"])
    assert native[0] == 0, native
    emulated = support.run_fexlite([str(root / "bin" / "prog"), "one"], cwd=tmp_path,
                                   extra_opts=("-L", str(root)))
    # argv[0] differs (the chroot path vs the host path); the rest must match
    assert emulated[0] == native[0] and emulated[2] == native[2]
    assert native[1].split(b"\n")[2:] == emulated[1].split(b"\n")[2:]


def test_rootfs_must_be_a_directory(tmp_path):
    rc, out, err = support.run_fexlite_cli(["run", "-L", str(tmp_path / "nope"), support.BUSYBOX,
                                            "true"], cwd=tmp_path)
    assert rc != 0 and err.count(b"\n") == 1 and b"--rootfs" in err and b"Traceback" not in err
