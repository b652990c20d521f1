"""examples/echo_server.cpp's routes for several instances: /ws/broadcast/{room}
across two instances on one real redis-server (started here, on a free port in a
temporary directory) and within one instance without Redis; /session in Redis,
seen by both instances; /healthz. Usage: echo_broadcast_test.py ECHO_SERVER
[--redis] (--redis: the build has hiredis, so echo_server takes --redis)."""
import socket
import sys
import unittest

import example_support
from example_support import Example, no_redis_support_case

HAS_REDIS = "--redis" in sys.argv[2:]
TEXT, BINARY = 1, 2
MESSAGES = 40  # per sender, half text and half binary


def ready(sockets):
    """Each socket in turn sends "ready:NAME" and waits for it to come back: the
    server publishes a socket's messages only once it has joined its room, so then
    it is in. Others' ready messages that arrive meanwhile are skipped."""
    for name, ws in sockets.items():
        mine = f"ready:{name}".encode()
        ws.send_frame(TEXT, mine)
        while True:
            _, _, op, payload = ws.read_frame()
            if payload == mine:
                break
            if not payload.startswith(b"ready:"):
                raise AssertionError(f"{name} got {op} {payload!r} before its own ready message")


def next_message(ws):
    """(opcode, payload) of the next message that is not a ready message."""
    while True:
        _, _, op, payload = ws.read_frame()
        if not payload.startswith(b"ready:"):
            return op, payload


def message(name, seq):
    """(opcode, payload): even seq text, odd seq binary (with bytes that are not UTF-8)."""
    if seq % 2:
        return BINARY, b"\xff\x00" + f"{name}:{seq}".encode()
    return TEXT, f"{name}:{seq}".encode()


def exchange(test, members):
    """members: {name: (room, socket)}, every socket ready. Every socket sends
    MESSAGES messages (senders interleaved), then "end:NAME"; each socket must then
    receive exactly every message of its room's senders, itself included, each
    sender's in order, with its opcode, and nothing of another room."""
    for seq in range(MESSAGES):
        for name, (_, ws) in members.items():
            ws.send_frame(*message(name, seq))
    for name, (_, ws) in members.items():
        ws.send_frame(TEXT, f"end:{name}".encode())
    for name, (room, ws) in members.items():
        senders = {n for n, (r, _) in members.items() if r == room}
        ended, got = set(), []
        while ended != senders:  # a sender's end comes after all its messages (its order is kept)
            _, _, op, payload = ws.read_frame()
            if payload.startswith(b"ready:"):
                continue
            if op == TEXT and payload.startswith(b"end:"):
                ended.add(payload[4:].decode())
                continue
            got.append((op, payload))
        expected = sorted(message(s, seq) for s in senders for seq in range(MESSAGES))
        test.assertEqual(sorted(got), expected, f"{name} in {room}: not exactly its room's messages")
        for s in senders:
            prefix = f"{s}:".encode()
            in_order = [m for m in got if m[1].lstrip(b"\xff\x00").startswith(prefix)]
            test.assertEqual(in_order, [message(s, seq) for seq in range(MESSAGES)],
                             f"{name}: {s}'s messages out of order")


def open_members(test, layout):
    """layout: {name: (server, room)} -> {name: (room, socket)}, each one ready."""
    members = {}
    for name, (server, room) in layout.items():
        ws = server.websocket(f"/ws/broadcast/{room}")
        test.addCleanup(ws.close)
        test.assertEqual(ws.status, 101)
        members[name] = (room, ws)
    ready({name: ws for name, (_, ws) in members.items()})
    return members


def sent_before_joining(test, server):
    """Messages sent at once after the handshake wait for the join and come back, in order."""
    ws = server.websocket("/ws/broadcast/eager")
    test.addCleanup(ws.close)
    sent = [message("eager", seq) for seq in range(20)]
    for m in sent:
        ws.send_frame(*m)
    test.assertEqual([next_message(ws) for _ in sent], sent)


def cookie_of(headers):
    return headers["set-cookie"].split(";", 1)[0]


