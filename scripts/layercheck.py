#!/usr/bin/env python3
"""Layer check: the dependency table of ../shared/DESIGN.md, enforced.

Fails (exit 1, one line per violation) when
  * a file under src/<layer>/ includes a private header of a layer it may not use, or
  * code outside src/io/ calls the OS directly: the clock, random sources, sockets,
    stdio output or the heap allocator (sans-IO: those come in through src/io/), or
  * a public header (include/synack/) includes anything private.
tools/ and packetdrill/ (libsynack_packetdrill.so, a user of the public API like tools/)
may include only the public headers. tests/ and bench/ are not checked.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# layer -> layers it may include (itself always allowed). Dependencies point down only.
ALLOWED = {
    "base":  set(),
    "wire":  {"base"},
    "ip":    {"wire", "base"},
    "tcp":   {"ip", "wire", "base"},
    "api":   {"tcp", "ip", "wire", "base"},
    "trace": {"api", "tcp", "ip", "wire", "base"},
    "sim":   {"api", "tcp", "ip", "wire", "base"},
    "io":    {"api", "tcp", "ip", "wire", "base"},
}
LAYERS = set(ALLOWED)

# Calls that only src/io/ may make.
FORBIDDEN = [
    (r"\b(clock_gettime|gettimeofday|time|clock|timespec_get)\s*\(", "reads the clock"),
    (r"\b(rand|random|srand|srandom|drand48|lrand48|getrandom|getentropy|arc4random\w*|randombytes\w*)\s*\(", "uses a random source"),
    (r"\b(socket|bind|connect|accept4?|listen|sendto|recvfrom|sendmsg|recvmsg|setsockopt|getsockopt|ioctl|epoll_\w+|timerfd_\w+|open|read|write|close)\s*\(", "makes a system call"),
    (r"\b(printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|fputc|perror|fwrite)\s*\(", "writes to stdio"),
    (r"\b(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|strdup|strndup)\s*\(", "calls the heap allocator"),
    (r"\bpcap_\w+\s*\(", "calls libpcap"),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
SYS_INCLUDE_FORBIDDEN = {"pcap.h", "pcap/pcap.h", "sys/socket.h", "sys/epoll.h", "sys/random.h", "time.h", "stdio.h"}
# stdio.h is allowed outside io only where listed (trace formats with snprintf). stdlib.h
# is allowed (qsort, abs); its allocator and random calls are caught by FORBIDDEN.
SYS_INCLUDE_EXCEPT = {"stdio.h": {"trace"}, "time.h": set()}


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    return text


def layer_of_include(path, inc):
    """Which src layer a quoted include names ("tcp/tcb.h" or "tcb.h" beside the file)."""
    first = inc.split("/")[0]
    if "/" in inc and first in LAYERS:
        return first
    if "/" not in inc and os.path.exists(os.path.join(os.path.dirname(path), inc)):
        return os.path.basename(os.path.dirname(path))
    return None


def check_file(path, layer, errors):
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8", errors="replace") as f:
        raw = f.read()
    for n, line in enumerate(raw.splitlines(), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        inc = m.group(1)
        if layer == "public":
            if not inc.startswith("synack/") and "/" in inc and inc.split("/")[0] in LAYERS:
                errors.append(f"{rel}:{n}: public header includes private '{inc}'")
            continue
        if layer == "tools":
            if inc.split("/")[0] in LAYERS:
                errors.append(f"{rel}:{n}: {rel.split('/')[0]}/ may use only public headers, not '{inc}'")
            continue
        target = layer_of_include(path, inc)
        if target and target != layer and target not in ALLOWED[layer]:
            errors.append(f"{rel}:{n}: layer '{layer}' may not include '{inc}' (layer '{target}')")
        if layer != "io" and inc in SYS_INCLUDE_FORBIDDEN and layer not in SYS_INCLUDE_EXCEPT.get(inc, set()):
            errors.append(f"{rel}:{n}: layer '{layer}' may not include <{inc}> (OS access belongs in src/io)")
    if layer in ("io", "public", "tools"):
        return
    code = strip_comments_and_strings(raw)
    for n, line in enumerate(code.splitlines(), 1):
        for pat, what in FORBIDDEN:
            for m in re.finditer(pat, line):
                # a member access or a declaration of our own prefixed function is fine
                start = m.start()
                if start > 0 and line[start - 1] in ".>_":
                    continue
                errors.append(f"{rel}:{n}: '{m.group(0).strip('( ')}' {what}: only src/io/ may")


def main():
    errors = []
    for layer in sorted(LAYERS):
        d = os.path.join(ROOT, "src", layer)
        for dirpath, _, files in os.walk(d):
            for fn in sorted(files):
                if fn.endswith((".c", ".h")):
                    check_file(os.path.join(dirpath, fn), layer, errors)
    for sub, layer in (("include", "public"), ("tools", "tools"), ("packetdrill", "tools")):
        for dirpath, _, files in os.walk(os.path.join(ROOT, sub)):
            for fn in sorted(files):
                if fn.endswith((".c", ".h")):
                    check_file(os.path.join(dirpath, fn), layer, errors)
    for e in errors:
        print(e)
    if errors:
        print(f"layercheck: {len(errors)} violation(s)")
        return 1
    print("layercheck: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
