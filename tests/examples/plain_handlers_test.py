"""examples/plain_handlers.cpp: a router, api_defaults, the worker pool, a long
poll and a WebSocket, all from plain functions."""
import json
import struct
import sys
import unittest

from example_support import Example


class PlainHandlers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = Example([sys.argv[1], "--port", "0"])

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def post_note(self, body, content_type="application/json"):
        status, headers, data = self.app.request("POST", "/api/notes", body, {"Content-Type": content_type})
        return status, json.loads(data) if headers.get("content-type", "").startswith("application/json") else data

    def test_path_params(self):
        self.assertEqual(self.app.request("GET", "/hello/ringkit")[::2], (200, b"Hello, ringkit!"))

    def test_notes_round_trip_through_json_and_params(self):
        status, note = self.post_note(json.dumps({"text": "buy milk"}))
        self.assertEqual(status, 201)
        self.assertEqual(note["text"], "buy milk")
        self.assertEqual(self.app.get_json(f"/api/notes/{note['id']}"), note)
        self.post_note(json.dumps({"text": "call home"}))
        self.assertIn(note, self.app.get_json("/api/notes?q=milk"))
        self.assertTrue(all("milk" in n["text"] for n in self.app.get_json("/api/notes?q=milk")))
        self.assertEqual(self.app.get_json("/api/notes/999999", expect=404), {"error": "no such note"})

    def test_bad_json_is_400_from_the_middleware_and_a_wrong_shape_400_from_the_handler(self):
        self.assertEqual(self.post_note('{"text": ')[0], 400)
        status, body = self.post_note(json.dumps({"note": 1}))
        self.assertEqual((status, body), (400, {"error": 'expected {"text": string}'}))

    def test_routing_answers_405_with_allow(self):
        status, headers, _ = self.app.request("DELETE", "/api/notes")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])

    def test_primes_are_counted_on_the_worker_pool(self):
        self.assertEqual(self.app.get_json("/primes?below=100"), {"below": 100, "primes": 25})
        self.assertEqual(self.app.get_json("/primes?below=1000000")["primes"], 78498)

    def test_long_poll_answers_when_its_timer_fires(self):
        self.assertEqual(self.app.get_json("/later?ms=300"), {"waited_ms": 300})

    def test_websocket_upper_cases_text_and_refuses_binary(self):
        ws = self.app.websocket("/ws/upper")
        self.assertEqual(ws.status, 101)
        ws.send_frame(0x1, "héllo, ringkit".encode())
        self.assertEqual(ws.read_frame(), (True, False, 0x1, "HéLLO, RINGKIT".encode()))
        ws.send_frame(0x2, b"\x00\x01")
        self.assertEqual(ws.read_close(), 1003)
        ws.send_frame(0x8, struct.pack("!H", 1003))
        self.assertTrue(ws.closed_by_server())
        ws.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
