#!/usr/bin/env python3
"""The include graph of src/: fails on an include circle or on a layer that includes a higher one.

    tools/check_includes.py [SRC_DIR]      (default: src/ beside this script's folder)

A module is a .h and its .c (src/store/store.h + store.c = store/store). Each `#include "x.h"`
of a module's files is an edge to the module that owns x.h (resolved by file name: every
header name in src/ is unique, which this script also checks). Two rules:
  1. no circle: no module reaches itself through its includes;
  2. layers: a module includes only modules of its own layer or of the layers beneath it
     (LAYERS, the same order CMakeLists.txt links its per-layer libraries in).
Prints each violation and exits 1; prints a one-line summary and exits 0 when clean.
"""
import os
import re
import sys

# layer -> the layers it builds on directly (it may include those and everything beneath them);
# data flows one way: library -> source text -> provider -> validate -> store -> search -> cli / serve
LAYERS = {
    "base": [],
    "library": ["base"],
    "providers/gguf": ["base"],
    "providers": ["providers/gguf", "base"],
    "store": ["providers", "library"],
    "search": ["store"],
    "pipeline": ["store"],
    "serve": ["search", "pipeline"],
    "cli": ["serve"],
    ".": ["cli"],  # main.c
}


def beneath(layer):
    """Every layer `layer` may include: the closure of LAYERS[layer]."""
    out, todo = set(), list(LAYERS.get(layer, []))
    while todo:
        l = todo.pop()
        if l not in out:
            out.add(l)
            todo.extend(LAYERS.get(l, []))
    return out
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel_dir):
    return rel_dir if rel_dir else "."


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    src = os.path.normpath(src)
    problems = []
    owner = {}   # header file name -> module
    files = {}   # module -> [paths]
    for d, _, names in os.walk(src):
        rel = os.path.relpath(d, src)
        rel = "" if rel == "." else rel
        for n in sorted(names):
            if not n.endswith((".c", ".h")):
                continue
            mod = os.path.join(rel, os.path.splitext(n)[0])
            files.setdefault(mod, []).append(os.path.join(d, n))
            if n.endswith(".h"):
                if n in owner:
                    problems.append(f"header name {n} is used twice: {owner[n]} and {mod}")
                owner[n] = mod
            if layer_of(rel) not in LAYERS:
                problems.append(f"{os.path.join(rel, n)}: folder '{rel}' is not a layer of "
                                f"tools/check_includes.py's LAYERS table")
    edges = {m: set() for m in files}
    for mod, paths in files.items():
        my_layer = layer_of(os.path.dirname(mod))
        for p in paths:
            with open(p, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                target = owner.get(os.path.basename(inc))
                if target is None:
                    # a generated header (e.g. embedded web assets) lives in the build tree
                    continue
                if target == mod:
                    continue
                edges[mod].add(target)
                t_layer = layer_of(os.path.dirname(target))
                if t_layer != my_layer and t_layer not in beneath(my_layer):
                    problems.append(f"{os.path.relpath(p, src)} includes {inc}: layer "
                                    f"'{my_layer}' may not include layer '{t_layer}'")
    # circles: depth-first search, reporting each back edge's cycle once
    state, stack, seen_cycles = {}, [], set()

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                key = frozenset(cyc)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    problems.append("include circle: " + " -> ".join(cyc))
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    sys.setrecursionlimit(10000)
    for m in sorted(edges):
        if m not in state:
            visit(m)
    for p in problems:
        print("check_includes: " + p, file=sys.stderr)
    if problems:
        return 1
    n_edges = sum(len(e) for e in edges.values())
    print(f"check_includes: {len(files)} modules, {n_edges} include edges, no circle, "
          f"no upward include")
    return 0


if __name__ == "__main__":
    sys.exit(main())
