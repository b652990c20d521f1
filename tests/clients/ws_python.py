#!/usr/bin/python3
"""Python's `websockets` (Debian's python3-websockets 10.4) against the real echo_server.

    /usr/bin/python3 tests/clients/ws_python.py path/to/echo_server [unittest args...]

A WebSocket client nobody here wrote: every echo route (/ws/echo, /ws/as-channel-echo,
/ws/listener-echo) is checked for text, binary, empty, 1 MiB, pipelined and
fragmented messages, ping/pong, the close handshake both ways, --max-ws (1009),
invalid UTF-8 (1007) and permessage-deflate with each of RFC 7692's parameters.
What websockets cannot send (bad UTF-8, hand-compressed frames, RSV1 without an
extension) goes through a raw socket. /sse and /poll are read with http.client.

Run it with Debian's /usr/bin/python3: that is where python3-websockets lives.
Starts its own servers on port 0 and stops them afterwards; every wait is bounded.
"""
import asyncio
import http.client
import os
import signal
import sys
import unittest
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the helper module
from ws_client_support import (TIMEOUT, EchoServer, RawWebSocket, close_frame, deflate_message, inflate_message,
                               long_distance_data, stop_servers, vm_kib)

try:
    import websockets
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
except ImportError as e:  # fail loudly: a skipped conformance test is a silent hole
    sys.exit(f"ws_python.py needs the websockets module (Debian: apt-get install python3-websockets; "
             f"run with /usr/bin/python3, not {sys.executable}): {e}")

SERVER_BIN = os.environ.get("RINGKIT_ECHO_SERVER", "")


servers = {}  # name -> EchoServer, started once for the module
SERVER_FLAGS = {
    "plain": (),
    "deflate": ("--deflate",),
    "small": ("--max-ws", "1000"),
    "small_deflate": ("--max-ws", "1000", "--deflate"),
}


def setUpModule():
    for name, flags in SERVER_FLAGS.items():
        servers[name] = EchoServer(*flags)


def tearDownModule():
    stop_servers(servers)


def connect(server, path, **kw):
    kw.setdefault("compression", None)
    kw.setdefault("max_size", None)
    kw.setdefault("open_timeout", TIMEOUT)
    kw.setdefault("close_timeout", TIMEOUT)
    kw.setdefault("ping_interval", None)  # no background pings: the tests send their own
    return websockets.connect(server.url(path), **kw)


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


def deflate_factory(**kw):
    """A permessage-deflate offer (websockets' own defaults unless given)."""
    return ClientPerMessageDeflateFactory(**kw)


# ---- the same checks against each of the three APIs ------------------------------------

