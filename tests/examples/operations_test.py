"""examples/echo_server.cpp run as operators run it: `--access-log json` (JSON
lines on stderr, parsed here, with the request id a client gave or one made up,
which the response carries too), and `--metrics` scraped by a real Prometheus
that this script starts (a temporary configuration scraping echo_server every
second on loopback, its storage in a temporary directory, stopped and removed on
every path). The query API must return the request count the test produced and
the WebSocket sessions it holds open.

Usage: operations_test.py ECHO_SERVER [CASE...] (the unittest classes to run;
all by default). PROMETHEUS_BIN names the program (the ctest entry
example_prometheus finds it); without one, ScrapedByPrometheus is skipped saying
what to install (scripts/install-deps.sh installs it), with exit status 77 when
it was the case asked for, which ctest reports as skipped."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from example_support import TIMEOUT, Example, _die_with_parent, free_port
from ws_client_support import RawWebSocket, stop_process

PROMETHEUS_WAIT = 30  # seconds: for Prometheus to start, and for a value to show in a query
POSTS = 7  # requests counted (POST: nothing else in the test posts, unlike /metrics's own GETs)
SESSIONS = 3  # WebSocket sessions held open


NO_PROMETHEUS = "prometheus not found: apt-get install prometheus (scripts/install-deps.sh)"


def prometheus_program():
    named = os.environ.get("PROMETHEUS_BIN", "")
    if named.endswith("-NOTFOUND"):  # what CMake's find_program leaves when it found none
        named = ""
    return named or shutil.which("prometheus")


def temporary_directory(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, ignore_errors=True)  # also when a test fails before its tearDown
    return d


class JsonAccessLog(unittest.TestCase):
    """Every line of `--access-log json` is a JSON object for one request, with its id."""

    @classmethod
    def setUpClass(cls):
        cls.dir = temporary_directory("ringkit-accesslog-")
        cls.log_path = os.path.join(cls.dir, "stderr.log")
        cls.log = open(cls.log_path, "wb")
        cls.app = Example([sys.argv[1], "--port", "0", "--access-log", "json"], stderr=cls.log)

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()
        cls.log.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def lines_for(self, path):
        """The log's JSON objects for `path`, once at least one is there (the line
        is written as the response is made, so it may trail the answer)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            with open(self.log_path, "rb") as f:
                text = f.read().decode()
            entries = []
            for line in text.splitlines():
                entry = json.loads(line)  # every line, not only the ones asked for, must parse
                self.assertIsInstance(entry, dict)
                if entry["path"] == path:
                    entries.append(entry)
            if entries or time.monotonic() > deadline:
                return entries
            time.sleep(0.02)

    def test_given_id_is_logged_and_returned(self):
        status, headers, body = self.app.request("GET", "/plaintext?x=1", headers={"X-Request-Id": "lb-1234:abc"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["x-request-id"], "lb-1234:abc")
        [entry] = self.lines_for("/plaintext")
        self.assertEqual(entry["request_id"], "lb-1234:abc")
        self.assertEqual(entry["method"], "GET")
        self.assertEqual(entry["query"], "x=1")
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["bytes"], len(body))
        self.assertEqual(entry["remote_addr"], "127.0.0.1")
        self.assertEqual(entry["protocol"], "HTTP/1.1")
        self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIsInstance(entry["duration_us"], int)

    def test_generated_id_when_absent_or_insane(self):
        ids = []
        for headers in ({}, {"X-Request-Id": "has space"}, {"X-Request-Id": "x" * 200}):
            status, got, _ = self.app.request("GET", "/json", headers=headers)
            self.assertEqual(status, 200)
            self.assertRegex(got["x-request-id"], r"^[0-9a-f]{32}$")
            ids.append(got["x-request-id"])
        self.assertEqual(len(set(ids)), 3)
        deadline = time.monotonic() + TIMEOUT
        while len(self.lines_for("/json")) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual([e["request_id"] for e in self.lines_for("/json")], ids)

    def test_not_found_and_a_percent_encoded_path(self):
        status, headers, _ = self.app.request("GET", "/no/such/caf%C3%A9")
        self.assertEqual(status, 404)
        [entry] = self.lines_for("/no/such/caf%C3%A9")  # the target as it arrived, still encoded
        self.assertEqual(entry["status"], 404)
        self.assertEqual(entry["request_id"], headers["x-request-id"])


