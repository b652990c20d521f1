"""examples/chat over WebSocket: rooms, names and messages; with --redis, shared by
two instances on one real redis-server (started here, on a free port in a
temporary directory), and the names of an instance killed with SIGKILL gone
within --presence-ttl. Usage: chat_test.py CHAT [--redis] (--redis: the build
has hiredis, so chat takes --redis)."""
import json
import os
import signal
import socket
import sys
import time
import unittest
from urllib.parse import quote

import example_support
from example_support import Example, TIMEOUT, no_redis_support_case

HAS_REDIS = "--redis" in sys.argv[2:]
TEXT = 1
TTL = 2  # --presence-ttl: seconds an instance that died keeps its names listed


class User:
    """One page's WebSocket to /chat, its events as dicts."""

    def __init__(self, server, name, room):
        self.name = name
        self.ws = server.websocket(f"/chat?name={quote(name)}&room={quote(room)}")
        assert self.ws.status == 101, self.ws.status
        # The instance joins the room before it reads the names, so that nothing
        # said after the welcome is missed; an event of another user already on its
        # way through Redis (a leave just before) may then come first.
        self.early = []
        self.welcome = self.next()
        while self.welcome["type"] != "welcome":
            assert self.welcome["from"] != name, self.welcome
            self.early.append(self.welcome)
            self.welcome = self.next()

    def next(self):
        _, _, op, payload = self.ws.read_frame()
        assert op == TEXT, (op, payload)
        return json.loads(payload)

    def expect(self, type, frm, text=""):
        """The next event, which must be this one."""
        ev = self.next()
        assert (ev["type"], ev["from"], ev["text"]) == (type, frm, text), ev
        return ev

    def say(self, text):
        self.ws.send_frame(TEXT, text.encode())

    def close(self):
        self.ws.close()


def enter(test, server, name, room):
    """A user who has heard its own join: it is then in the room everywhere."""
    u = User(server, name, room)
    test.addCleanup(u.close)
    ev = u.next()
    while (ev["type"], ev["from"]) != ("join", name):  # as in User: others' events in flight
        assert ev["from"] != name, ev
        u.early.append(ev)
        ev = u.next()
    return u


class Chat:
    """The story both modes tell; `a` and `b` are two instances, or one twice."""

    def test_names_messages_and_leaving(self):
        alice = enter(self, self.a, "alice", "lobby")
        self.assertEqual((alice.welcome["text"], alice.welcome["names"]), ("1 here", ["alice"]))
        bob = enter(self, self.b, "bob", "lobby")
        self.assertEqual((bob.welcome["text"], bob.welcome["names"]), ("2 here", ["alice", "bob"]))
        alice.expect("join", "bob")

        bob.say("héllo ✓")
        alice.say("hi bob")
        for u in (alice, bob):  # everyone in the room, the sender included, each sender's order kept
            got = [u.next() for _ in range(2)]
            self.assertEqual(sorted((e["from"], e["text"]) for e in got), [("alice", "hi bob"), ("bob", "héllo ✓")])

        bob.close()
        alice.expect("leave", "bob")
        carol = enter(self, self.b, "carol", "lobby")
        self.assertEqual(carol.welcome["names"], ["alice", "carol"])  # bob's name went with him
        alice.expect("join", "carol")

    def test_rooms_are_apart(self):
        dave = enter(self, self.a, "dave", "red")
        erin = enter(self, self.b, "erin", "blue")
        self.assertEqual(erin.welcome["names"], ["erin"])
        dave.say("only red")
        erin.say("only blue")
        dave.expect("message", "dave", "only red")  # and not erin's, which would come first or next
        erin.expect("message", "erin", "only blue")
        frank = enter(self, self.b, "frank", "red")
        self.assertEqual(frank.welcome["names"], ["dave", "frank"])
        dave.expect("join", "frank")  # not "only blue", nor erin's join


@unittest.skipUnless(HAS_REDIS, "ringkit was built without hiredis (NoRedisSupport checks that --redis is refused)")
class TwoInstancesOnRedis(example_support.TwoInstancesOnRedis, Chat, unittest.TestCase):
    @classmethod
    def argv_for(cls, redis_address):
        return [sys.argv[1], "--port", "0", "--redis", redis_address, "--presence-ttl", str(TTL)]

    def test_names_of_an_instance_that_died_expire_and_the_living_stay(self):
        gina = enter(self, self.a, "gina", "attic")
        doomed = Example(self.argv)
        self.addCleanup(doomed.stop)
        hank = enter(self, doomed, "hank", "attic")
        gina.expect("join", "hank")
        self.assertEqual(hank.welcome["names"], ["gina", "hank"])
        os.kill(doomed.proc.pid, signal.SIGKILL)
        doomed.proc.wait(TIMEOUT)
        killed = time.monotonic()
        while True:  # bounded: hank must be gone within the TTL (and a refresh round of slack)
            u = User(self.b, "ivan", "attic")
            names = u.welcome["names"]
            u.close()
            if "hank" not in names:
                break
            self.assertLess(time.monotonic() - killed, TTL * 2, f"hank still listed: {names}")
            time.sleep(0.2)
        # gina joined more than a TTL ago: her instance kept her listed.
        self.assertIn("gina", names)
        gina.say("still here")
        while (ev := gina.next())["from"] == "ivan":  # ivan's visits: joined and left
            self.assertIn(ev["type"], ("join", "leave"))
        self.assertEqual((ev["type"], ev["from"], ev["text"]), ("message", "gina", "still here"))


@unittest.skipUnless(HAS_REDIS, "ringkit was built without hiredis (NoRedisSupport checks that --redis is refused)")
class RedisUnreachable(unittest.TestCase):
    def test_a_user_is_closed_with_1013_and_the_instance_stops_cleanly(self):
        with socket.socket() as s:  # a loopback port nobody listens on
            s.bind(("127.0.0.1", 0))
            app = Example([sys.argv[1], "--port", "0", "--redis", f"127.0.0.1:{s.getsockname()[1]}"])
            self.addCleanup(app.stop)
            ws = app.websocket("/chat?name=joe")
            self.addCleanup(ws.close)
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.read_close(), 1013)  # no welcome: the page says so and reconnects
            ws.close()
            self.assertEqual(app.stop(), 0)


class OneInstanceWithoutRedis(Chat, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = cls.b = Example([sys.argv[1], "--port", "0"])

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()

    def test_zz_sigterm_stops_it_cleanly(self):  # runs last (unittest sorts by name)
        self.assertEqual(self.a.stop(), 0)

    def test_the_page_lists_who_is_here(self):
        body = self.a.request("GET", "/")[2]
        self.assertIn(b'id="here"', body)
        self.assertIn(b"m.names", body)

    def test_healthz_answers_a_balancers_check(self):
        status, headers, body = self.a.request("GET", "/healthz")
        self.assertEqual((status, body), (200, b"ok\n"))
        self.assertEqual(self.a.request("GET", "/nowhere")[0], 404)


NoRedisSupport = no_redis_support_case(sys.argv[1], HAS_REDIS)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