@unittest.skipUnless(HAS_REDIS, "ringkit was built without hiredis (NoRedisSupport checks that --redis is refused)")
class TwoInstancesOnRedis(example_support.TwoInstancesOnRedis, unittest.TestCase):
    @classmethod
    def argv_for(cls, redis_address):
        return [sys.argv[1], "--port", "0", "--threads", "2", "--redis", redis_address]

    def test_broadcast_reaches_its_room_on_both_instances_and_no_other(self):
        members = open_members(self, {
            "a1": (self.a, "lobby"), "a2": (self.a, "lobby"), "b1": (self.b, "lobby"),
            "a3": (self.a, "games"), "b2": (self.b, "games"),
        })
        exchange(self, members)

    def test_messages_sent_before_the_join_completes_come_back_in_order(self):
        sent_before_joining(self, self.a)

    def test_binary_stays_binary_from_one_instance_to_the_other(self):
        members = open_members(self, {"a1": (self.a, "quiet"), "b1": (self.b, "quiet")})
        _, b1 = members["b1"]
        _, a1 = members["a1"]
        b1.send_frame(BINARY, b"\x00\x01\x02")
        self.assertEqual(next_message(a1), (BINARY, b"\x00\x01\x02"))
        self.assertEqual(next_message(b1), (BINARY, b"\x00\x01\x02"))

    def test_a_session_made_on_one_instance_is_seen_on_the_other(self):
        status, headers, body = self.a.request("POST", "/session", body="from a \u00e9".encode())
        self.assertEqual((status, body), (200, '{"value":"from a \u00e9"}'.encode()))
        cookie = {"Cookie": cookie_of(headers)}
        self.assertEqual(self.b.request("GET", "/session", headers=cookie)[2], '{"value":"from a \u00e9"}'.encode())
        status, _, _ = self.b.request("POST", "/session", body=b"changed on b", headers=cookie)
        self.assertEqual(status, 200)
        self.assertEqual(self.a.request("GET", "/session", headers=cookie)[2], b'{"value":"changed on b"}')
        self.assertEqual(self.b.get_json("/session"), {"value": None})  # no cookie: a new, empty session

    def test_healthz(self):
        for server in (self.a, self.b):
            self.assertEqual(server.request("GET", "/healthz")[:3:2], (200, b"ok\n"))


@unittest.skipUnless(HAS_REDIS, "ringkit was built without hiredis (NoRedisSupport checks that --redis is refused)")
class RedisUnreachable(unittest.TestCase):
    def test_the_broadcast_closes_with_1013_and_sessions_answer_503(self):
        with socket.socket() as s:  # a loopback port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            app = Example([sys.argv[1], "--port", "0", "--redis", f"127.0.0.1:{port}"])
            self.addCleanup(app.stop)
            ws = app.websocket("/ws/broadcast/lobby")
            self.addCleanup(ws.close)
            self.assertEqual(ws.status, 101)
            ws.send_frame(TEXT, b"lost?")
            self.assertEqual(ws.read_close(), 1013)  # told, not dropped in silence
            status, headers, _ = app.request("POST", "/session", body=b"x")
            self.assertEqual((status, headers.get("retry-after")), (503, "1"))
            self.assertEqual(app.request("GET", "/healthz")[0], 200)
            ws.close()
            self.assertEqual(app.stop(), 0)


class OneInstanceWithoutRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = Example([sys.argv[1], "--port", "0", "--threads", "2"])

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def test_broadcast_within_the_instance(self):
        members = open_members(self, {"x1": (self.app, "lobby"), "x2": (self.app, "lobby"),
                                      "x3": (self.app, "games")})
        exchange(self, members)

    def test_messages_sent_before_the_join_completes_come_back_in_order(self):
        sent_before_joining(self, self.app)

    def test_session_in_memory(self):
        status, headers, body = self.app.request("POST", "/session", body=b"kept")
        self.assertEqual((status, body), (200, b'{"value":"kept"}'))
        self.assertEqual(self.app.request("GET", "/session", headers={"Cookie": cookie_of(headers)})[2],
                         b'{"value":"kept"}')
        self.assertEqual(self.app.request("POST", "/session", body=b"\xff")[0], 400)  # JSON holds only UTF-8

    def test_zz_sigterm_stops_it_cleanly(self):  # runs last (unittest sorts by name)
        self.assertEqual(self.app.stop(), 0)

    def test_healthz_and_the_index_page(self):
        self.assertEqual(self.app.request("GET", "/healthz")[:3:2], (200, b"ok\n"))
        body = self.app.request("GET", "/")[2]
        for route in (b"/ws/broadcast/{room}", b"/session", b"/healthz"):
            self.assertIn(route, body)


NoRedisSupport = no_redis_support_case(sys.argv[1], HAS_REDIS)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
