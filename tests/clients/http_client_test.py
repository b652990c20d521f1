#!/usr/bin/env python3
"""Python's http.client against the real echo_server: an HTTP/1.1 client nobody here wrote.

    tests/clients/http_client_test.py path/to/echo_server [unittest args...]

Starts its own servers on port 0 (the port is read from the first stdout line,
"listening on 127.0.0.1:PORT") and stops them afterwards. Every socket has a timeout.
"""
import email.utils
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import unittest

TIMEOUT = 10  # seconds, for every socket and every wait on a server
SERVER_BIN = os.environ.get("RINGKIT_ECHO_SERVER", "")


class EchoServer:
    """One echo_server process on an ephemeral port."""

    def __init__(self, *flags):
        self.proc = subprocess.Popen([SERVER_BIN, "--port", "0", "--threads", "2", *flags],
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

    def connection(self, cls=http.client.HTTPConnection):
        return cls("127.0.0.1", self.port, timeout=TIMEOUT)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM, then a bounded wait; returns the exit status (SIGKILL -> negative)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode


class HTTP10Connection(http.client.HTTPConnection):
    _http_vsn = 10
    _http_vsn_str = "HTTP/1.0"


server = None
small_server = None  # --max-body 1000


def setUpModule():
    global server, small_server
    server = EchoServer()
    small_server = EchoServer("--max-body", "1000")


def tearDownModule():
    problems = []
    for name, s in (("echo_server", server), ("echo_server --max-body 1000", small_server)):
        if s is None:
            continue
        if not s.alive():
            problems.append(f"{name} died during the tests (status {s.proc.returncode})")
        status = s.stop()
        if status != 0:
            problems.append(f"{name} exited with status {status} after SIGTERM")
    if problems:
        raise AssertionError("; ".join(problems))


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.conn = server.connection()

    def tearDown(self):
        self.conn.close()

    def request(self, method, path, body=None, headers=None, conn=None, **kw):
        c = conn or self.conn
        c.request(method, path, body=body, headers=headers or {}, **kw)
        resp = c.getresponse()
        return resp, resp.read()

    def test_plaintext_headers(self):
        resp, body = self.request("GET", "/plaintext")
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"Hello, World!")
        self.assertTrue(resp.getheader("Content-Type").startswith("text/plain"))
        self.assertEqual(resp.getheader("Content-Length"), "13")
        self.assertTrue(resp.getheader("Server"))
        date = email.utils.parsedate_to_datetime(resp.getheader("Date"))
        self.assertLess(abs(time.time() - date.timestamp()), 120)
        self.assertEqual(resp.version, 11)
        self.assertFalse(resp.will_close)

    def test_json_parses(self):
        resp, body = self.request("GET", "/json")
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("application/json"))
        self.assertEqual(json.loads(body), {"message": "Hello, World!"})

    def test_keep_alive_reuses_connection(self):
        self.request("GET", "/plaintext")
        sock, local = self.conn.sock, self.conn.sock.getsockname()
        for path, expected in (("/json", b'{"message":"Hello, World!"}'), ("/plaintext?a=b", b"Hello, World!"),
                               ("/missing", b"Not Found")):
            resp, body = self.request("GET", path)
            self.assertIs(self.conn.sock, sock, "http.client had to reconnect")
            self.assertEqual(body.replace(b" ", b""), expected.replace(b" ", b""))
        resp, body = self.request("POST", "/echo", body=b"x" * 5000, headers={"Content-Type": "text/x"})
        self.assertEqual(body, b"x" * 5000)
        self.assertIs(self.conn.sock, sock)
        self.assertEqual(self.conn.sock.getsockname(), local)

    def test_post_echo_with_content_type(self):
        payload = "grüße, 世界 & more".encode()
        resp, body = self.request("POST", "/echo", body=payload,
                                  headers={"Content-Type": "text/plain; charset=utf-8"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/plain; charset=utf-8")
        self.assertEqual(body, payload)

    def test_put_echo_binary_megabyte(self):
        payload = os.urandom(1024 * 1024)
        resp, body = self.request("PUT", "/echo", body=payload, headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(len(body), len(payload))
        self.assertEqual(body, payload)

    def test_chunked_upload(self):
        pieces = [b"first,", b"", b"x" * 70000, os.urandom(333), b"last"]
        # http.client sends a generator chunked; the empty piece must not end the body early.
        gen = (p for p in pieces)
        resp, body = self.request("POST", "/echo", body=gen, encode_chunked=True,
                                  headers={"Transfer-Encoding": "chunked", "Content-Type": "application/x-test"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "application/x-test")
        self.assertEqual(body, b"".join(pieces))
        # and the connection carries on after a chunked request
        resp, body = self.request("GET", "/plaintext")
        self.assertEqual(body, b"Hello, World!")

    def test_expect_continue_body_sent_eagerly(self):
        # http.client does not wait for "100 Continue"; it skips the interim response.
        payload = os.urandom(200000)
        resp, body = self.request("POST", "/echo", body=payload, headers={"Expect": "100-continue"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, payload)
        resp, body = self.request("GET", "/plaintext")
        self.assertEqual((resp.status, body), (200, b"Hello, World!"))

    def test_head_then_get(self):
        resp, body = self.request("HEAD", "/plaintext")
        self.assertEqual(resp.status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(resp.getheader("Content-Length"), "13")
        # A stray body after the HEAD response would corrupt this one.
        resp, body = self.request("GET", "/json")
        self.assertEqual(resp.status, 200)
        self.assertEqual(json.loads(body)["message"], "Hello, World!")

    def test_not_found(self):
        for method, path in (("GET", "/nope"), ("GET", "/echo"), ("DELETE", "/plaintext"), ("POST", "/json")):
            with self.subTest(method=method, path=path):
                resp, body = self.request(method, path, body=b"" if method == "POST" else None)
                self.assertEqual(resp.status, 404)
                self.assertFalse(resp.will_close)

    def test_stream_read_whole(self):
        self.conn.request("GET", "/stream")
        resp = self.conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.chunked)
        self.assertIsNone(resp.getheader("Content-Length"))
        self.assertEqual(resp.read(), b"".join(b"chunk %d\n" % i for i in range(1, 6)))
        resp, body = self.request("GET", "/plaintext")
        self.assertEqual(body, b"Hello, World!")

    def test_stream_read_in_pieces(self):
        self.conn.request("GET", "/stream")
        resp = self.conn.getresponse()
        got = b""
        while piece := resp.read(3):
            got += piece
        self.assertEqual(got, b"chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n")

    def test_hundred_sequential_requests_one_connection(self):
        sock = None
        for i in range(100):
            kind = i % 4
            if kind == 0:
                resp, body = self.request("GET", f"/plaintext?i={i}")
                expected = b"Hello, World!"
            elif kind == 1:
                resp, body = self.request("GET", "/json")
                body, expected = json.loads(body), {"message": "Hello, World!"}
            elif kind == 2:
                expected = f"request {i} ".encode() * (i + 1)
                resp, body = self.request("POST", "/echo", body=expected)
            else:
                resp, body = self.request("GET", "/stream")
                expected = b"".join(b"chunk %d\n" % n for n in range(1, 6))
            self.assertEqual(resp.status, 200, f"request {i}")
            self.assertEqual(body, expected, f"request {i}")
            if sock is None:
                sock = self.conn.sock
            self.assertIs(self.conn.sock, sock, f"reconnected before request {i}")

    def test_pipelined_requests_in_one_write(self):
        # Ten requests in a single send; the responses must come back complete and in order.
        reqs, expected = [], []
        for i in range(10):
            if i % 3 == 0:
                body = f"pipelined {i}".encode()
                reqs.append(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/x\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                expected.append(body)
            elif i % 3 == 1:
                reqs.append(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
                expected.append(b"Hello, World!")
            else:
                reqs.append(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
                expected.append(b"".join(b"chunk %d\n" % n for n in range(1, 6)))
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as s:
            s.sendall(b"".join(reqs))
            f = s.makefile("rb")

            class Unclosable:  # HTTPResponse closes its file after each body; keep it for the next
                def __getattr__(self, name):
                    return getattr(f, name)

                def close(self):
                    pass

            class OneFile:  # lets several HTTPResponse objects share one buffered reader
                def makefile(self, *a, **k):
                    return Unclosable()

            for i, want in enumerate(expected):
                resp = http.client.HTTPResponse(OneFile(), method="POST" if i % 3 == 0 else "GET")
                resp.begin()
                self.assertEqual(resp.status, 200, f"response {i}")
                self.assertEqual(resp.read(), want, f"response {i}")
            f.close()

    def test_http10(self):
        c = server.connection(HTTP10Connection)
        try:
            resp, body = self.request("GET", "/plaintext", conn=c)
            self.assertEqual(resp.status, 200)
            self.assertEqual(body, b"Hello, World!")
            self.assertTrue(resp.will_close, "an HTTP/1.0 request without keep-alive must not be kept open")
        finally:
            c.close()

    def test_bad_request_target(self):
        self.conn.putrequest("GET", "no-slash", skip_host=False)
        self.conn.endheaders()
        resp = self.conn.getresponse()
        self.assertEqual(resp.status, 400)
        resp.read()
        self.assertTrue(resp.will_close)

    def test_body_over_max_body(self):
        c = small_server.connection()
        try:
            resp, body = self.request("POST", "/echo", body=b"a" * 1000, conn=c)
            self.assertEqual((resp.status, len(body)), (200, 1000))
            resp, body = self.request("POST", "/echo", body=b"a" * 1001, conn=c)
            self.assertEqual(resp.status, 413)
            self.assertTrue(resp.will_close)
        finally:
            c.close()

    def test_chunked_body_over_max_body(self):
        c = small_server.connection()
        try:
            gen = (b"b" * 600 for _ in range(2))
            try:
                resp, _ = self.request("POST", "/echo", body=gen, encode_chunked=True, conn=c)
            except (BrokenPipeError, ConnectionResetError):
                self.skipTest("server closed before the answer could be read (allowed after 413)")
            self.assertEqual(resp.status, 413)
        finally:
            c.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SERVER_BIN = sys.argv.pop(1)
    if not SERVER_BIN or not os.access(SERVER_BIN, os.X_OK):
        sys.exit("usage: http_client_test.py path/to/echo_server [unittest args] (or set RINGKIT_ECHO_SERVER)")
    unittest.main(verbosity=2)