class Prometheus:
    """A real Prometheus scraping `target` (HOST:PORT) every second, on a free
    loopback port, its configuration and storage in a temporary directory."""

    def __init__(self, exe, target):
        self.dir = temporary_directory("ringkit-prometheus-")
        self.proc = None
        atexit.register(self.stop)  # first: atexit runs last in, first out
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: echo_server\n"
                    f"    static_configs:\n      - targets: ['{target}']\n")
        self.log_path = os.path.join(self.dir, "prometheus.log")
        for _ in range(3):  # a free port may be taken between finding it and Prometheus binding it
            self.port = free_port()
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    [exe, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                     f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=_die_with_parent)
            if self._ready():
                return
            stop_process(self.proc)
        raise AssertionError(f"prometheus did not start: {self.output()}")

    def _ready(self):
        deadline = time.monotonic() + PROMETHEUS_WAIT
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def query(self, expr):
        """The value of an instant query that returns one sample, or None when it returns none."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            answer = json.load(r)
        if answer["status"] != "success":
            raise AssertionError(f"{expr}: {answer}")
        result = answer["data"]["result"]
        if not result:
            return None
        if len(result) != 1:
            raise AssertionError(f"{expr}: {len(result)} series, expected one: {result}")
        return float(result[0]["value"][1])

    def wait_for(self, expr, expected):
        """Queries `expr` until it returns `expected` (bounded); the values seen, for the failure message."""
        seen = []
        deadline = time.monotonic() + PROMETHEUS_WAIT
        while time.monotonic() < deadline:
            value = self.query(expr)
            if not seen or seen[-1] != value:
                seen.append(value)
            if value == expected:
                return seen
            time.sleep(0.25)
        raise AssertionError(f"{expr} did not reach {expected} in {PROMETHEUS_WAIT} s; values seen: {seen}; "
                             f"targets: {self.targets()}")

    def targets(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/targets", timeout=TIMEOUT) as r:
                return [(t["health"], t.get("lastError")) for t in json.load(r)["data"]["activeTargets"]]
        except OSError as e:
            return str(e)

    def output(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


class ScrapedByPrometheus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        exe = prometheus_program()
        if not exe:
            raise unittest.SkipTest(NO_PROMETHEUS)
        cls.app = Example([sys.argv[1], "--port", "0", "--metrics"])
        try:
            cls.prometheus = Prometheus(exe, f"127.0.0.1:{cls.app.port}")
        except BaseException:
            cls.app.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.app.stop()

    def test_1_exposition_served(self):
        status, headers, body = self.app.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"), headers)
        text = body.decode()
        for name in ("ringkit_http_requests_total", "ringkit_connections_open", "process_cpu_seconds_total",
                     "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"):
            self.assertRegex(text, rf"(?m)^{name}[ {{]")
        self.assertEqual(self.app.request("GET", "/healthz")[0], 200)
        status, _, body = self.app.request("GET", "/readyz")
        self.assertEqual((status, body), (200, b"ready"))

    def test_2_request_count_reaches_prometheus(self):
        for i in range(POSTS):
            status, _, body = self.app.request("POST", "/echo", body=f"n{i}".encode(),
                                               headers={"Content-Type": "text/plain"})
            self.assertEqual((status, body), (200, f"n{i}".encode()))
        seen = self.prometheus.wait_for('sum(ringkit_http_requests_total{method="POST"})', POSTS)
        self.assertEqual(seen[-1], POSTS)
        # The scrapes themselves are answers too: GET 2xx only grows.
        self.assertGreater(self.prometheus.query('sum(ringkit_http_requests_total{method="GET",class="2xx"})'), 0)

    def test_3_websocket_sessions_open_while_held(self):
        sockets = []
        try:
            for _ in range(SESSIONS):
                ws = RawWebSocket(self.app, "/ws/echo")
                self.assertEqual(ws.status, 101)
                ws.send_frame(0x1, b"hi")  # an echo back: the session is running
                self.assertEqual(ws.read_frame()[3], b"hi")
                sockets.append(ws)
            self.prometheus.wait_for("sum(ringkit_websocket_sessions_open)", SESSIONS)
        finally:
            for ws in sockets:
                ws.send_frame(0x8, b"\x03\xe8")
                ws.close()
        self.prometheus.wait_for("sum(ringkit_websocket_sessions_open)", 0)


if __name__ == "__main__":
    cases = sys.argv[2:]
    if cases == ["ScrapedByPrometheus"] and not prometheus_program():
        print(f"skipped: {NO_PROMETHEUS}")
        sys.exit(77)
    unittest.main(argv=sys.argv[:1] + cases, verbosity=2)
