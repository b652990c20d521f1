#!/usr/bin/env python3
"""Idle keep-alive HTTP connections for benchmarks/idle_http.sh.

  idle_http_client.py PORT N HOLD READY_FILE

Opens N connections to 127.0.0.1:PORT, one after the other, sends one
`GET /plaintext` (HTTP/1.1, keep-alive) on each and reads its whole answer, then
writes N to READY_FILE and holds every connection idle for HOLD seconds. Then it
sends a second GET on every connection and reads the answers: an idle connection
must still be served (a server that parks idle connections has to wake them).
Prints "idle_http conns=N opened=N answered_after_idle=M errors=E".

Standard library only, loopback only; every socket has a timeout, so it never hangs.
"""
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 30
REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n"


def answer_complete(buf):
    """The length of one whole response at the start of buf, or 0 if more is needed."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return 0
    length = 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    total = end + 4 + length
    return total if len(buf) >= total else 0


def request_all(socks):
    """One GET on every socket at once, every answer read; returns how many were whole 200s."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        try:
            s.sendall(REQUEST)
        except OSError:
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    ok = 0
    deadline = time.monotonic() + TIMEOUT
    while bufs and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            bufs[s] += chunk
            n = answer_complete(bufs[s])
            if not chunk or n:
                if n and bufs[s].startswith(b"HTTP/1.1 200"):
                    ok += 1
                sel.unregister(s)
                del bufs[s]
    sel.close()
    for s in socks:
        s.setblocking(True)
    return ok


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    port, n, hold, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    socks, errors = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, port), timeout=TIMEOUT)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(s)
        except OSError as e:
            errors += 1
            print("connect failed:", e, file=sys.stderr)
            break
        if request_all([s]) != 1:
            errors += 1
    with open(ready, "w") as f:
        f.write(str(len(socks)))
    time.sleep(hold)
    again = request_all(socks)
    errors += len(socks) - again
    print(f"idle_http conns={n} opened={len(socks)} answered_after_idle={again} errors={errors}")
    for s in socks:
        s.close()
    return 0 if errors == 0 and len(socks) == n else 1


if __name__ == "__main__":
    sys.exit(main())
