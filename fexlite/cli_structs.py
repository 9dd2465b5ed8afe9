"""`fexlite structs ...`: list, show and diff struct layouts between ABIs."""
from __future__ import annotations

import html
import json
import sys

from . import layout as L


def register(subparsers) -> None:
    p = subparsers.add_parser("structs", help="struct layouts per ABI (list, show, diff)")
    sub = p.add_subparsers(dest="structs_cmd", required=True)

    q = sub.add_parser("list", help="list catalogue structs with their size per ABI")
    q.add_argument("--abi", help=f"one of {', '.join(L.ABIS)}")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = sub.add_parser("show", help="fields of one struct on one ABI")
    q.add_argument("abi")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_show)

    q = sub.add_parser("diff", help="compare layouts between two ABIs")
    q.add_argument("abi_a")
    q.add_argument("abi_b")
    q.add_argument("names", nargs="*", metavar="NAME")
    q.add_argument("--json", action="store_true")
    q.add_argument("--html", metavar="FILE", help="write byte rulers of each struct as HTML")
    q.set_defaults(func=cmd_diff)


def _fail(exc: L.LayoutError) -> int:
    print(f"fexlite: {exc}", file=sys.stderr)
    return 2


def _check(abis=(), names=()) -> None:
    for a in abis:
        if a not in L.ABIS:
            raise L.LayoutError(f"unknown ABI {a!r} (valid: {', '.join(L.ABIS)})")
    valid = L.struct_names()
    for n in names:
        if n not in valid:
            raise L.LayoutError(f"unknown struct {n!r} (valid: {', '.join(valid)})")


def _field_dict(f: L.Field) -> dict:
    return {"name": f.name, "offset": f.offset, "size": f.size, "kind": f.kind, "count": f.count}


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def cmd_list(args) -> int:
    try:
        abis = [args.abi] if args.abi else list(L.ABIS)
        _check(abis)
        data = {n: {a: L.layout(a, n).size for a in abis} for n in L.struct_names()}
    except L.LayoutError as e:
        return _fail(e)
    if args.json:
        print(json.dumps(data, indent=1))
        return 0
    rows = [["struct", *abis]] + [[n, *(str(v[a]) for a in abis)] for n, v in data.items()]
    print(_table(rows))
    return 0


def _kind_text(f: L.Field) -> str:
    return f"{f.kind}[{f.count}]" if f.is_array else f.kind


def cmd_show(args) -> int:
    try:
        _check([args.abi], [args.name])
        lay = L.layout(args.abi, args.name)
    except L.LayoutError as e:
        return _fail(e)
    leaves = lay.leaves()
    if args.json:
        print(json.dumps({"name": lay.name, "abi": lay.abi, "size": lay.size, "align": lay.align,
                          "fields": [_field_dict(f) for f in leaves]}, indent=1))
        return 0
    print(f"{lay.name} on {lay.abi}: size {lay.size}, align {lay.align}")
    rows = [["offset", "size", "kind", "field"]]
    rows += [[str(f.offset), str(f.size), _kind_text(f), f.name] for f in leaves]
    print(_table(rows))
    return 0


def _diff_rows(name: str, a: str, b: str) -> list[dict]:
    la = {f.name: f for f in L.layout(a, name).leaves()}
    lb = {f.name: f for f in L.layout(b, name).leaves()}
    order = list(la) + [n for n in lb if n not in la]
    rows = []
    for n in order:
        fa, fb = la.get(n), lb.get(n)
        same = fa is not None and fb is not None and (fa.offset, fa.size) == (fb.offset, fb.size)
        rows.append({"field": n, "differs": not same,
                     a: None if fa is None else [fa.offset, fa.size, _kind_text(fa)],
                     b: None if fb is None else [fb.offset, fb.size, _kind_text(fb)]})
    return rows