class EchoChecks:
    """Mixed into one TestCase per echo route (PATH)."""
    PATH = None

    async def test_text_echo_ascii_and_utf8(self):
        async with connect(servers["plain"], self.PATH) as ws:
            for text in ("hello", "grüße, 世界", "emoji 🎉 and 𝄞 (4-byte UTF-8)", "x" * 125, "y" * 126,
                         "z" * 65535, "w" * 65536):
                await ws.send(text)
                got = await recv(ws)
                self.assertIsInstance(got, str, "text must come back as a text message")
                self.assertEqual(got, text)

    async def test_binary_echo(self):
        async with connect(servers["plain"], self.PATH) as ws:
            for data in (bytes(range(256)), b"\xff\xfe\x00 not UTF-8", os.urandom(70000)):
                await ws.send(data)
                got = await recv(ws)
                self.assertIsInstance(got, bytes, "binary must come back as a binary message")
                self.assertEqual(got, data)

    async def test_empty_messages(self):
        async with connect(servers["plain"], self.PATH) as ws:
            for data in ("", b"", "", b""):
                await ws.send(data)
                got = await recv(ws)
                self.assertEqual(type(got), type(data))
                self.assertEqual(got, data)

    async def test_megabyte_messages(self):
        async with connect(servers["plain"], self.PATH) as ws:
            data = os.urandom(1024 * 1024)
            await ws.send(data)
            self.assertEqual(await recv(ws), data)
            text = ("ringkit ✓ " * 120000)[:1024 * 1024 // 3]
            self.assertGreaterEqual(len(text.encode()), 1024 * 1024 // 3)
            await ws.send(text * 3)
            self.assertEqual(await recv(ws), text * 3)

    async def test_hundred_pipelined_messages_in_order(self):
        async with connect(servers["plain"], self.PATH) as ws:
            sent = [f"message {i} " * (i % 7) if i % 2 else os.urandom(i * 37) for i in range(100)]
            for m in sent:  # no waiting for echoes in between
                await ws.send(m)
            got = [await recv(ws) for _ in sent]
            self.assertEqual(got, sent)

    async def test_fragmented_text_and_binary(self):
        async with connect(servers["plain"], self.PATH) as ws:
            await ws.send(["frag", "mented ", "", "ünïcode ", "世界"])
            self.assertEqual(await recv(ws), "fragmented ünïcode 世界")
            await ws.send([b"\x00\x01", b"", b"\xff" * 70000, b"end"])
            self.assertEqual(await recv(ws), b"\x00\x01" + b"\xff" * 70000 + b"end")
            await ws.send(["only one fragment"])
            self.assertEqual(await recv(ws), "only one fragment")
            # and an unfragmented message after fragmented ones
            await ws.send("plain")
            self.assertEqual(await recv(ws), "plain")

    async def test_ping_inside_a_fragmented_message(self):
        # Control frames may come between the fragments of a message (RFC 6455 §5.4).
        async with connect(servers["plain"], self.PATH) as ws:
            async def pieces():
                for i in range(5):
                    yield f"part {i};"
                    waiter = await ws.ping(f"mid {i}")
                    await asyncio.wait_for(waiter, TIMEOUT)
            await ws.send(pieces())
            self.assertEqual(await recv(ws), "".join(f"part {i};" for i in range(5)))

    async def test_ping_pong(self):
        async with connect(servers["plain"], self.PATH) as ws:
            waiters = [await ws.ping(data) for data in (b"", b"1", "text ping", os.urandom(125))]
            for w in waiters:
                await asyncio.wait_for(w, TIMEOUT)
            await ws.send("still echoing")
            self.assertEqual(await recv(ws), "still echoing")

    async def test_client_close_with_code_and_reason(self):
        async with connect(servers["plain"], self.PATH) as ws:
            await ws.send("before close")
            self.assertEqual(await recv(ws), "before close")
            await asyncio.wait_for(ws.close(4000, "bye"), TIMEOUT)
            # The server echoes the code it received (RFC 6455 §5.5.1), so the
            # client sees its own 4000 come back: the server read it.
            self.assertEqual(ws.close_code, 4000)
            self.assertEqual(ws.close_sent.code, 4000)
            self.assertEqual(ws.close_sent.reason, "bye")
            self.assertTrue(ws.closed)
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)

    async def test_client_close_normal(self):
        ws = await connect(servers["plain"], self.PATH)
        await asyncio.wait_for(ws.close(), TIMEOUT)
        self.assertEqual(ws.close_code, 1000)
        with self.assertRaises(websockets.ConnectionClosedOK):
            await recv(ws)

    async def test_server_close_on_stop(self):
        # The server closes first (1001 on stop), waits for our close frame, then exits cleanly.
        server = EchoServer()
        try:
            ws = await connect(server, self.PATH)
            await ws.send("hi")
            self.assertEqual(await recv(ws), "hi")
            server.proc.send_signal(signal.SIGTERM)
            with self.assertRaises(websockets.ConnectionClosedOK):  # 1001 is a clean close too
                await recv(ws)
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
            self.assertEqual(ws.close_rcvd.code, 1001)
            self.assertEqual(ws.close_sent.code, 1001, "websockets echoes the server's code")
            # It exits by itself (no second signal: that would race its exit).
            self.assertEqual(await asyncio.to_thread(server.proc.wait, TIMEOUT), 0)
        finally:
            server.stop()

    async def test_max_ws_limit(self):
        async with connect(servers["small"], self.PATH) as ws:
            await ws.send("a" * 1000)
            self.assertEqual(await recv(ws), "a" * 1000)
            await ws.send(b"b" * 1000)
            self.assertEqual(await recv(ws), b"b" * 1000)
            with self.assertRaises(websockets.ConnectionClosedError):
                await ws.send("a" * 1001)
                await recv(ws)
            self.assertEqual(ws.close_code, 1009)

    async def test_max_ws_limit_counts_all_fragments(self):
        async with connect(servers["small"], self.PATH) as ws:
            await ws.send([b"x" * 500, b"y" * 500])
            self.assertEqual(await recv(ws), b"x" * 500 + b"y" * 500)
            with self.assertRaises(websockets.ConnectionClosedError):
                await ws.send([b"x" * 600, b"y" * 401])
                await recv(ws)
            self.assertEqual(ws.close_code, 1009)

    def test_invalid_utf8_text_frame_closes_1007(self):
        for payload in (b"\xff\xfe", b"ok then \xc3\x28", b"\xed\xa0\x80 surrogate", b"\xf4\x90\x80\x80 > U+10FFFF"):
            with self.subTest(payload=payload):
                raw = RawWebSocket(servers["plain"], self.PATH)
                try:
                    self.assertEqual(raw.status, 101)
                    raw.send_frame(0x1, payload)
                    self.assertEqual(raw.read_close(), 1007)
                    self.assertTrue(raw.closed_by_server())
                finally:
                    raw.close()

    def test_utf8_split_across_fragments(self):
        raw = RawWebSocket(servers["plain"], self.PATH)
        try:
            euro = "€".encode()  # three bytes, split over two frames: valid
            raw.send_frame(0x1, b"price " + euro[:1], fin=False)
            raw.send_frame(0x0, euro[1:] + b"5", fin=True)
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual((fin, rsv1, op, payload), (True, False, 0x1, "price €5".encode()))
            # An invalid continuation byte in the second fragment fails the connection.
            raw.send_frame(0x1, euro[:2], fin=False)
            raw.send_frame(0x0, b"\x41", fin=True)
            self.assertEqual(raw.read_close(), 1007)
        finally:
            raw.close()

    def test_close_with_messages_in_flight(self):
        # Fifty messages and a close frame in one write: the echoes that come
        # back are a prefix of what was sent, in order, then the close (1000),
        # then the end of TCP.
        raw = RawWebSocket(servers["plain"], self.PATH)
        try:
            sent = [f"in flight {i}".encode() for i in range(50)]
            frames = []
            for m in sent:
                raw.send_frame(0x1, m)
            raw.send_frame(0x8, close_frame(1000, b"done"))
            while True:
                fin, rsv1, op, payload = raw.read_frame()
                if op == 0x8:
                    self.assertEqual(payload[:2], close_frame(1000))
                    break
                self.assertEqual((fin, rsv1, op), (True, False, 0x1))
                frames.append(payload)
            self.assertEqual(frames, sent[:len(frames)])
            self.assertTrue(raw.closed_by_server())
        finally:
            raw.close()

    def test_close_inside_a_fragmented_message(self):
        raw = RawWebSocket(servers["plain"], self.PATH)
        try:
            raw.send_frame(0x1, b"hel", fin=False)
            raw.send_frame(0x9, b"ping")  # HTTP-Kit's interleaved control frames case
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual((op, payload), (0xA, b"ping"))
            raw.send_frame(0x0, b"lo", fin=True)
            self.assertEqual(raw.read_frame(), (True, False, 0x1, b"hello"))
            raw.send_frame(0x2, b"half a message", fin=False)
            raw.send_frame(0x8, close_frame(1000, b"bye"))
            self.assertEqual(raw.read_close(), 1000)
            self.assertTrue(raw.closed_by_server())
        finally:
            raw.close()

    async def test_default_max_ws_boundary(self):
        # The default limit (4 MiB): exactly the limit passes, one byte more is 1009.
        async with connect(servers["plain"], self.PATH) as ws:
            data = os.urandom(4 * 1024 * 1024)
            await ws.send(data)
            self.assertEqual(await recv(ws), data)
            with self.assertRaises(websockets.ConnectionClosedError):
                # The server may fail the connection on the frame header, before
                # all of the payload is written: then send() itself raises.
                await ws.send(data + b"!")
                await recv(ws)
            self.assertEqual(ws.close_code, 1009)

    def test_rsv1_without_deflate_closes_1002(self):
        raw = RawWebSocket(servers["plain"], self.PATH, extensions="permessage-deflate")
        try:
            self.assertEqual(raw.status, 101)
            self.assertNotIn("sec-websocket-extensions", raw.headers)
            raw.send_frame(0x1, deflate_message(b"hello hello hello"), rsv1=True)
            self.assertEqual(raw.read_close(), 1002)
        finally:
            raw.close()

    async def test_concurrent_connections(self):
        async def one(n):
            async with connect(servers["plain"], self.PATH) as ws:
                for i in range(10):
                    msg = f"conn {n} msg {i}"
                    await ws.send(msg)
                    self.assertEqual(await recv(ws), msg)
        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(20))), 6 * TIMEOUT)

    # ---- permessage-deflate ---------------------------------------------------------

    async def test_no_deflate_without_the_flag(self):
        async with connect(servers["plain"], self.PATH, compression="deflate") as ws:
            self.assertIsNone(ws.response_headers.get("Sec-WebSocket-Extensions"))
            self.assertEqual(ws.extensions, [])
            await ws.send("x" * 10000)
            self.assertEqual(await recv(ws), "x" * 10000)

    async def test_deflate_default_offer(self):
        async with connect(servers["deflate"], self.PATH, compression="deflate") as ws:
            ext = ws.response_headers.get("Sec-WebSocket-Extensions")
            self.assertIsNotNone(ext)
            self.assertTrue(ext.startswith("permessage-deflate"), ext)
            self.assertEqual(len(ws.extensions), 1)
            await self.round_trips(ws)

    async def test_deflate_parameters(self):
        offers = {
            "server_no_context_takeover": dict(server_no_context_takeover=True),
            "client_no_context_takeover": dict(client_no_context_takeover=True),
            "both_no_context_takeover": dict(server_no_context_takeover=True, client_no_context_takeover=True),
            "server_max_window_bits=10": dict(server_max_window_bits=10),
            "client_max_window_bits=10": dict(client_max_window_bits=10),
            "server_max_window_bits=9": dict(server_max_window_bits=9),
            "client_max_window_bits=9": dict(client_max_window_bits=9),
            "client_max_window_bits absent": dict(client_max_window_bits=None),
            "all": dict(server_no_context_takeover=True, client_no_context_takeover=True,
                        server_max_window_bits=10, client_max_window_bits=10),
        }
        for name, params in offers.items():
            with self.subTest(offer=name):
                async with connect(servers["deflate"], self.PATH, extensions=[deflate_factory(**params)]) as ws:
                    ext = ws.response_headers.get("Sec-WebSocket-Extensions", "")
                    self.assertTrue(ext.startswith("permessage-deflate"), ext)
                    [pmd] = ws.extensions
                    if params.get("server_no_context_takeover"):
                        self.assertTrue(pmd.remote_no_context_takeover, ext)
                    if params.get("client_no_context_takeover"):
                        self.assertTrue(pmd.local_no_context_takeover, ext)
                    if "server_max_window_bits" in params:
                        self.assertLessEqual(pmd.remote_max_window_bits, params["server_max_window_bits"], ext)
                    if isinstance(params.get("client_max_window_bits"), int):
                        self.assertLessEqual(pmd.local_max_window_bits, params["client_max_window_bits"], ext)
                    if "client_max_window_bits" in params and params["client_max_window_bits"] is None:
                        self.assertNotIn("client_max_window_bits", ext, "not offered, so it must not be answered")
                    await self.round_trips(ws)

    async def test_deflate_8_bit_window_is_declined(self):
        # zlib cannot deflate with an 8-bit window: the offer is declined, the connection still works.
        async with connect(servers["deflate"], self.PATH,
                           extensions=[deflate_factory(server_max_window_bits=8)]) as ws:
            self.assertIsNone(ws.response_headers.get("Sec-WebSocket-Extensions"))
            self.assertEqual(ws.extensions, [])
            await ws.send("y" * 5000)
            self.assertEqual(await recv(ws), "y" * 5000)

    async def round_trips(self, ws):
        """Messages whose echo only inflates if the server honoured what it agreed to."""
        messages = [
            "compressible text " * 20000,
            b"\x00" * 300000,
            long_distance_data(1),                # window bits: back-references 3000 bytes long
            long_distance_data(1),                # the same again: context takeover (or not)
            long_distance_data(2),
            "short",                              # below the server's min_size: sent uncompressed
            "",
            b"",
            os.urandom(50000),                    # incompressible
            "ü" * 40000,
        ]
        for m in messages:
            await ws.send(m)
            self.assertEqual(await recv(ws), m)
        # pipelined, and a fragmented compressed message
        for m in messages:
            await ws.send(m)
        for m in messages:
            self.assertEqual(await recv(ws), m)
        await ws.send(["frag " * 1000, "mented " * 1000, "deflate " * 1000])
        self.assertEqual(await recv(ws), "frag " * 1000 + "mented " * 1000 + "deflate " * 1000)
        waiter = await ws.ping(b"p")
        await asyncio.wait_for(waiter, TIMEOUT)
        await asyncio.wait_for(ws.close(4001, "deflate done"), TIMEOUT)
        self.assertEqual(ws.close_code, 4001)

    def test_deflate_raw_frames(self):
        # Hand-made compressed frames, checked with Python's zlib: the echo is
        # compressed (RSV1) and inflates to the message.
        raw = RawWebSocket(servers["deflate"], self.PATH, extensions="permessage-deflate; client_max_window_bits")
        try:
            self.assertEqual(raw.status, 101)
            self.assertTrue(raw.headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"))
            message = b"compress me " * 1000
            d = zlib.decompressobj(wbits=-15)  # the server keeps its context: one inflater for all echoes
            raw.send_frame(0x2, deflate_message(message), rsv1=True)
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual((fin, rsv1, op), (True, True, 0x2))
            self.assertLess(len(payload), len(message) // 10)
            self.assertEqual(d.decompress(payload + b"\x00\x00\xff\xff"), message)
            # A compressed message in three frames: RSV1 on the first only.
            packed = deflate_message(message)
            raw.send_frame(0x1, packed[:10], fin=False, rsv1=True)
            raw.send_frame(0x0, packed[10:20], fin=False)
            raw.send_frame(0x0, packed[20:], fin=True)
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual((fin, rsv1, op), (True, True, 0x1))
            self.assertEqual(d.decompress(payload + b"\x00\x00\xff\xff"), message)
            # An uncompressed message on the same connection (RSV1 clear) is fine too.
            raw.send_frame(0x1, b"not compressed")
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual(payload if not rsv1 else d.decompress(payload + b"\x00\x00\xff\xff"),
                             b"not compressed")
            # A message with a final (BFINAL) block: a complete raw deflate stream.
            c = zlib.compressobj(wbits=-15)
            raw.send_frame(0x2, c.compress(b"final block " * 50) + c.flush(zlib.Z_FINISH), rsv1=True)
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual(d.decompress(payload + b"\x00\x00\xff\xff") if rsv1 else payload,
                             b"final block " * 50)
        finally:
            raw.close()

    def test_deflate_raw_context_takeover(self):
        raw = RawWebSocket(servers["deflate"], self.PATH, extensions="permessage-deflate")
        try:
            self.assertEqual(raw.status, 101)
            d = zlib.decompressobj(wbits=-15)  # one inflater for the whole connection, as agreed
            c = zlib.compressobj(wbits=-15)
            for i in range(5):
                message = (f"message {i} " + "the same words again " * 300).encode()
                out = c.compress(message) + c.flush(zlib.Z_SYNC_FLUSH)
                raw.send_frame(0x1, out[:-4], rsv1=True)  # our context carries over too
                fin, rsv1, op, payload = raw.read_frame()
                self.assertTrue(rsv1)
                self.assertEqual(d.decompress(payload + b"\x00\x00\xff\xff"), message)
                if i > 0:
                    self.assertLess(len(payload), 100, "with context takeover a repeat costs a few bytes")
        finally:
            raw.close()

    def test_deflate_bomb_closes_1009(self):
        # A small compressed frame that inflates past --max-ws 1000.
        raw = RawWebSocket(servers["small_deflate"], self.PATH, extensions="permessage-deflate")
        try:
            self.assertEqual(raw.status, 101)
            ok = deflate_message(b"a" * 1000)
            raw.send_frame(0x2, ok, rsv1=True)
            fin, rsv1, op, payload = raw.read_frame()
            self.assertEqual(inflate_message(payload) if rsv1 else payload, b"a" * 1000)
            bomb = deflate_message(b"a" * 10_000_000)
            self.assertLess(len(bomb), 20000)
            raw.send_frame(0x2, bomb, rsv1=True)
            self.assertEqual(raw.read_close(), 1009)
        finally:
            raw.close()

    async def test_deflate_max_ws_after_inflating(self):
        async with connect(servers["small_deflate"], self.PATH, compression="deflate") as ws:
            self.assertEqual(len(ws.extensions), 1)
            await ws.send("c" * 1000)
            self.assertEqual(await recv(ws), "c" * 1000)
            with self.assertRaises(websockets.ConnectionClosedError):
                await ws.send("c" * 1001)  # a few bytes on the wire, 1001 once inflated
                await recv(ws)
            self.assertEqual(ws.close_code, 1009)


class StreamEcho(EchoChecks, unittest.IsolatedAsyncioTestCase):
    PATH = "/ws/echo"


class AsChannelEcho(EchoChecks, unittest.IsolatedAsyncioTestCase):
    PATH = "/ws/as-channel-echo"


class ListenerEcho(EchoChecks, unittest.IsolatedAsyncioTestCase):
    PATH = "/ws/listener-echo"


# ---- a ping flood from a client that does not read ------------------------------------------

class PingFlood(unittest.TestCase):
    def test_ping_flood_without_reading_stays_bounded(self):
        # A million pings while the client reads nothing: the pongs cannot be
        # written, and the server must not queue one per ping (RFC 6455 §5.5.3
        # lets it answer only the most recent). Then the client reads: the pongs
        # come in order, fewer than the pings, and the last answers the last ping.
        server = EchoServer()
        try:
            raw = RawWebSocket(server, "/ws/echo")
            self.assertEqual(raw.status, 101)
            rss_before = vm_kib(server.proc.pid, "VmRSS")
            pings = 1_000_000
            mask = b"\0\0\0\0"  # a zero mask leaves the payload as it is
            batch = 10_000
            for start in range(0, pings, batch):
                raw.sock.sendall(b"".join(b"\x89\x88" + mask + b"%08d" % i for i in range(start, start + batch)))
            raw.send_frame(0x1, b"after the flood")  # its echo proves the server read every ping
            count, last, echo = 0, b"", None
            while echo is None or last != b"%08d" % (pings - 1):
                fin, rsv1, op, payload = raw.read_frame()
                if op == 0xA:
                    self.assertGreater(payload, last, "pongs answer later pings as they come")
                    count, last = count + 1, payload
                else:
                    self.assertEqual((op, payload), (0x1, b"after the flood"))
                    echo = payload
            self.assertLess(count, pings, "a pong was queued for every ping: the queue grew with the flood")
            growth_mib = (vm_kib(server.proc.pid, "VmHWM") - rss_before) / 1024  # peak resident memory
            # Sanitizer builds reserve terabytes and keep freed memory in quarantine: RSS says nothing there.
            if vm_kib(server.proc.pid, "VmSize") < 1 << 30:
                self.assertLess(growth_mib, 64, f"the server grew by {growth_mib:.0f} MiB during the flood")
            raw.send_frame(0x8, close_frame(1000))
            self.assertEqual(raw.read_close(), 1000)
            raw.close()
        finally:
            self.assertEqual(server.stop(), 0)


# ---- HTTP channels -------------------------------------------------------------------------

class HttpChannels(unittest.TestCase):
    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", servers["plain"].port, timeout=TIMEOUT)

    def test_sse_event_stream(self):
        conn = self.connection()
        try:
            conn.request("GET", "/sse", headers={"Accept": "text/event-stream"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
            self.assertEqual(resp.getheader("Cache-Control"), "no-cache")
            events, fields = [], {}
            while True:  # read the stream line by line, as an EventSource does
                line = resp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line == "":
                    events.append(fields)
                    fields = {}
                else:
                    name, _, value = line.partition(": ")
                    fields[name] = value
            self.assertEqual(fields, {}, "the stream ended inside an event")
            self.assertEqual(events, [{"event": "tick", "id": str(n), "data": f"tick {n}"} for n in range(1, 6)])
            # The stream ended with its last event; the connection carries on.
            conn.request("GET", "/plaintext")
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.read()), (200, b"Hello, World!"))
        finally:
            conn.close()

    def test_long_poll(self):
        conn = self.connection()
        try:
            for _ in range(2):
                conn.request("GET", "/poll")
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.read(), b"polled\n")
        finally:
            conn.close()

    def test_long_polls_in_parallel(self):
        conns = [self.connection() for _ in range(10)]
        try:
            for c in conns:
                c.request("GET", "/poll")
            for c in conns:
                resp = c.getresponse()
                self.assertEqual((resp.status, resp.read()), (200, b"polled\n"))
        finally:
            for c in conns:
                c.close()

    def test_websocket_route_without_upgrade(self):
        conn = self.connection()
        try:
            conn.request("GET", "/ws/echo")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 426)
            self.assertEqual(resp.getheader("Upgrade"), "websocket")
            self.assertEqual(resp.getheader("Sec-WebSocket-Version"), "13")
        finally:
            conn.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SERVER_BIN = sys.argv.pop(1)
    if not SERVER_BIN or not os.access(SERVER_BIN, os.X_OK):
        sys.exit("usage: ws_python.py path/to/echo_server [unittest args] (or set RINGKIT_ECHO_SERVER)")
    EchoServer.binary = SERVER_BIN
    unittest.main(verbosity=2)
