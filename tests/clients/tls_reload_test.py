#!/usr/bin/env python3
"""Certificate reload with real connections open: echo_server serves TLS from files
in a temp dir; a keep-alive connection is opened (Python's ssl), the files are
replaced by another certificate and the server gets SIGHUP. New connections must
get the new certificate; the open one must keep answering on its old one. Then a
broken file and SIGHUP: the server keeps the last good certificate and says why.

    python3 tests/clients/tls_reload_test.py path/to/echo_server [unittest args...]

Certificates come from scripts/make-test-certs.sh; the server runs on port 0 and
is stopped afterwards; every wait is bounded.
"""
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the helper module
from ws_client_support import TIMEOUT, EchoServer, make_certs


class Connection:
    """One TLS connection speaking HTTP/1.1 keep-alive, verified against the test CA
    (the host name is not checked: the reloaded certificate is for other.test)."""

    def __init__(self, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""

    def subject(self):
        return dict(x[0] for x in self.sock.getpeercert()["subject"])["commonName"]

    def get(self, path):
        """(status, body) of GET path; the connection stays open."""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        length = next(int(v) for k, _, v in (l.partition(":") for l in lines[1:]) if k.lower() == "content-length")
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(lines[0].split()[1]), body.decode()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def close(self):
        self.sock.close()


class Reload(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ringkit-reload-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.certs = os.path.join(self.dir, "certs")
        make_certs(self.certs)
        self.ca = os.path.join(self.certs, "ca.pem")
        self.live = (os.path.join(self.dir, "live.pem"), os.path.join(self.dir, "live.key"))
        self.install("server")
        self.server = EchoServer(tls=self.live)
        self.addCleanup(self.server.stop)
        self.wait_catches_sighup()

    def wait_catches_sighup(self):
        """echo_server prints its port before run_until_signal installs its signal
        handlers, and until then SIGHUP's default action would end it: wait until
        /proc says the signal is caught."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with open(f"/proc/{self.server.proc.pid}/status") as f:
                caught = int(next(l for l in f if l.startswith("SigCgt:")).split()[1], 16)
            if caught & (1 << (signal.SIGHUP - 1)):
                return
            time.sleep(0.01)
        self.fail(f"echo_server did not catch SIGHUP within {TIMEOUT} s")

    def install(self, name):
        """The certificate `name` becomes the server's files (replaced whole, as a deploy would)."""
        for ext, live in zip(("pem", "key"), self.live):
            shutil.copyfile(os.path.join(self.certs, f"{name}.{ext}"), live + ".new")
            os.replace(live + ".new", live)

    def new_subject(self):
        c = Connection(self.server.port, self.ca)
        try:
            self.assertEqual(c.get("/plaintext"), (200, "Hello, World!"))
            return c.subject()
        finally:
            c.close()

    def sighup_until(self, subject):
        """SIGHUP, then new connections until one gets `subject` (bounded)."""
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TIMEOUT
        seen = self.new_subject()
        while seen != subject and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = self.new_subject()
        return seen

    def test_reload_keeps_open_connections(self):
        old = Connection(self.server.port, self.ca)
        self.addCleanup(old.close)
        self.assertEqual(old.get("/plaintext"), (200, "Hello, World!"))
        self.assertEqual(old.subject(), "localhost")

        self.install("other")
        self.assertEqual(self.sighup_until("other.test"), "other.test", "new connections never got the new certificate")
        self.assertTrue(self.server.alive(), "SIGHUP stopped the server")

        # The connection opened before the reload still answers, on its certificate.
        self.assertEqual(old.get("/json"), (200, '{"message":"Hello, World!"}'))
        self.assertEqual(old.get("/plaintext"), (200, "Hello, World!"))
        self.assertEqual(old.subject(), "localhost")

        # Back to the first certificate: a second reload works as well.
        self.install("server")
        self.assertEqual(self.sighup_until("localhost"), "localhost")

    def test_broken_file_keeps_the_old_certificate(self):
        self.install("other")
        self.assertEqual(self.sighup_until("other.test"), "other.test")
        with open(self.live[1], "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        self.server.proc.send_signal(signal.SIGHUP)
        # The failed reload changes nothing that a client can see: keep checking
        # for a while, the server alive and the last good certificate served.
        for _ in range(10):
            time.sleep(0.05)
            self.assertTrue(self.server.alive(), "a broken certificate file stopped the server")
            self.assertEqual(self.new_subject(), "other.test")
        self.install("server")
        self.assertEqual(self.sighup_until("localhost"), "localhost", "a good file after a broken one did not load")

    def test_stops_cleanly_after_reloads(self):
        self.install("other")
        self.assertEqual(self.sighup_until("other.test"), "other.test")
        self.assertEqual(self.server.stop(), 0, "echo_server did not exit cleanly on SIGTERM after a reload")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: tls_reload_test.py path/to/echo_server [unittest args...]")
    EchoServer.binary = sys.argv.pop(1)
    unittest.main(verbosity=2)
