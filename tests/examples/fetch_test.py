"""examples/fetch run as a user would run it, against servers this script starts on
free loopback ports: ringkit's echo_server (plain, and over TLS with a throwaway CA
made here), Python's http.server, a socket that accepts and never answers, and a
port nothing listens on.
    fetch_test.py path/to/fetch path/to/echo_server"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from example_support import TIMEOUT, Example

FETCH, ECHO_SERVER = sys.argv[1], sys.argv[2]
CERTS_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "make-test-certs.sh")


def fetch(*args, stdin=None):
    """(exit code, stdout bytes, stderr text) of one fetch run."""
    p = subprocess.run([FETCH, *args], input=stdin, capture_output=True, timeout=TIMEOUT * 2)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class Handler(http.server.BaseHTTPRequestHandler):
    """/redirect/N: N redirects (302) down to /hello; /hello: text; /see-other: 303 to
    /method; /method and every other POST or PUT: what the request was, as JSON."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def described(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("latin-1")
        headers = {k.lower(): v for k, v in self.headers.items()}
        about = {"method": self.command, "path": self.path, "headers": headers, "body": body}
        self.answer(200, json.dumps(about).encode(), [("Content-Type", "application/json")])

    def do_GET(self):
        if self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.answer(302, b"", [("Location", f"/redirect/{n - 1}" if n > 1 else "/hello")])
        elif self.path == "/hello":
            self.answer(200, b"hello from python\n", [("Content-Type", "text/plain")])
        elif self.path == "/see-other":
            self.answer(303, b"", [("Location", "/method")])
        elif self.path == "/method":
            self.described()
        else:
            self.answer(404, b"no such thing\n", [("Content-Type", "text/plain")])

    def do_POST(self):
        if self.path == "/see-other":
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer(303, b"", [("Location", "/method")])
        else:
            self.described()

    do_PUT = described


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fetch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fetch-test-")
        cls.echo = Example([ECHO_SERVER, "--port", "0"])
        cls.python = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=cls.python.serve_forever, daemon=True).start()
        # Accepts and never answers: the connection is kept open (backlog) but no byte comes.
        cls.silent = socket.socket()
        cls.silent.bind(("127.0.0.1", 0))
        cls.silent.listen(8)

    @classmethod
    def tearDownClass(cls):
        cls.echo.stop()
        cls.python.shutdown()
        cls.python.server_close()
        cls.silent.close()
        cls.tmp.cleanup()

    def echo_url(self, path):
        return f"http://127.0.0.1:{self.echo.port}{path}"

    def python_url(self, path):
        return f"http://127.0.0.1:{self.python.server_address[1]}{path}"

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def assert_one_line_error(self, err):
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("fetch: "), err)

    def test_get_writes_the_body_to_stdout_and_the_head_to_stderr(self):
        code, out, err = fetch(self.echo_url("/plaintext"))
        self.assertEqual((code, out), (0, b"Hello, World!"))
        self.assertEqual(err.splitlines()[0], "HTTP/1.1 200 OK")
        self.assertIn("content-length: 13", err.splitlines())

    def test_o_writes_the_body_to_a_file(self):
        target = self.path("plain.txt")
        code, out, _ = fetch("-o", target, self.echo_url("/json"))
        self.assertEqual((code, out), (0, b""))
        with open(target, "rb") as f:
            self.assertEqual(json.loads(f.read()), {"message": "Hello, World!"})

    def test_d_posts_the_body(self):
        code, out, _ = fetch("-X", "POST", "-d", "a=1&b=2", self.python_url("/form"))
        self.assertEqual(code, 0)
        got = json.loads(out)
        self.assertEqual((got["method"], got["body"]), ("POST", "a=1&b=2"))
        self.assertEqual(got["headers"]["content-type"], "application/x-www-form-urlencoded")

    def test_d_alone_is_a_post_and_H_sets_headers(self):
        code, out, _ = fetch("-d", "hello", "-H", "Content-Type: text/x-test", "-H", "X-Extra:  spaced",
                             self.echo_url("/echo"))
        self.assertEqual((code, out), (0, b"hello"))  # /echo answers POST and PUT only
        code, out, _ = fetch("-H", "X-One: 1", "-H", "X-Spaced: \t  two words", "-H", "Accept: text/plain",
                             self.python_url("/method"))
        h = json.loads(out)["headers"]
        self.assertEqual((h["x-one"], h["x-spaced"], h["accept"]), ("1", "two words", "text/plain"))

    def test_X_PUT_with_data_file_sends_the_file(self):
        data = bytes(range(256)) * 1000
        source = self.path("upload.bin")
        with open(source, "wb") as f:
            f.write(data)
        code, out, err = fetch("-X", "PUT", "--data-file", source, "-H", "Content-Type: application/octet-stream",
                               self.echo_url("/echo"))
        self.assertEqual(code, 0, err)
        self.assertEqual(out, data)

    def test_a_data_file_that_cannot_be_read_is_26(self):
        code, _, err = fetch("--data-file", self.path("missing"), self.echo_url("/echo"))
        self.assertEqual(code, 26)
        self.assert_one_line_error(err)

    def test_404_is_exit_22_with_the_body_written(self):
        code, out, err = fetch(self.python_url("/nothing"))
        self.assertEqual((code, out), (22, b"no such thing\n"))
        self.assertEqual(err.splitlines()[0], "HTTP/1.1 404 Not Found")

    def test_redirects_are_followed(self):
        code, out, _ = fetch(self.python_url("/redirect/3"))
        self.assertEqual((code, out), (0, b"hello from python\n"))

    def test_303_turns_a_post_into_a_get(self):
        code, out, _ = fetch("-d", "x", self.python_url("/see-other"))
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)["method"], "GET")

    def test_max_redirects_0_gives_the_3xx_as_it_came(self):
        code, out, err = fetch("--max-redirects", "0", self.python_url("/redirect/1"))
        self.assertEqual((code, out), (0, b""))
        self.assertEqual(err.splitlines()[0], "HTTP/1.1 302 Found")
        self.assertIn("location: /hello", err.splitlines())

    def test_more_redirects_than_allowed_is_47(self):
        self.assertEqual(fetch("--max-redirects", "3", self.python_url("/redirect/3"))[0], 0)
        code, _, err = fetch("--max-redirects", "2", self.python_url("/redirect/3"))
        self.assertEqual(code, 47)
        self.assert_one_line_error(err)

    def test_timeout_against_a_server_that_never_answers_is_28(self):
        port = self.silent.getsockname()[1]
        code, out, err = fetch("--timeout", "0.5", f"http://127.0.0.1:{port}/")
        self.assertEqual((code, out), (28, b""))
        self.assert_one_line_error(err)

    def test_a_refused_port_is_7_with_one_line(self):
        code, out, err = fetch(f"http://127.0.0.1:{free_port()}/")
        self.assertEqual((code, out), (7, b""))
        self.assert_one_line_error(err)

    def test_bad_usage_is_2_and_a_bad_url_is_3(self):
        self.assertEqual(fetch()[0], 2)
        self.assertEqual(fetch("--frobnicate", self.echo_url("/"))[0], 2)
        self.assertEqual(fetch("-X", "NOT A METHOD", self.echo_url("/"))[0], 2)
        self.assertEqual(fetch("--timeout", "soon", self.echo_url("/"))[0], 2)
        self.assertEqual(fetch("--timeout", "0", self.echo_url("/"))[0], 2)
        self.assertEqual(fetch("--max-redirects", "-1", self.echo_url("/"))[0], 2)
        code, _, err = fetch("gopher://127.0.0.1/")
        self.assertEqual(code, 3)
        self.assert_one_line_error(err)
        code, out, _ = fetch("--help")
        self.assertEqual(code, 0)
        self.assertIn(b"Exit codes", out)

    def test_ws_sends_lines_and_prints_the_echoes(self):
        lines = [f"line {i} " + "x" * (i % 50) for i in range(200)]
        for route in ("/ws/echo", "/ws/listener-echo"):
            url = f"ws://127.0.0.1:{self.echo.port}{route}"
            code, out, err = fetch("--ws", url, stdin=("\n".join(lines) + "\n").encode())
            self.assertEqual(code, 0, err)
            self.assertEqual(out.decode().splitlines(), lines)

    def test_ws_with_no_input_closes_cleanly(self):
        code, out, err = fetch("--ws", f"ws://127.0.0.1:{self.echo.port}/ws/echo", stdin=b"")
        self.assertEqual((code, out), (0, b""), err)

    def test_ws_to_a_route_that_is_no_websocket_is_8(self):
        code, _, err = fetch("--ws", f"ws://127.0.0.1:{self.echo.port}/plaintext", stdin=b"hi\n")
        self.assertEqual(code, 8)
        self.assert_one_line_error(err)


