"""Routes: how an i386 syscall that needs no user-space emulation reaches a kernel.

A route turns (i386 number, name) into a callable taking the six raw argument
registers and returning eax. `passthrough` hands the call unchanged to the host
kernel's ia32 table through `int $0x80` (x86-64 hosts only).
"""
from . import host
from .errors import FexliteError


class Passthrough:
    name = "passthrough"

    @staticmethod
    def available() -> tuple[bool, str]:
        if host.int80_available():
            return True, "x86-64 host: int $0x80 reaches the kernel's ia32 table"
        return False, f"needs an x86-64 host with IA32 emulation (this is {host.MACHINE})"

    def describe(self, nr: int, name: str) -> str:
        """What the route does with this call, for --strace."""
        return ""

    def handler(self, nr: int, name: str, proc):
        int80 = host.int80

        def call(a1, a2, a3, a4, a5, a6):
            return int80(nr, a1, a2, a3, a4, a5, a6)
        return call


ROUTES = {"passthrough": Passthrough}


def make_route(name: str):
    cls = ROUTES.get(name)
    if cls is None:
        raise FexliteError(f"unknown route '{name}' (valid: {', '.join(ROUTES)})")
    ok, why = cls.available()
    if not ok:
        raise FexliteError(f"route {name} is not available here: {why}")
    return cls()
