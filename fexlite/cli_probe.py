"""`fexlite probe [--json]`: what this host offers: architecture, kernel, each backend and
route with the reason it is or is not available, and the defaults `fexlite run` uses."""
from __future__ import annotations

import json
import platform
import sys

from . import backends as B, host, routes as R


def probe() -> dict:
    out = {"machine": host.MACHINE, "kernel": platform.release(),
           "host_abi": B.host_abi(), "backends": [], "routes": []}
    for name, cls in B.BACKENDS.items():
        try:
            ok, why = cls.available()
        except Exception as e:              # a probe must never take the report down
            ok, why = False, f"probe failed: {e}"
        out["backends"].append({"name": name, "abi": getattr(cls, "abi", "") or B.host_abi(),
                                "available": ok, "reason": why, "doc": cls.doc})
    for name, cls in R.ROUTES.items():
        ok, why = cls.available()
        out["routes"].append({"name": name, "available": ok, "reason": why,
                              "backends": list(cls.backends),
                              "default_backend": cls.default_backend() if ok else None,
                              "doc": cls.doc})
    out["default_route"] = R.DEFAULT_ROUTE
    out["default_backend"] = R.ROUTES[R.DEFAULT_ROUTE].default_backend()
    return out


def render(info: dict) -> str:
    lines = [f"host:    {info['machine']} ({info['host_abi'] or 'no 64-bit table'}), "
             f"kernel {info['kernel']}", "", "backends:"]
    w = max(len(b["name"]) for b in info["backends"])
    for b in info["backends"]:
        mark = "yes" if b["available"] else "no "
        lines.append(f"  {b['name']:<{w}}  {mark}  {b['reason']}")
    lines += ["", "routes:"]
    w = max(len(r["name"]) for r in info["routes"])
    for r in info["routes"]:
        mark = "yes" if r["available"] else "no "
        extra = f" [default backend {r['default_backend']}]" if r["default_backend"] else ""
        lines.append(f"  {r['name']:<{w}}  {mark}  {r['reason']}{extra}")
    lines += ["", f"default: --route {info['default_route']} "
                  f"--backend {info['default_backend']}"]
    return "\n".join(lines)


def _cmd_probe(args) -> int:
    info = probe()
    if args.json:
        json.dump(info, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render(info))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("probe", help="report the routes and backends this host offers")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_probe)
