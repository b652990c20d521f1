#!/usr/bin/python3
"""Python's `ssl` + `websockets` (Debian's python3-websockets 10.4) against the real
echo_server over WSS, with a throwaway CA made at test time.

    /usr/bin/python3 tests/clients/ws_python_tls.py path/to/echo_server [unittest args...]

Each echo route is checked over wss:// with the server's certificate verified
against the test CA (and refused without it), text and binary echo, a 1 MiB
message, and permessage-deflate negotiated (the agreed extension header read,
compressible and incompressible messages echoed). Certificates come from
scripts/make-test-certs.sh into a temp dir removed at the end; servers run on
port 0 and are stopped afterwards; every wait is bounded.
"""
import asyncio
import os
import random
import ssl
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the helper module
from ws_client_support import TIMEOUT, EchoServer, make_certs, stop_servers

try:
    import websockets
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
except ImportError as e:  # fail loudly: a skipped conformance test is a silent hole
    sys.exit(f"ws_python_tls.py needs the websockets module (Debian: apt-get install python3-websockets; "
             f"run with /usr/bin/python3, not {sys.executable}): {e}")

ROUTES = ("/ws/echo", "/ws/as-channel-echo", "/ws/listener-echo")
certs = tempfile.TemporaryDirectory(prefix="ringkit-wss-")
servers = {}


def setUpModule():
    make_certs(certs.name)
    tls = (os.path.join(certs.name, "server.pem"), os.path.join(certs.name, "server.key"))
    servers["plain"] = EchoServer(tls=tls)
    servers["deflate"] = EchoServer("--deflate", tls=tls)


def tearDownModule():
    try:
        stop_servers(servers)
    finally:
        certs.cleanup()


def client_context(ca=True):
    ctx = ssl.create_default_context(cafile=os.path.join(certs.name, "ca.pem") if ca else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(server, path, ca=True, **kw):
    kw.setdefault("compression", None)
    kw.setdefault("max_size", None)
    return websockets.connect(server.url(path), ssl=client_context(ca), open_timeout=TIMEOUT,
                              close_timeout=TIMEOUT, ping_interval=None, **kw)


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


class WssEcho(unittest.IsolatedAsyncioTestCase):
    async def test_echo_each_route(self):
        for route in ROUTES:
            with self.subTest(route=route):
                async with connect(servers["plain"], route) as ws:
                    tls = ws.transport.get_extra_info("ssl_object")
                    self.assertIsNotNone(tls, "not a TLS connection")
                    self.assertEqual(tls.version(), "TLSv1.3")
                    self.assertEqual(dict(x[0] for x in tls.getpeercert()["subject"])["commonName"], "localhost")
                    await ws.send("héllo over wss ✓")
                    self.assertEqual(await recv(ws), "héllo over wss ✓")
                    await ws.send(b"\x00\x01binary\xff")
                    self.assertEqual(await recv(ws), b"\x00\x01binary\xff")

    async def test_one_mib_each_route(self):
        data = random.Random(7).randbytes(1024 * 1024)
        for route in ROUTES:
            with self.subTest(route=route):
                async with connect(servers["plain"], route) as ws:
                    await ws.send(data)
                    self.assertEqual(await recv(ws), data)

    async def test_close_handshake(self):
        async with connect(servers["plain"], "/ws/echo") as ws:
            await ws.close(1000, "bye")
            self.assertEqual(ws.close_code, 1000)

    async def test_untrusted_certificate_refused(self):
        # Without the test CA the client must refuse: the certificate is really checked.
        with self.assertRaises(ssl.SSLCertVerificationError):
            async with connect(servers["plain"], "/ws/echo", ca=False):
                pass


class WssDeflate(unittest.IsolatedAsyncioTestCase):
    async def test_permessage_deflate_agreed_and_echoes(self):
        text = "the same words again and again " * 40000  # ~1.2 MB, compresses well
        noise = random.Random(11).randbytes(256 * 1024)  # does not
        for route in ROUTES:
            with self.subTest(route=route):
                async with connect(servers["deflate"], route,
                                   extensions=[ClientPerMessageDeflateFactory(client_max_window_bits=True)]) as ws:
                    agreed = ws.response_headers.get("Sec-WebSocket-Extensions", "")
                    self.assertTrue(agreed.startswith("permessage-deflate"), f"agreed: {agreed!r}")
                    self.assertEqual([type(e).__name__ for e in ws.extensions], ["PerMessageDeflate"])
                    for message in (text, noise, "short", b""):
                        await ws.send(message)
                        self.assertEqual(await recv(ws), message)

    async def test_server_without_deflate_declines(self):
        async with connect(servers["plain"], "/ws/echo", extensions=[ClientPerMessageDeflateFactory()]) as ws:
            self.assertNotIn("Sec-WebSocket-Extensions", ws.response_headers)
            self.assertEqual(ws.extensions, [])
            await ws.send("no compression")
            self.assertEqual(await recv(ws), "no compression")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: ws_python_tls.py path/to/echo_server [unittest args...]")
    EchoServer.binary = sys.argv.pop(1)
    unittest.main(verbosity=2)
