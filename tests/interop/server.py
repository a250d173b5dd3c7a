#!/usr/bin/env python3
"""A Linux TCP server for the interop tests, one connection per run.

usage: server.py MODE ADDR PORT READYFILE [ARG]
  halfclose  read until EOF, then send "got N bytes sha256 H\\n" and close (the peer must
             still receive after its FIN: RFC 9293 half-close, scenario S04)
  reset      read until the connection fails; print "reset after N bytes" on success
             (ConnectionResetError), "eof after N bytes" otherwise (scenario S08)
  peer       print "peer A:P" and close at once
  send FILE  send FILE and shut down writing while reading until EOF (both directions at
             once: a thread sends), print "received N bytes sha256 H" when both are done
The listening socket is ready when READYFILE exists. Results go to stdout. Everything is
bounded by a timeout: 20 s, or $SERVER_TIMEOUT seconds. $SERVER_CC, when set, names the
congestion control of the connection (TCP_CONGESTION on the listening socket, which the
accepted one inherits; checked on the accepted socket): the namespace's default is the
host's net.ipv4.tcp_congestion_control, which a namespace cannot change here.
"""
import hashlib
import os
import socket
import sys
import threading


def drain(c):
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(65536)
        if not d:
            return n, h.hexdigest()
        n += len(d)
        h.update(d)


def main():
    mode, addr, port, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cc = os.environ.get("SERVER_CC", "")
    if cc:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    s.bind((addr, port))
    s.listen(1)
    timeout = float(os.environ.get("SERVER_TIMEOUT", "20"))
    s.settimeout(timeout)
    open(ready, "w").close()
    c, peer = s.accept()
    c.settimeout(timeout)
    if cc:
        got = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
        if got != cc:
            sys.exit(f"server.py: TCP_CONGESTION is {got}, want {cc}")
    if mode == "halfclose":
        n, h = drain(c)
        c.sendall(f"got {n} bytes sha256 {h}\n".encode())
        c.close()
    elif mode == "reset":
        n = 0
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    print(f"eof after {n} bytes")
                    break
                n += len(d)
        except ConnectionResetError:
            print(f"reset after {n} bytes")
    elif mode == "peer":
        print(f"peer {peer[0]}:{peer[1]}")
        c.close()
    elif mode == "send":
        with open(sys.argv[5], "rb") as f:
            data = f.read()
        failed = []

        def send():
            try:
                c.sendall(data)
                c.shutdown(socket.SHUT_WR)
            except OSError as e:
                failed.append(e)

        t = threading.Thread(target=send)
        t.start()
        n, h = drain(c)
        t.join(timeout)
        if t.is_alive() or failed:
            sys.exit(f"server.py: sending {len(data)} bytes: {failed or 'timed out'}")
        print(f"received {n} bytes sha256 {h}")
        c.close()
    sys.stdout.flush()
    os._exit(0)


main()
