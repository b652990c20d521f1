"""examples/sse_clock.cpp: an event stream of ticks, one a second, that resumes
from Last-Event-ID, ends with the client, and does not hold up a stop."""
import http.client
import re
import sys
import time
import unittest

from example_support import TIMEOUT, Example

TICK = re.compile(r"\d\d:\d\d:\d\d UTC")


def read_events(res, count):
    """The next `count` events of an open stream as dicts of their fields."""
    events, fields = [], {}
    while len(events) < count:
        line = res.readline()
        if not line:
            raise AssertionError(f"the stream ended after {len(events)} events")
        line = line.decode().rstrip("\n")
        if line == "":
            if fields:
                events.append(fields)
            fields = {}
        else:
            name, _, value = line.partition(": ")
            fields[name] = value
    return events


class SseClock(unittest.TestCase):
    def setUp(self):
        self.app = Example([sys.argv[1], "--port", "0"])

    def tearDown(self):
        self.app.stop()

    def open_clock(self, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.app.port, timeout=TIMEOUT)
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        self.assertEqual(res.status, 200)
        self.assertEqual(res.getheader("content-type"), "text/event-stream")
        self.assertEqual(res.getheader("transfer-encoding"), "chunked")
        return conn, res

    def test_the_page_subscribes_to_the_clock(self):
        status, headers, body = self.app.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"new EventSource('/clock')", body)

    def test_n_ticks_then_the_stream_ends(self):
        conn, res = self.open_clock("/clock?ticks=3")
        started = time.monotonic()
        events = read_events(res, 4)
        self.assertEqual(events[0], {"retry": "1000"})
        self.assertEqual([e["id"] for e in events[1:]], ["1", "2", "3"])
        for e in events[1:]:
            self.assertEqual(e["event"], "tick")
            self.assertRegex(e["data"], TICK)
        self.assertEqual(res.read(), b"")  # the last chunk came: the response is complete
        self.assertGreaterEqual(time.monotonic() - started, 1.9)  # one a second: two waits between three ticks
        conn.close()

    def test_a_reconnecting_client_resumes_after_its_last_event_id(self):
        conn, res = self.open_clock("/clock?ticks=2", {"Last-Event-ID": "41"})
        self.assertEqual([e.get("id") for e in read_events(res, 3)], [None, "42", "43"])
        conn.close()

    def test_an_open_stream_ends_with_its_client_and_does_not_block_stop(self):
        conn, res = self.open_clock("/clock")
        read_events(res, 3)
        conn.close()
        # A second, still open, stream: SIGTERM must end the process within the
        # example's 1 s grace (plus start-up slack), not wait for the stream.
        conn2, res2 = self.open_clock("/clock")
        read_events(res2, 2)
        started = time.monotonic()
        self.assertEqual(self.app.stop(), 0)
        self.assertLess(time.monotonic() - started, TIMEOUT)
        conn2.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
