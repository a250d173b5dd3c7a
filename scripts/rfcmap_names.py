#!/usr/bin/env python3
"""docs/rfc-map.md names code as `path` `function`, ...: every path must exist and every
name listed after it must appear in that file (as a whole word), so a function that
moves or is renamed takes its row with it. Prints one line per problem and a summary;
exits 1 on any problem."""
import argparse
import os
import re
import sys

PATH_PREFIXES = ('src/', 'tools/', 'tests/', 'include/', 'bench/', 'scripts/')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--map', required=True)
    a = ap.parse_args()
    problems = names = 0
    texts = {}
    with open(a.map, encoding='utf-8') as f:
        rows = [(n, l) for n, l in enumerate(f, 1) if l.startswith('|')]
    for n, line in rows:
        cur = None
        for tok in re.findall(r'`([^`]+)`', line):
            if tok.startswith(PATH_PREFIXES):
                full = os.path.join(a.root, tok.rstrip('/'))
                if not os.path.exists(full):
                    print(f'rfc-map line {n}: {tok} does not exist')
                    problems += 1
                    cur = None
                else:
                    cur = tok if os.path.isfile(full) else None
                continue
            if cur is None or not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', tok):
                continue
            if cur not in texts:
                with open(os.path.join(a.root, cur), encoding='utf-8') as f:
                    texts[cur] = f.read()
            names += 1
            if not re.search(r'\b' + re.escape(tok) + r'\b', texts[cur]):
                print(f'rfc-map line {n}: {tok} not in {cur}')
                problems += 1
    print(f'rfc-map: {names} names checked, {problems} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
