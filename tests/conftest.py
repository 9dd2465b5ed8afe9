"""Fixtures shared by the differential tests.

Route hook: every differential run appends the options from the environment variable
FEXLITE_OPTS (split with shlex) to `fexlite run`; FEXLITE_ROUTE=NAME adds `--route NAME`.
The pytest options --fexlite-opts / --fexlite-route set those variables for the session,
so `pytest --fexlite-route=native tests/` runs the whole suite on one route.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402

FIXED_MTIME = 1_000_000_000  # 2001-09-09 01:46:40 UTC


def pytest_addoption(parser):
    g = parser.getgroup("fexlite")
    g.addoption("--fexlite-opts", default=None,
                help="extra options for `fexlite run` (overrides $FEXLITE_OPTS)")
    g.addoption("--fexlite-route", default=None,
                help="route to test: adds `--route ROUTE` (overrides $FEXLITE_ROUTE)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "processes: needs fork/exec/pipes between guest processes (tracked separately)")
    if config.getoption("--fexlite-opts") is not None:
        os.environ["FEXLITE_OPTS"] = config.getoption("--fexlite-opts")
    if config.getoption("--fexlite-route") is not None:
        os.environ["FEXLITE_ROUTE"] = config.getoption("--fexlite-route")


def pytest_report_header(config):
    return f"fexlite extra options: {support.fexlite_opts_from_env() or '(none)'}"


@pytest.fixture(scope="session")
def fexlite_opts():
    return support.fexlite_opts_from_env()


@pytest.fixture(scope="session")
def build_dir():
    support.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    return support.BUILD_DIR


# --------------------------------------------------------------------------- the tree

def _binary_content(size=1 << 20) -> bytes:
    """1 MiB of deterministic, poorly compressible bytes (32-bit LCG, top bytes)."""
    out = bytearray(size)
    x = 12345
    for i in range(size):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = x >> 23 & 0xFF
    return bytes(out)


_BINARY = None

LINES = """banana 3
apple 10
cherry 7
apple 10
date 42
elderberry 5
fig 1
banana 3
grape 100
needle here
"""

TEXT_FILES = {
    "hello.txt": "hello world\n",
    "hello2.txt": "hello there\nworld\n",
    "lines.txt": LINES,
    "sorted.txt": "".join(sorted(LINES.splitlines(keepends=True))),
    "numbers.txt": "".join(f"{(i * 37) % 101 - 20}\n" for i in range(40)),
    "data.csv": "name,qty,price\nbolt,12,0.25\nnut,100,0.05\nwasher,7,1.5\ngear,3,12.75\n",
    "empty.txt": "",
    "script.sh": "#!/bin/sh\necho script\n",
    "sub/a.txt": "alpha\nneedle in sub\n",
    "sub/b.txt": "beta\n",
    "sub/deeper/c.txt": "gamma\ndelta\nneedle deep\n",
    "sub/deeper/d.dat": "\x00\x01\x02\x7f binary-ish\n",
}
MODES = {"script.sh": 0o755, "sub/b.txt": 0o600, "data.csv": 0o444}


def make_tree(root) -> Path:
    """Create the standard test tree under `root` with fixed modes and mtimes."""
    global _BINARY
    if _BINARY is None:
        _BINARY = _binary_content()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in TEXT_FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("latin-1"))
    (root / "binary.bin").write_bytes(_BINARY)
    (root / "empty").mkdir()
    os.symlink("hello.txt", root / "link")
    os.symlink("sub/deeper", root / "dirlink")
    # fixed modes (independent of umask) and fixed mtimes, children before parents
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            if not p.is_symlink():
                os.chmod(p, MODES.get(rel, 0o755 if p.is_dir() else 0o644))
            os.utime(p, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)
    os.chmod(root, 0o755)
    os.utime(root, (FIXED_MTIME, FIXED_MTIME))
    return root


@pytest.fixture
def workdir(tmp_path):
    """A prepared tree (read-only use: both runs see exactly the same tree)."""
    root = make_tree(tmp_path / "tree")
    os.utime(tmp_path, (FIXED_MTIME, FIXED_MTIME))  # `ls -la` shows `..` too
    return root


@pytest.fixture
def twin_trees(tmp_path):
    """Two identical fresh trees: (native_root, fexlite_root), for runs with file effects."""
    a = make_tree(tmp_path / "native" / "tree")
    b = make_tree(tmp_path / "fexlite" / "tree")
    return a, b