class FetchTls(unittest.TestCase):
    """echo_server over HTTPS with a certificate from a CA made for this run."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fetch-tls-test-")
        cls.certs = cls.tmp.name
        subprocess.run(["bash", CERTS_SCRIPT, cls.certs], check=True, timeout=60)
        cls.echo = Example([ECHO_SERVER, "--port", "0", "--tls-cert", os.path.join(cls.certs, "server.pem"),
                            "--tls-key", os.path.join(cls.certs, "server.key")])
        cls.url = f"https://127.0.0.1:{cls.echo.port}/plaintext"

    @classmethod
    def tearDownClass(cls):
        cls.echo.stop()
        cls.tmp.cleanup()

    def test_cacert_verifies_the_server(self):
        code, out, err = fetch("--cacert", os.path.join(self.certs, "ca.pem"), self.url)
        self.assertEqual((code, out), (0, b"Hello, World!"), err)

    def test_another_ca_does_not_verify_it(self):
        code, out, err = fetch("--cacert", os.path.join(self.certs, "stranger-ca.pem"), self.url)
        self.assertEqual((code, out), (60, b""))
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_a_cacert_that_does_not_load_is_77(self):
        code, out, err = fetch("--cacert", os.path.join(self.certs, "missing.pem"), self.url)
        self.assertEqual((code, out), (77, b""))
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_insecure_skips_verification(self):
        code, out, err = fetch("--insecure", self.url)
        self.assertEqual((code, out), (0, b"Hello, World!"), err)

    def test_wss_with_cacert_echoes_and_without_it_is_60(self):
        url = f"wss://127.0.0.1:{self.echo.port}/ws/echo"
        lines = [f"secure {i}" for i in range(20)]
        code, out, err = fetch("--ws", "--cacert", os.path.join(self.certs, "ca.pem"), url,
                               stdin=("\n".join(lines) + "\n").encode())
        self.assertEqual(code, 0, err)
        self.assertEqual(out.decode().splitlines(), lines)
        code, out, err = fetch("--ws", "--cacert", os.path.join(self.certs, "stranger-ca.pem"), url, stdin=b"hi\n")
        self.assertEqual((code, out), (60, b""), err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
