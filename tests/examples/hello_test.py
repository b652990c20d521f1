"""examples/hello.cpp (the README's first router) answers what the README says it does."""
import json
import sys
import unittest

from example_support import Example


class Hello(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = Example([sys.argv[1], "0"], announces=False)  # argv[1]: the port; 0 picks one

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def test_greets_the_world_by_default(self):
        self.assertEqual(self.app.request("GET", "/hello")[::2], (200, b"Hello, world"))

    def test_greets_by_name_from_the_query(self):
        self.assertEqual(self.app.request("GET", "/hello?name=ringkit%20user")[::2], (200, b"Hello, ringkit user"))

    def test_greets_by_name_from_the_path(self):
        self.assertEqual(self.app.request("GET", "/hello/ringkit%20user")[::2], (200, b"Hello, ringkit user"))

    def test_the_router_answers_405_with_allow_for_another_method(self):
        status, headers, _ = self.app.request("POST", "/hello")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD, OPTIONS")

    def test_slow_route_answers_from_the_worker_pool(self):
        status, headers, body = self.app.request("GET", "/slow")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"done": True})

    def test_anything_else_is_404(self):
        self.assertEqual(self.app.request("GET", "/nothing")[0], 404)

    def test_zz_sigterm_stops_it_gracefully(self):  # runs last (unittest sorts by name)
        self.assertEqual(self.app.stop(), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
