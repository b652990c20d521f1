#!/usr/bin/env python3
"""A fixed-count client for benchmarks/callgrind.sh (and ws_idle_heap.sh): the same bytes on
every run, one step at a time, so the server's instruction count is a function of the count.

  callgrind_client.py PORT plaintext N          N keep-alive GET /plaintext, one at a time
  callgrind_client.py PORT pipelined N          N GET /plaintext, 16 written at once, then read
  callgrind_client.py PORT ws PATH N            one WebSocket on PATH, N 32-byte text echoes
                                                (PACE=SECONDS in the environment: a pause after each)
  callgrind_client.py PORT idle PATH N SECONDS  N WebSockets on PATH, opened then held idle;
                                                prints "ready" once all are open

Standard library only (a raw socket and RFC 6455 framing), loopback only; exits non-zero
on anything unexpected. Every socket has a timeout, so it never hangs.
"""
import os
import socket
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 60
REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n"


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            sys.exit("callgrind_client: the server closed the connection")
        self.buf += chunk

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        end = self.buf.index(b"\r\n\r\n") + 4
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def response(self):
        head = self.head()
        if not head.startswith(b"HTTP/1.1 200"):
            sys.exit("callgrind_client: unexpected response %r" % head[:60])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return self.take(length)


def http(port, n, depth):
    s = connect(port)
    r = reader(s)
    done = 0
    while done < n:
        k = min(depth, n - done)
        s.sendall(REQUEST * k)
        for _ in range(k):
            if r.response() != b"Hello, World!":
                sys.exit("callgrind_client: wrong body")
        done += k
    s.close()


def ws_open(port, path):
    s = connect(port)
    key = "dGhlIHNhbXBsZSBub25jZQ=="  # fixed: the same bytes every run
    s.sendall(("GET %s HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
    r = reader(s)
    head = r.head()
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit("callgrind_client: handshake refused: %r" % head[:60])
    return s, r


MASK = b"\x01\x02\x03\x04"  # fixed, so every run sends the same bytes
PAYLOAD = b"0123456789abcdef0123456789abcdef"  # 32 bytes
FRAME = bytes([0x81, 0x80 | len(PAYLOAD)]) + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(PAYLOAD))
CLOSE = bytes([0x88, 0x82]) + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(b"\x03\xe8"))


def ws(port, path, n):
    s, r = ws_open(port, path)
    pace = float(os.environ.get("PACE", "0"))
    for _ in range(n):
        s.sendall(FRAME)
        if r.take(2 + len(PAYLOAD)) != bytes([0x81, len(PAYLOAD)]) + PAYLOAD:
            sys.exit("callgrind_client: wrong echo")
        if pace:
            time.sleep(pace)
    s.sendall(CLOSE)
    if r.take(4) != b"\x88\x02\x03\xe8":
        sys.exit("callgrind_client: no close echo")
    s.close()


def idle(port, path, n, seconds):
    held = [ws_open(port, path)[0] for _ in range(n)]
    print("ready", flush=True)
    time.sleep(seconds)
    for s in held:
        s.close()


def main(argv):
    port, mode = int(argv[1]), argv[2]
    if mode == "plaintext":
        http(port, int(argv[3]), 1)
    elif mode == "pipelined":
        http(port, int(argv[3]), 16)
    elif mode == "ws":
        ws(port, argv[3], int(argv[4]))
    elif mode == "idle":
        idle(port, argv[3], int(argv[4]), float(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
