"""`fexlite demo`: assemble the bundled examples/*.s into i386 ELFs, run each under
fexlite and, where this host runs i386 natively, natively too, and show both."""
import os
import subprocess
import sys
import tempfile
from .asm_elf import elf_from_source
from .data import data_dir

# example -> (arguments, standard input)
INPUTS = {"args": (["one", "two"], b""), "cat": ([], b"piped through cat.s\n")}


def example_sources() -> dict[str, str]:
    files = [f for f in sorted(data_dir("examples").glob("*.s"))
             if not f.name.startswith("bench_")]          # those are `fexlite bench`'s
    return {f.name[:-2]: f.read_text() for f in files}


def _run(cmd, stdin: bytes):
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, b"", str(e).encode()
    return done.returncode, done.stdout, done.stderr


def _show(label: str, result) -> None:
    rc, out, err = result
    print(f"  {label}: exit {rc}")
    for line in (out + err).decode(errors="replace").splitlines():
        print(f"    | {line}")


def run_demo(route: str = "passthrough") -> int:
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fexlite-demo-") as tmp:
        for name, source in example_sources().items():
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(elf_from_source(source))
            os.chmod(path, 0o755)
            args, stdin = INPUTS.get(name, ([], b""))
            print(f"{name}.s  ({source.splitlines()[0].lstrip('# ').strip()})")
            emulated = _run([sys.executable, "-m", "fexlite", "run", "--route", route, path, *args],
                            stdin)
            _show(f"fexlite --route {route}", emulated)
            native = _run([path, *args], stdin)
            if native[0] is None or native[0] in (126, 127) and not native[1]:
                print("  native: not runnable on this host")
            elif native == emulated:
                print("  native: identical output and exit status")
            else:
                _show("native (DIFFERENT)", native)
                failures += 1
    print(f"{len(example_sources())} examples, {failures} differ from native")
    return 1 if failures else 0
