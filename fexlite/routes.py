"""Routes: how an i386 syscall that needs no user-space emulation reaches a kernel.

A route turns (i386 number, name) into a callable taking the six raw argument
registers and returning eax, and issues it through a backend (fexlite.backends):

  compat       i386 -> arm32 EABI (fexlite.translate), then arm64-bit31 where the kernel
               has the gateway, else the emulated arm32 kernel; arm64-bit31-model runs
               the gateway's machine code in Unicorn arm64.
  native       i386 -> the host's 64-bit ABI (x86_64 here; aarch64 tables present), host-native.
  passthrough  i386 -> i386 unchanged through `int $0x80` (x86-64 hosts only).

Each route and backend says whether it is available on this host and why not.
"""
from __future__ import annotations

from . import backends as B, host, translate
from .errors import FexliteError


class Route:
    name = ""
    target = ""
    backends: tuple[str, ...] = ()
    doc = ""

    def __init__(self, backend: str | None = None):
        name = backend or self.default_backend()
        if name not in B.BACKENDS:
            raise FexliteError(f"unknown backend '{name}' (valid: {', '.join(B.BACKENDS)})")
        if name not in self.backends:
            raise FexliteError(f"backend {name} does not serve route {self.name} "
                               f"(valid: {', '.join(self.backends)})")
        self.backend = B.make_backend(name)
        self._proc = None
        self._tr = None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        reasons = []
        for b in cls.backends:
            ok, why = B.BACKENDS[b].available()
            if ok:
                return True, f"via {b}: {why}"
            reasons.append(f"{b}: {why}")
        return False, "; ".join(reasons)

    @classmethod
    def default_backend(cls) -> str:
        for b in cls.backends:
            if B.BACKENDS[b].available()[0] and not b.endswith("-model"):
                return b
        return cls.backends[0]

    def _translator(self, proc):
        if self._proc is not proc:
            self._proc = proc
            self.backend.bind(proc)
            self._tr = translate.Translator("i386", self.target, proc.space,
                                            translate.guest_arena(proc.space),
                                            self.backend.call)
        return self._tr

    def handler(self, nr: int, name: str, proc):
        return self._translator(proc).plan(name).call

    def describe(self, nr: int, name: str) -> str:
        """What the route does with this call, for --strace."""
        if self._tr is None:
            return ""
        return f"{self.name}: {self._tr.plan(name).note}"


class Compat(Route):
    name, target = "compat", "arm32"
    backends = ("arm64-bit31", "emulated", "arm64-bit31-model")
    doc = "i386 -> arm32 EABI (renumber, pad 64-bit pairs, repack stat64/flock64/epoll_event)"


class Native(Route):
    name = "native"
    backends = ("host-native",)
    doc = "i386 -> the host's 64-bit ABI (widen every long/pointer/time struct)"

    def __init__(self, backend: str | None = None):
        self.target = B.host_abi() or "x86_64"
        super().__init__(backend)


class Passthrough(Route):
    name, target = "passthrough", "i386"
    backends = ("x86-int80",)
    doc = "i386 -> i386 through int $0x80 (x86-64 hosts only)"

    def handler(self, nr: int, name: str, proc):
        int80 = host.int80

        def call(a1, a2, a3, a4, a5, a6):
            return int80(nr, a1, a2, a3, a4, a5, a6)
        return call

    def describe(self, nr: int, name: str) -> str:
        return ""


ROUTES = {"compat": Compat, "native": Native, "passthrough": Passthrough}


def default_route() -> str:
    """compat: through the bit-31 gateway where the kernel has it, else through the
    emulated arm32 kernel (Compat.default_backend picks)."""
    return "compat"


DEFAULT_ROUTE = default_route()


def make_route(name: str, backend: str | None = None) -> Route:
    cls = ROUTES.get(name)
    if cls is None:
        raise FexliteError(f"unknown route '{name}' (valid: {', '.join(ROUTES)})")
    if backend is None:
        ok, why = cls.available()
        if not ok:
            raise FexliteError(f"route {name} is not available here: {why}")
    return cls(backend)
