"""`fexlite abi`: syscall tables and per-route dispositions.

    fexlite abi map --from i386 --to arm32|x86_64|aarch64 [--json]
    fexlite abi table ABI [--json]
"""
from __future__ import annotations

import argparse
import json
import sys

from fexlite import abi


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("abi", help="syscall tables and i386 -> target dispositions",
                              description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="abi_command", metavar="{map,table}")
    sub.required = True

    m = sub.add_parser("map", help="how every i386 call is routed to a target ABI")
    m.add_argument("--from", dest="src", default="i386", metavar="ABI",
                   help="guest ABI (default i386)")
    m.add_argument("--to", dest="dst", required=True, metavar="ABI",
                   help="target ABI: " + ", ".join(abi.ABIS))
    m.add_argument("--json", action="store_true", help="print one JSON object")
    m.set_defaults(func=cmd_map)

    t = sub.add_parser("table", help="list an ABI's syscall numbers")
    t.add_argument("abi", metavar="ABI", help=", ".join(abi.ABIS))
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=cmd_table)
    return p


def _bad_abi(*names: str) -> str | None:
    for n in names:
        if n not in abi.ABIS:
            return f"fexlite: unknown ABI {n!r} (valid: {', '.join(abi.ABIS)})"
    return None


def _short(items: list[str], keep: int = 3) -> str:
    """'a,b,c' or, for a demux row, 'a,b,c,... (20)'."""
    if not items:
        return "-"
    if len(items) <= keep + 1:
        return ",".join(items)
    return ",".join(items[:keep]) + f",... ({len(items)})"


def _print_table(header: list[str], rows: list[list[str]], out) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths)] + [r[-1]]
        print("  ".join(cells).rstrip(), file=out)


def cmd_map(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    err = _bad_abi(args.src, args.dst)
    if err:
        print(err, file=sys.stderr)
        return 2
    rows = abi.disposition_map(args.src, args.dst)
    counts = abi.counts(rows)
    if args.json:
        json.dump({"from": args.src, "to": args.dst,
                   "rows": [r.as_dict() for r in rows], "counts": counts}, out, indent=1)
        print(file=out)
        return 0
    _print_table(
        ["nr", f"{args.src} name", f"{args.dst} nr", f"{args.dst} name", "disposition", "reason"],
        [[str(r.nr), r.name, _short(list(map(str, r.target_nrs))),
          _short(list(r.target_names)), r.kind, r.reason] for r in rows], out)
    print(file=out)
    for kind, n in counts.items():
        print(f"{kind:<11} {n:>4}", file=out)
    print(f"{'total':<11} {len(rows):>4}", file=out)
    return 0


def cmd_table(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    err = _bad_abi(args.abi)
    if err:
        print(err, file=sys.stderr)
        return 2
    rows = sorted(abi.numbers(args.abi).items(), key=lambda kv: (kv[1], kv[0]))
    if args.json:
        json.dump({"abi": args.abi, "rows": [{"nr": nr, "name": n} for n, nr in rows]},
                  out, indent=1)
        print(file=out)
        return 0
    _print_table(["nr", "name"], [[str(nr), n] for n, nr in rows], out)
    return 0
