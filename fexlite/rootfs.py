"""`-L/--rootfs DIR`, as qemu-user does it: an absolute path the guest names is looked up
under DIR first and used from there when it exists there; otherwise the host's own."""
import os

from . import abi

PATH_BUFFER = 4096


class Rootfs:
    def __init__(self, root: str):
        self.root = os.fsencode(os.path.abspath(root))

    def host_path(self, path: bytes) -> bytes:
        if path.startswith(b"/"):
            inside = self.root + path
            if os.path.lexists(inside):
                return inside
        return path

    def wrap(self, name: str, fn, emulated: bool):
        """The table entry for NAME with its path arguments looked up under the root."""
        sig = abi.signature(name)
        positions = [i for i, a in enumerate(sig.args) if a.kind == "path"] if sig else []
        if not positions:
            return fn

        def call(t, *args):
            args = list(args)
            base = t.space.scratch(PATH_BUFFER * len(positions), "rootfs")
            for n, i in enumerate(positions):
                if not args[i]:
                    continue
                path = t.space.read_cstr(args[i])
                mapped = self.host_path(path)
                if mapped is not path:
                    args[i] = base + n * PATH_BUFFER
                    t.space.write(args[i], mapped[:PATH_BUFFER - 1] + b"\0")
            return fn(t, *args) if emulated else fn(*args)
        return call


def takes_paths(name: str) -> bool:
    sig = abi.signature(name)
    return bool(sig) and any(a.kind == "path" for a in sig.args)
