#!/usr/bin/env python3
"""Python's http.server as a server for ringkit's HTTP client
(tests/integration/client_interop.cpp): serves a directory, and /until-close,
a body with no Content-Length that ends when the server closes the connection.

    client_http_server.py DIRECTORY 1.0|1.1

Listens on 127.0.0.1, port 0, prints the port on its first line, and stops
when its standard input closes.
"""
import http.server
import sys
import threading


def main():
    directory, version = sys.argv[1], sys.argv[2]

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/" + version

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/until-close":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Connection", "close")
                self.end_headers()
                for i in range(1000):
                    self.wfile.write(b"line %d\n" % i)
                self.close_connection = True
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test closes our standard input
    server.shutdown()


if __name__ == "__main__":
    main()
