"""Runs an example binary the way a user would and talks to it over loopback:
one process per test module, its port read from the "listening on" line or, for
hello (which prints nothing), from the kernel's socket table."""
import atexit
import ctypes
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

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
    def __init__(self, argv, announces=True, stderr=None):
        """stderr: where the example's stderr goes (a file, for its log); the test's own by default."""
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, stderr=stderr)
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


def _die_with_parent():
    """In the child, before exec: SIGTERM when the test dies (killed by ctest's timeout, atexit never runs)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class RedisServer:
    """A real redis-server on a free loopback port (or `port`) with no persistence,
    its log in `directory` (by default a temporary directory of its own, removed at
    exit). stop() stops it and restart() starts it again on the same port; it is
    stopped at exit in any case. REDIS_SERVER_BIN may name the program."""

    name = "redis"

    def __init__(self, directory=None, port=None):
        self.exe = os.environ.get("REDIS_SERVER_BIN") or shutil.which("redis-server")
        if not self.exe:
            raise AssertionError("redis-server not found: apt-get install redis-server (scripts/install-deps.sh)")
        self.dir = directory or tempfile.mkdtemp(prefix="ringkit-redis-")
        self.log = os.path.join(self.dir, "redis.log")
        self.proc = None
        if not directory:
            atexit.register(shutil.rmtree, self.dir, ignore_errors=True)
        atexit.register(self.stop)  # first: atexit runs last in, first out
        for _ in range(1 if port else 3):  # a free port may be taken between finding it and Redis binding it
            self.port = port or free_port()
            if self._start():
                return
        raise AssertionError(f"redis-server did not start on port {self.port}: {self.output()}")

    def _start(self):
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--logfile", self.log],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        if self._answers():
            return True
        stop_process(self.proc)
        return False

    def _answers(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def address(self):
        return f"127.0.0.1:{self.port}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        """Its log so far (for a failure's message)."""
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def restart(self):
        """Starts it again on the same port, after stop()."""
        if not self._start():
            raise AssertionError(f"redis-server did not start again on port {self.port}: {self.output()}")

    def stop(self):
        """SIGTERM, then a bounded wait; the exit status (None if it never started)."""
        return stop_process(self.proc) if self.proc else None


def free_port():
    """A TCP port free on 127.0.0.1 now (another process may take it before it is used)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TwoInstancesOnRedis:
    """A test case mixin: one redis-server, and two instances of the example
    (`argv_for(redis_address)`, a class method the case defines) on it, as `a` and
    `b`; `argv` is the command line, for more instances. Its last test checks that
    both stop cleanly on SIGTERM."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.argv = cls.argv_for(cls.redis.address())
        cls.a, cls.b = Example(cls.argv), Example(cls.argv)

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()
        cls.redis.stop()

    def test_zz_sigterm_stops_both_instances_cleanly(self):  # runs last (unittest sorts by name)
        self.assertEqual((self.a.stop(), self.b.stop()), (0, 0))


def no_redis_support_case(binary, has_redis):
    """A test case for a build without hiredis: `binary --redis ...` exits with 2
    and says why (skipped when the build has it)."""

    @unittest.skipIf(has_redis, "ringkit was built with hiredis: --redis is tested with a redis-server")
    class NoRedisSupport(unittest.TestCase):
        def test_redis_flag_is_refused_with_a_reason(self):
            r = subprocess.run([binary, "--port", "0", "--redis", "127.0.0.1:6379"], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=TIMEOUT)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"hiredis", r.stderr)

    return NoRedisSupport
