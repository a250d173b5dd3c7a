#!/usr/bin/env python3
"""rfcmap.py — checks docs/rfc9293.md, the RFC 9293 Appendix B requirement map.

Every one of the 119 requirement ids of RFC 9293 Appendix B (MUST-1..69, SHLD-1..31,
MAY-1..18, REC-1) must have exactly one row in the map's table:

    | ID | Level | Section | Requirement | Status | Proof | Notes |

Status is `implemented`, `n/a` or `not yet`; `n/a` and `not yet` need a reason in Notes,
`implemented` needs at least one proof. A proof is a backquoted path relative to the
repository root, optionally followed by `:suite/name` naming a Criterion test in that
file (`Test(suite, name`), for example `tests/unit/test_tcp_timers.c:tcp_timers/x` or
`tests/drill/state/listen_syn.pkt`. Every named file and test must exist and be one that
`make check` runs (nothing under a `pending/` directory).

Usage: rfcmap.py [--root DIR] [--map FILE]. Prints a summary per level; exits 1 with one
line per problem when the map is incomplete or names something that does not exist.
"""
import argparse
import os
import re
import sys

IDS = ([f"MUST-{i}" for i in range(1, 70)] + [f"SHLD-{i}" for i in range(1, 32)] +
       [f"MAY-{i}" for i in range(1, 19)] + ["REC-1"])
STATUSES = ("implemented", "n/a", "not yet")
ROW = re.compile(r"^\|\s*((?:MUST|SHLD|MAY|REC)-\d+)\s*\|(.*)\|\s*$")
PROOF = re.compile(r"`([^`]+)`")


def check_proof(root, ref, problems, rid):
    path, _, test = ref.partition(":")
    if "/pending/" in "/" + path or path.startswith("pending/"):
        problems.append(f"{rid}: proof {ref} is pending (not run by make check)")
        return
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        problems.append(f"{rid}: proof file {path} does not exist")
        return
    if not test:
        return
    suite, _, name = test.partition("/")
    if not suite or not name:
        problems.append(f"{rid}: proof {ref}: expected file:suite/name")
        return
    with open(full, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if not re.search(r"\bTest\(\s*" + re.escape(suite) + r"\s*,\s*" + re.escape(name) +
                     r"\b", text):
        problems.append(f"{rid}: test {suite}/{name} not found in {path}")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--map", default=None)
    args = ap.parse_args()
    mpath = args.map or os.path.join(args.root, "docs", "rfc9293.md")
    problems = []
    rows = {}
    try:
        lines = open(mpath, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"rfcmap: cannot read {mpath}: {e.strerror}")
        return 1
    for n, line in enumerate(lines, 1):
        m = ROW.match(line)
        if not m:
            continue
        rid = m.group(1)
        cells = [c.strip() for c in m.group(2).split("|")]
        if len(cells) != 6:
            problems.append(f"line {n}: {rid}: expected 7 columns, found {len(cells) + 1}")
            continue
        if rid not in IDS:
            problems.append(f"line {n}: {rid} is not an RFC 9293 Appendix B id")
            continue
        if rid in rows:
            problems.append(f"line {n}: {rid} appears twice (first on line {rows[rid][0]})")
            continue
        level, _section, _req, status, proof, notes = cells
        rows[rid] = (n, level, status)
        if status not in STATUSES:
            problems.append(f"line {n}: {rid}: status '{status}' is not one of "
                            + ", ".join(STATUSES))
            continue
        refs = PROOF.findall(proof)
        if status == "implemented" and not refs:
            problems.append(f"line {n}: {rid}: implemented but no proof named")
        if status != "implemented" and not notes:
            problems.append(f"line {n}: {rid}: status '{status}' needs a reason in Notes")
        for ref in refs:
            check_proof(args.root, ref, problems, rid)
    for rid in IDS:
        if rid not in rows:
            problems.append(f"{rid}: missing from the map")
    summary = {}
    open_musts = []
    for rid, (_n, level, status) in rows.items():
        kind = rid.split("-")[0]
        summary.setdefault(kind, {}).setdefault(status, 0)
        summary[kind][status] += 1
        if kind == "MUST" and status == "not yet":
            open_musts.append(rid)
    for kind in ("MUST", "SHLD", "MAY", "REC"):
        counts = summary.get(kind, {})
        print(f"{kind:5}", ", ".join(f"{s}: {counts.get(s, 0)}" for s in STATUSES))
    if open_musts:
        print("MUSTs not yet implemented:", " ".join(open_musts))
    for p in problems:
        print("rfcmap:", p)
    print(f"rfcmap: {len(rows)} of {len(IDS)} ids mapped, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
