#!/usr/bin/env python3
"""Generate abi/syscalls_<abi>.tsv from the installed kernel UAPI headers.

Each table is produced by running the target's real C preprocessor over
`#include <asm/unistd.h>` with `-E -dM` and evaluating the `__NR_*` macros,
so the architecture's own configuration (EABI, asm-generic __ARCH_WANT_*,
__BITS_PER_LONG) decides which calls exist, exactly as it does for C code.

    python tools/gen_abi.py            # (re)write abi/syscalls_*.tsv
    python tools/gen_abi.py --check    # exit 1 with a diff if they are stale

Rows are `nr<TAB>name`, sorted by number.  When one number has two names
(arm32's sync_file_range2 is an alias of arm_sync_file_range) the canonical
name comes first and the alias follows.  ARM-private `__ARM_NR_x` calls are
kept as rows named `ARM_x`.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABI_DIR = ROOT / "abi"
COMMAND = "python tools/gen_abi.py"

M32_ASM = "/usr/include/x86_64-linux-gnu/asm"


@dataclass(frozen=True)
class Target:
    abi: str
    compiler: tuple[str, ...]   # preprocessor command, without the input file
    header: str                 # the UAPI header the numbers come from
    package: str                # dpkg package owning it
    m32_asm_dir: bool = False   # needs the private `asm` symlink folder


TARGETS = (
    Target("i386", ("gcc", "-m32"), "/usr/include/x86_64-linux-gnu/asm/unistd_32.h",
           "linux-libc-dev:amd64", m32_asm_dir=True),
    Target("arm32", ("arm-linux-gnueabihf-gcc",),
           "/usr/arm-linux-gnueabihf/include/asm/unistd-eabi.h",
           "linux-libc-dev-armhf-cross"),
    Target("x86_64", ("gcc",), "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
           "linux-libc-dev:amd64"),
    Target("aarch64", ("aarch64-linux-gnu-gcc",),
           "/usr/aarch64-linux-gnu/include/asm-generic/unistd.h",
           "linux-libc-dev-arm64-cross"),
)

# __NR_* macros that are bases or counts, not system calls.
NOT_SYSCALLS = {"SYSCALL_BASE", "OABI_SYSCALL_BASE", "syscalls", "arch_specific_syscall"}

_DEFINE = re.compile(r"^#define\s+(\w+)\s+(.*?)\s*$")


class GenError(Exception):
    pass


def header_version(package: str) -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise GenError(f"cannot query version of {package}: {exc}") from exc
    return out.strip()


def preprocess(target: Target, workdir: Path) -> tuple[dict[str, str], str]:
    """Run the target preprocessor; return (macro -> body, printable command)."""
    src = workdir / "unistd.c"
    src.write_text("#include <asm/unistd.h>\n")
    cmd = [*target.compiler, "-E", "-dM"]
    shown = list(cmd)
    if target.m32_asm_dir:
        inc = workdir / "m32"
        if not inc.exists():
            inc.mkdir()
            (inc / "asm").symlink_to(M32_ASM)
        cmd += ["-idirafter", str(inc)]
        shown += ["-idirafter", "$TMP/m32", "# $TMP/m32/asm ->", M32_ASM]
    cmd.append(str(src))
    shown.insert(len(target.compiler) + 2, "$TMP/unistd.c")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError as exc:
        raise GenError(f"{target.compiler[0]} not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise GenError(f"{' '.join(cmd)} failed:\n{exc.stderr}") from exc
    macros = {}
    for line in out.splitlines():
        m = _DEFINE.match(line)
        if m:
            macros[m.group(1)] = m.group(2)
    return macros, " ".join(shown)


_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub,
            ast.BitOr, ast.LShift, ast.USub, ast.Name, ast.Load)


def evaluate(expr: str, macros: dict[str, str], depth: int = 0) -> int:
    """Evaluate a C integer macro body such as `(__NR_SYSCALL_BASE + 5)`."""
    if depth > 20:
        raise GenError(f"macro recursion too deep in {expr!r}")
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", expr)
    expr = re.sub(r"\b0([0-7]+)\b", r"0o\1", expr)
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise GenError(f"unsupported macro expression {expr!r}")

    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in macros:
                raise GenError(f"undefined macro {node.id} in {expr!r}")
            return evaluate(macros[node.id], macros, depth + 1)
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.BitOr):
                return a | b
            return a << b
        raise GenError(f"unsupported macro expression {expr!r}")

    return ev(tree)


def syscall_rows(macros: dict[str, str]) -> list[tuple[int, str]]:
    """(nr, name) rows; canonical names before aliases of the same number."""
    rows = []
    for macro, body in macros.items():
        if macro.startswith("__NR_"):
            name = macro[len("__NR_"):]
            if name in NOT_SYSCALLS:
                continue
        elif macro.startswith("__ARM_NR_") and macro != "__ARM_NR_BASE":
            name = "ARM_" + macro[len("__ARM_NR_"):]
        else:
            continue
        is_alias = re.fullmatch(r"__NR_\w+", body) is not None and \
            body[len("__NR_"):] not in NOT_SYSCALLS
        rows.append((evaluate(body, macros), is_alias, name))
    rows.sort()
    return [(nr, name) for nr, _alias, name in rows]


def render(target: Target, workdir: Path) -> str:
    macros, shown = preprocess(target, workdir)
    rows = syscall_rows(macros)
    version = header_version(target.package)
    head = [
        f"# {target.abi} system call numbers. DO NOT EDIT: generated by `{COMMAND}`",
        f"# command: {shown}",
        f"# header: {target.header} from {target.package.split(':')[0]} {version}",
        "# columns: nr<TAB>name (an alias follows the canonical name of its number)",
    ]
    return "\n".join(head + [f"{nr}\t{name}" for nr, name in rows]) + "\n"


def generate() -> dict[Path, str]:
    with tempfile.TemporaryDirectory(prefix="gen_abi.") as tmp:
        return {ABI_DIR / f"syscalls_{t.abi}.tsv": render(t, Path(tmp)) for t in TARGETS}


def tools_available() -> bool:
    """True when every preprocessor and header used above is installed."""
    from shutil import which
    return all(which(t.compiler[0]) and os.path.exists(t.header) for t in TARGETS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory; exit 1 with a diff if files differ")
    args = ap.parse_args(argv)
    try:
        files = generate()
    except GenError as exc:
        print(f"gen_abi: {exc}", file=sys.stderr)
        return 2
    stale = 0
    for path, text in files.items():
        old = path.read_text() if path.exists() else ""
        if old == text:
            continue
        if args.check:
            stale += 1
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True),
                str(path.relative_to(ROOT)), "regenerated"))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
