"""Routes: construction, availability, --strace notes, and end-to-end busybox runs on every
route and backend available here (compat via emulated and via the arm64 gateway model,
native, passthrough) giving the same output."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fexlite import backends as B, host, routes as R
from fexlite.errors import FexliteError

REPO = Path(__file__).resolve().parent.parent
BB = "/bin/busybox"


def test_make_route_defaults_and_errors():
    r = R.make_route("compat")
    assert r.backend.name == ("arm64-bit31" if B.Arm64Bit31.available()[0] else "emulated")
    assert R.make_route("native").backend.name == "host-native"
    assert R.make_route("compat", "arm64-bit31-model").backend.name == "arm64-bit31-model"
    with pytest.raises(FexliteError, match="unknown route"):
        R.make_route("nope")
    with pytest.raises(FexliteError, match="unknown backend"):
        R.make_route("compat", "nope")
    with pytest.raises(FexliteError, match="does not serve route"):
        R.make_route("native", "emulated")
    if host.MACHINE != "aarch64":
        with pytest.raises(FexliteError, match="not available here"):
            R.make_route("compat", "arm64-bit31")


def test_default_route_is_compat():
    """compat by default: through the real gateway where it exists, else the emulated
    arm32 kernel (which now gives 32-bit directory offsets, so readdir works)."""
    assert R.DEFAULT_ROUTE == "compat"
    assert R.Compat.default_backend() == ("arm64-bit31" if B.Arm64Bit31.available()[0]
                                          else "emulated")


def test_every_route_says_whether_it_is_available():
    for name, cls in R.ROUTES.items():
        ok, why = cls.available()
        assert isinstance(ok, bool) and why


class _Proc:
    def __init__(self):
        from fexlite.memory import AddressSpace
        self.space = AddressSpace.__new__(AddressSpace)
        self.space.regions = []


def test_describe_notes():
    r = R.make_route("compat")
    r._translator(_Proc())
    assert r.describe(197, "fstat64") == "compat: #197, stat64 96->104 bytes"
    assert r.describe(20, "getpid") == "compat: #20"
    assert r.describe(180, "pread64") == "compat: #180, pad slot before the 64-bit pair"
    assert r.describe(272, "fadvise64_64") == \
        "compat: arm_fadvise64_64 #270, arguments re-laid"
    n = R.make_route("native")
    n._translator(_Proc())
    assert n.describe(197, "fstat64").startswith("native: fstat #5, stat64 96->144 bytes")
    assert R.make_route("passthrough").describe(20, "getpid") == ""


# ------------------------------------------------------------------ end to end
DRIVER = """
import sys
import fexlite.legacy  # noqa: F401  (until process.py imports it)
import fexlite.run as run, fexlite.routes as routes
from fexlite.cli import main
backend = sys.argv.pop(1) or None
make = routes.make_route
run.make_route = lambda name, b=None: make(name, b or backend)
sys.exit(main())
"""


def fexlite(route, backend, args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO), LC_ALL="C", TZ="UTC")
    return subprocess.run([sys.executable, "-c", DRIVER, backend or "", "run", "--route", route,
                           BB, *args], cwd=cwd, env=env, capture_output=True, timeout=300)


VARIANTS = [("compat", None), ("compat", "arm64-bit31-model"), ("native", None)]
APPLETS = [
    ["ls", "-la", "/"],
    ["ls", "-lR", "."],
    ["cat", "a.txt", "missing"],
    ["sha256sum", "a.txt", "b.bin"],
    ["wc", "a.txt", "b.bin"],
    ["sort", "-r", "a.txt"],
    ["stat", "-c", "%s %i %h %f", "a.txt", "b.bin", "."],
    ["tail", "-c", "10", "b.bin"],
    ["find", ".", "-type", "f"],
    ["date", "-u", "-d", "@1000000000"],
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    d = tmp_path_factory.mktemp("tree")
    (d / "a.txt").write_text("pear\napple\nfig\n")
    (d / "b.bin").write_bytes(bytes(range(256)) * 300)
    (d / "sub").mkdir()
    (d / "sub" / "c").write_text("c\n")
    for p in d.rglob("*"):
        os.utime(p, (1_000_000_000, 1_000_000_000))
    os.utime(d, (1_000_000_000, 1_000_000_000))
    return d


@pytest.mark.skipif(not os.path.exists(BB) or not B.X86Int80.available()[0],
                    reason="needs /bin/busybox and the passthrough route as the reference")
@pytest.mark.parametrize("route, backend", VARIANTS, ids=[f"{r}-{b or 'default'}"
                                                          for r, b in VARIANTS])
@pytest.mark.parametrize("args", APPLETS, ids=[" ".join(a[:2]) for a in APPLETS])
def test_busybox_same_output_as_passthrough(route, backend, args, tree):
    ref = fexlite("passthrough", None, args, tree)
    got = fexlite(route, backend, args, tree)
    if args[:2] == ["ls", "-la"] and args[2] == "/":     # /proc's link count moves
        strip = lambda b: b"\n".join(l for l in b.splitlines() if not l.endswith(b" proc")
                                     and not l.endswith(b" tmp"))
        ref_out, got_out = strip(ref.stdout), strip(got.stdout)
    else:
        ref_out, got_out = ref.stdout, got.stdout
    assert (got.returncode, got_out, got.stderr) == (ref.returncode, ref_out, ref.stderr)
