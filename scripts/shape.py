#!/usr/bin/env python3
"""Print an operation's request and response members from crates/api/model/ec2.json.

Usage: scripts/shape.py CreateVpc [--depth N]   or   scripts/shape.py --shape Vpc
Shows member name (what serde structs use), wire name / XML element, type, required (*).
"""
import json
import os
import sys

MODEL = json.load(open(os.path.join(os.path.dirname(__file__), "..", "crates", "api", "model", "ec2.json")))
SHAPES = MODEL["shapes"]


def show(shape_name, indent, depth, request, seen):
    shape = SHAPES[shape_name]
    for name, ref in shape.get("members", {}).items():
        target = SHAPES[ref["shape"]]
        if request:
            wire = ref.get("queryName") or (ref["locationName"][0].upper() + ref["locationName"][1:] if "locationName" in ref else name)
        else:
            wire = ref.get("locationName", name)
        kind = target["type"]
        extra = ""
        if kind == "list":
            kind = f"list<{target['member']['shape']}>"
        elif kind == "structure":
            kind = ref["shape"]
        if "enum" in target:
            extra = " {" + "|".join(target["enum"][:8]) + ("|…" if len(target["enum"]) > 8 else "") + "}"
        req = "*" if name in shape.get("required", []) else " "
        print(f"{'  ' * indent}{req}{name:40} {wire:40} {kind}{extra}")
        inner = ref["shape"] if target["type"] == "structure" else target.get("member", {}).get("shape")
        if inner and SHAPES[inner]["type"] == "structure" and depth > 0 and inner not in seen:
            show(inner, indent + 1, depth - 1, request, seen | {inner})


def main():
    args = sys.argv[1:]
    depth = 1
    if "--depth" in args:
        i = args.index("--depth")
        depth = int(args[i + 1])
        del args[i:i + 2]
    if args[0] == "--shape":
        show(args[1], 0, depth, False, {args[1]})
        return
    op = MODEL["operations"][args[0]]
    for part in ("input", "output"):
        print(f"== {part}: {op.get(part, '(none)')}")
        if part in op:
            show(op[part], 1, depth, part == "input", {op[part]})


main()