def cmd_diff(args) -> int:
    try:
        _check([args.abi_a, args.abi_b], args.names)
        names = args.names or L.struct_names()
        differing = [n for n in names if L.differs(n, args.abi_a, args.abi_b)]
    except L.LayoutError as e:
        return _fail(e)
    a, b = args.abi_a, args.abi_b
    detail = args.names or differing
    total = len(names)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(render_html(a, b, [n for n in detail if n in differing] or detail))
    if args.json:
        print(json.dumps({"abi_a": a, "abi_b": b, "differing": differing, "total": total,
                          "structs": {n: {"differs": n in differing,
                                          "size": [L.layout(a, n).size, L.layout(b, n).size],
                                          "fields": _diff_rows(n, a, b)} for n in detail}},
                         indent=1))
        return 0
    for n in detail:
        sa, sb = L.layout(a, n).size, L.layout(b, n).size
        mark = "*" if n in differing else " "
        print(f"{mark} {n}: {a} {sa} bytes, {b} {sb} bytes")
        rows = [[" ", "field", f"{a} off", "size", f"{b} off", "size"]]
        for r in _diff_rows(n, a, b):
            ra, rb = r[a] or ["-", "-", ""], r[b] or ["-", "-", ""]
            rows.append(["*" if r["differs"] else " ", r["field"],
                         str(ra[0]), str(ra[1]), str(rb[0]), str(rb[1])])
        print("\n".join("    " + line for line in _table(rows).splitlines()))
        print()
    print(f"{len(differing)} of {total} structs differ between {a} and {b}")
    return 0


# ---------------------------------------------------------------- HTML rulers
_PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
            "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"]
_PX = 14   # pixels per byte


def _ruler(abi: str, name: str, colours: dict, differing_fields: set, width: int) -> str:
    lay = L.layout(abi, name)
    boxes = []
    for f in lay.leaves(primary_only=True):
        style = (f"left:{f.offset * _PX}px;width:{max(f.size * _PX - 2, 2)}px;"
                 f"background:{colours[f.name]};")
        cls = "f diff" if f.name in differing_fields else "f"
        title = html.escape(f"{f.name}: offset {f.offset}, size {f.size}, {_kind_text(f)}")
        boxes.append(f'<div class="{cls}" style="{style}" title="{title}">{html.escape(f.name)}</div>')
    ticks = "".join(f'<div class="t" style="left:{o * _PX}px">{o}</div>' for o in range(0, lay.size + 1, 4))
    return (f'<div class="row"><div class="abi">{html.escape(abi)}<br><small>{lay.size} B</small></div>'
            f'<div class="ruler" style="width:{width * _PX}px">'
            f'<div class="end" style="left:{lay.size * _PX}px"></div>{"".join(boxes)}{ticks}</div></div>')


def render_html(a: str, b: str, names: list[str]) -> str:
    parts = []
    for n in names:
        rows = _diff_rows(n, a, b)
        diff_fields = {r["field"] for r in rows if r["differs"]}
        colours = {r["field"]: _PALETTE[i % len(_PALETTE)] for i, r in enumerate(rows)}
        width = max(L.layout(a, n).size, L.layout(b, n).size)
        parts.append(f"<h2>{html.escape(n)}</h2>" + _ruler(a, n, colours, diff_fields, width)
                     + _ruler(b, n, colours, diff_fields, width))
    style = """
body{font-family:sans-serif;margin:1em}
.row{display:flex;align-items:flex-start;margin:4px 0}
.abi{width:6em;font-weight:bold}
.ruler{position:relative;height:46px;border-left:1px solid #444;overflow:visible}
.f{position:absolute;top:0;height:26px;font-size:10px;overflow:hidden;white-space:nowrap;
   border:1px solid #555;box-sizing:border-box}
.f.diff{border:2px solid #d00}
.t{position:absolute;top:30px;font-size:9px;color:#666;border-left:1px solid #aaa;padding-left:1px}
.end{position:absolute;top:0;height:28px;border-left:2px dashed #000}
"""
    title = f"struct layouts: {a} vs {b}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>One ruler per ABI, {_PX} px per byte; fields that moved or changed size have a red "
            f"border. Hover a box for its offset and size.</p>{''.join(parts)}</body></html>\n")
