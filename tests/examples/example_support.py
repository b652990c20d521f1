"""Runs an example binary the way a user would and talks to it over loopback:
one process per test module, its port read from the "listening on" line or, for
hello (which prints nothing), from the kernel's socket table."""
import atexit
import http.client
import json
import os
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients"))
from ws_client_support import RawWebSocket, stop_process  # noqa: E402  (a masked-frame client)

TIMEOUT = 10  # seconds, for every request and every wait on the example


def request(port, method, path, body=None, headers=None):
    """(status, headers as a lower-cased dict, body bytes) of one request to
    127.0.0.1:port on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


class Example:
    def __init__(self, argv, announces=True):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        atexit.register(self.stop)  # also when a test fails before its tearDown could
        self.name = os.path.basename(argv[0])
        self.output = b""
        if announces:
            line = self.read_line()
            m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", line)
            if not m:
                self.stop()
                raise AssertionError(f"{self.name}'s first line is {line!r}, expected 'listening on 127.0.0.1:PORT'")
            self.port = int(m.group(1))
        else:
            self.port = self._listening_port()

    def read_line(self):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"{self.name} printed no line within {TIMEOUT} s (got {self.output!r})")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"{self.name} exited with {self.proc.wait()} (printed {self.output!r})")
            self.output += chunk
        line, self.output = self.output.split(b"\n", 1)
        return line.decode()

    def _listening_port(self):
        """The TCP port the process listens on: its socket inodes matched against /proc/net/tcp."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode} before listening")
            inodes = set()
            for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{self.proc.pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
            with open("/proc/net/tcp") as f:
                for row in f.read().splitlines()[1:]:
                    cols = row.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                        return int(cols[1].split(":")[1], 16)
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not listen within {TIMEOUT} s")

    def request(self, method, path, body=None, headers=None):
        """(status, headers as a lower-cased dict, body bytes) of one request on a new connection."""
        return request(self.port, method, path, body, headers)

    def get_json(self, path, expect=200):
        status, headers, body = self.request("GET", path)
        assert status == expect, f"GET {path}: {status} {body!r}"
        assert headers["content-type"].startswith("application/json"), headers
        return json.loads(body)

    def websocket(self, path):
        return RawWebSocket(self, path)

    def stop(self):
        """SIGTERM, then a bounded wait; the exit status (negative: killed by a signal)."""
        return stop_process(self.proc)
