"""Helpers for ws_python.py: echo_server processes, a raw WebSocket client for
what websockets will not send, and permessage-deflate by hand with zlib."""
import base64
import os
import random
import select
import signal
import socket
import struct
import subprocess
import time
import zlib

TIMEOUT = 10  # seconds, for every socket and every wait on a server


class EchoServer:
    """One echo_server process on an ephemeral port; with tls=(cert, key) HTTPS and WSS."""

    binary = ""  # path to echo_server, set by the test script

    def __init__(self, *flags, tls=None):
        self.flags = flags
        self.tls = tls
        tls_flags = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []
        self.proc = subprocess.Popen([EchoServer.binary, "--port", "0", "--threads", "2", *tls_flags, *flags],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self._first_line()
        prefix = "listening on 127.0.0.1:"
        if not line.startswith(prefix) or not line[len(prefix):].isdigit():
            self.stop()
            raise RuntimeError(f"echo_server's first line is {line!r}, expected '{prefix}PORT'")
        self.port = int(line[len(prefix):])

    def _first_line(self):
        fd = self.proc.stdout.fileno()
        data = b""
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RuntimeError(f"echo_server printed no line within {TIMEOUT} s (got {data!r})")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"echo_server exited with {self.proc.wait()} before listening (got {data!r})")
            data += chunk
        return data.split(b"\n", 1)[0].decode("ascii", "replace")

    def url(self, path):
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}{path}"

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        return stop_process(self.proc)


def stop_servers(servers):
    """Stops every EchoServer of the dict; raises naming each one that had died
    during the tests or did not exit with 0 on SIGTERM."""
    problems = []
    for name, s in servers.items():
        if not s.alive():
            problems.append(f"echo_server {name} died during the tests (status {s.proc.returncode})")
        status = s.stop()
        if status != 0:
            problems.append(f"echo_server {name} exited with status {status} after SIGTERM")
    if problems:
        raise AssertionError("; ".join(problems))


def make_certs(directory):
    """scripts/make-test-certs.sh into directory: a throwaway CA (ca.pem) and the
    certificates its header lists (server.pem/.key for localhost and 127.0.0.1)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "make-test-certs.sh")
    subprocess.run(["bash", script, directory], check=True, timeout=60)


def stop_process(proc):
    """SIGTERM, then a bounded wait; returns the exit status (SIGKILL -> negative)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout and not proc.stdout.closed:
        proc.stdout.close()
    return proc.returncode


def long_distance_data(seed, block=3000, repeats=8):
    """An incompressible block repeated: every back-reference reaches `block`
    bytes back, past a 1 KiB window. Sent twice in a row with context takeover,
    the second message refers into the first, so a peer that deflates with a
    larger window than it agreed to produces data the other side cannot inflate
    (zlib checks distances against the window it keeps between calls)."""
    return random.Random(seed).randbytes(block) * repeats


def vm_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class RawWebSocket:
    """Frames byte by byte over a plain socket (masked, as a client must)."""

    def __init__(self, server, path, extensions=None):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
        if extensions:
            req += f"Sec-WebSocket-Extensions: {extensions}\r\n"
        self.sock.sendall((req + "\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload=b"", fin=True, rsv1=False):
        head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def read_frame(self):
        """(fin, rsv1, opcode, payload) of the next server frame, which must be unmasked."""
        b0, b1 = self._take(2)
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F, self._take(n)

    def read_close(self):
        """The code of the server's close frame (skipping data frames before it)."""
        for _ in range(1000):
            fin, rsv1, op, payload = self.read_frame()
            if op == 0x8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        raise AssertionError("no close frame")

    def closed_by_server(self):
        """True when the server closes TCP (after its close frame) within TIMEOUT."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def close_frame(code, reason=b""):
    return struct.pack("!H", code) + reason


def deflate_message(data, wbits=15):
    """One message compressed as RFC 7692 §7.2.1 says: sync flush, tail removed."""
    c = zlib.compressobj(wbits=-wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def inflate_message(data, wbits=15):
    return zlib.decompressobj(wbits=-wbits).decompress(data + b"\x00\x00\xff\xff")
