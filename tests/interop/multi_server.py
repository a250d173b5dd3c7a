#!/usr/bin/env python3
"""A Linux TCP server for many concurrent connections (interop_parallel.sh).

usage: multi_server.py sha256|hold ADDR PORT READYFILE LOGFILE
  Every connection (one thread each) is read until EOF; the server then answers
  "got N bytes sha256 H\\n" (H: lowercase hex SHA-256 of the N bytes received), closes,
  and appends "peer A:P got N sha256 H" to LOGFILE. The listen backlog is 256, so 100
  simultaneous SYNs are all queued. The listening socket is ready when READYFILE exists.
  hold: listen and never accept (the kernel completes the handshakes and buffers what
  the clients send, nothing is ever answered or closed).
  The process exits by itself after $SERVER_TIMEOUT seconds (default 300).
"""
import hashlib
import os
import socket
import sys
import threading


def serve(c, peer, log, lock):
    c.settimeout(120)
    h, n = hashlib.sha256(), 0
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
            h.update(d)
        c.sendall(f"got {n} bytes sha256 {h.hexdigest()}\n".encode())
        c.close()
        line = f"peer {peer[0]}:{peer[1]} got {n} sha256 {h.hexdigest()}\n"
    except OSError as e:
        line = f"peer {peer[0]}:{peer[1]} error {e}\n"
    with lock:
        log.write(line)
        log.flush()


def main():
    mode, addr, port, ready, logname = sys.argv[1:6]
    if mode not in ("sha256", "hold"):
        sys.exit(f"unknown mode {mode}")
    threading.Timer(float(os.environ.get("SERVER_TIMEOUT", "300")), lambda: os._exit(3)).start()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(256)
    log, lock = open(logname, "a"), threading.Lock()
    open(ready, "w").close()
    if mode == "hold":
        threading.Event().wait()
    while True:
        c, peer = s.accept()
        threading.Thread(target=serve, args=(c, peer, log, lock), daemon=True).start()


main()
