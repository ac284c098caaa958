#!/usr/bin/env python3
"""Folds `perf script` output into stacks and draws them as a flame graph (SVG), with no other tool.

    perf record -F 499 -a -g -o perf.data -- sleep 8      # JVMs started with -XX:+DumpPerfMapAtExit
    perf script -i perf.data | raft-bench/flamegraph.py OUT   # writes OUT.folded and OUT.svg

The folded file is the usual input format of flame-graph tools (one line per stack: frames from the thread's name
at the root to the leaf, separated by ';', then the sample count), so speedscope or flamegraph.pl read it too.
"""
import html
import re
import sys
from collections import Counter

WIDTH, ROW, MIN_PX = 1600, 16, 0.3


def fold(lines):
    stacks, frames, comm = Counter(), [], None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None:
                stacks[";".join([comm] + frames[::-1])] += 1
            frames, comm = [], None
        elif not line.startswith((" ", "\t")):
            # header: "<comm> <pid>/<tid> [cpu] time: ..." — the thread name may contain spaces
            m = re.match(r"^(.*?)\s+\d+(/\d+)?\s+\[\d+\]", line)
            comm = (m.group(1) if m else line.split()[0]).strip()
        else:
            parts = line.strip().split(" ", 1)
            sym = parts[1] if len(parts) > 1 else parts[0]
            sym = re.sub(r"\s*\(\S*\)$", "", sym)          # drop "(dso)"
            sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)        # drop offsets
            sym = re.sub(r"\(.*\)$", "", sym) if "." in sym else sym  # Java: drop the argument list
            frames.append(sym.replace(";", ":"))
    if comm is not None:
        stacks[";".join([comm] + frames[::-1])] += 1
    return stacks


def tree(stacks):
    root = {"n": 0, "c": {}}
    for stack, count in stacks.items():
        node = root
        node["n"] += count
        for f in stack.split(";"):
            node = node["c"].setdefault(f, {"n": 0, "c": {}})
            node["n"] += count
    return root


def colour(name):
    h = sum(map(ord, name)) % 60
    if name.startswith(("io.keelraft", "io/keelraft")):
        return "rgb(%d,%d,%d)" % (80 + h, 160 + h // 2, 80)      # Keel: green
    if "." in name and not name.startswith("["):
        return "rgb(%d,%d,%d)" % (80, 140 + h, 200)              # other Java: blue
    return "rgb(%d,%d,%d)" % (220, 120 + h, 60)                   # kernel, JVM, libc: orange


def draw(root, title):
    total = root["n"]
    rects, depth_max = [], [0]

    def walk(node, name, x, depth):
        w = node["n"] / total * WIDTH
        if w < MIN_PX:
            return
        depth_max[0] = max(depth_max[0], depth)
        if name is not None:
            rects.append((x, depth, w, name, node["n"]))
        cx = x
        for child_name, child in sorted(node["c"].items()):
            walk(child, child_name, cx, depth + 1)
            cx += child["n"] / total * WIDTH

    walk(root, None, 0.0, 0)
    height = (depth_max[0] + 2) * ROW + 30
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" font-size="11">'
           % (WIDTH, height), '<text x="4" y="16" font-size="14">%s (%d samples)</text>' % (html.escape(title), total)]
    for x, depth, w, name, n in rects:
        y = height - (depth + 1) * ROW
        label = html.escape(name)
        out.append('<g><title>%s: %d samples (%.2f%%)</title><rect x="%.1f" y="%d" width="%.1f" height="%d" '
                   'fill="%s" stroke="white" stroke-width="0.3"/>' % (label, n, 100.0 * n / total, x, y, w, ROW - 1,
                                                                     colour(name)))
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 2, y + ROW - 4, html.escape(text)))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: perf script | flamegraph.py OUT   (writes OUT.folded and OUT.svg)")
    out = sys.argv[1]
    stacks = fold(sys.stdin)
    with open(out + ".folded", "w") as f:
        for stack, count in stacks.most_common():
            f.write("%s %d\n" % (stack, count))
    with open(out + ".svg", "w") as f:
        f.write(draw(tree(stacks), out.split("/")[-1]))


if __name__ == "__main__":
    main()
