"""cg-parts.py - one line of per-unit instruction counts from a
callgrind_annotate --inclusive=yes listing (bench/read-instr).

    python3 bench/cg-parts.py LISTING NAME UNITS < PARTS

PARTS: lines "label file.c:function". Prints NAME, the program's total
over UNITS, then each part's inclusive count over UNITS ("-" when the
listing has no such function: not called, inlined, or named otherwise in
that build). callgrind_annotate may list a function twice, under its
file named absolute and relative: the larger count is the one. Exits 1
when the listing has no program total (not callgrind_annotate's format).
"""
import re
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+)")


def counts(listing):
    total, by_name = 0, {}
    with open(listing, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("-- Auto-annotated"):
                break
            m = LINE.match(line)
            if not m:
                continue
            n = int(m.group(1).replace(",", ""))
            if m.group(2) == "PROGRAM":
                total = n
                continue
            by_name[m.group(2)] = max(by_name.get(m.group(2), 0), n)
    return total, by_name


def part(by_name, fn):
    found = [n for name, n in by_name.items()
             if name == fn or name.endswith("/" + fn)]
    return max(found) if found else None


def main():
    listing, name, units = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if units <= 0:
        sys.exit("%s: nothing counted: see paced's log" % name)
    total, by_name = counts(listing)
    if total == 0:
        sys.exit("%s: no program total in %s" % (name, listing))
    fns = [l.split()[1] for l in sys.stdin if len(l.split()) == 2]
    row = "%-24s %8.0f" % (name, total / units)
    for fn in fns:
        n = part(by_name, fn)
        row += " %10s" % ("-" if n is None else "%.0f" % (n / units))
    print(row)


if __name__ == "__main__":
    main()
