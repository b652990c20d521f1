#!/usr/bin/env python3
"""Writes the hand-written seeds of fuzz_response_parser to corpus/response_parser/.

Each seed is [split byte][options byte][response bytes] (the layout in
fuzz_response_parser.cpp). Run it again after editing the list; it rewrites only
the named seeds, never the libFuzzer-found (hash-named) ones.
"""
import os

# split byte: 0x00 all at once, 0x40|n reads of n+1 bytes, 0x80 varied reads, 0xc0 byte by byte
WHOLE, BYTES, VARIED = 0x00, 0xC0, 0x80
def fixed(n): return 0x40 | (n - 1)
# options byte: method in bits 0-1, 0x04 upgrade asked, 0x08 EOF after the bytes, 0x80|k<<4 small limits
GET, HEAD, POST, CONNECT, UPGRADE, EOF = 0, 1, 2, 3, 0x04, 0x08
def small(k): return 0x80 | (k << 4)

CRLF = b"\r\n"
def resp(status_line, *headers, body=b""):
    return status_line.encode() + CRLF + b"".join(h.encode() + CRLF for h in headers) + CRLF + body

SEEDS = {
    "ok_content_length": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 5", body=b"hello")),
    "ok_bytewise": (BYTES, GET, resp("HTTP/1.1 200 OK", "Content-Length: 5", body=b"hello")),
    "chunked_ext_trailers": (fixed(3), GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked",
                                                body=b"5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n")),
    "chunked_upper_hex": (VARIED, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked",
                                           body=b"A\r\n0123456789\r\n0\r\n\r\n")),
    "until_close": (WHOLE, GET | EOF, resp("HTTP/1.1 200 OK", "Content-Type: text/html", body=b"<p>till the end</p>")),
    "until_close_http10": (fixed(7), GET | EOF, resp("HTTP/1.0 200 OK", body=b"old school")),
    "http10_keepalive": (WHOLE, GET, resp("HTTP/1.0 200 OK", "Connection: keep-alive", "Content-Length: 2", body=b"ok")),
    "connection_close": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Connection: close", "Content-Length: 2", body=b"ok")),
    "head_with_length": (WHOLE, HEAD, resp("HTTP/1.1 200 OK", "Content-Length: 1000")),
    "head_chunked": (BYTES, HEAD, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked")),
    "no_content_204": (WHOLE, POST, resp("HTTP/1.1 204 No Content", "Content-Length: 5")),
    "not_modified_304": (WHOLE, GET, resp("HTTP/1.1 304 Not Modified", "ETag: \"x\"")),
    "continue_then_ok": (VARIED, POST, resp("HTTP/1.1 100 Continue") + resp("HTTP/1.1 201 Created", "Content-Length: 2", body=b"ok")),
    "early_hints": (WHOLE, GET, resp("HTTP/1.1 103 Early Hints", "Link: </a.css>; rel=preload") +
                    resp("HTTP/1.1 200 OK", "Content-Length: 0")),
    "interim_close": (WHOLE, GET, resp("HTTP/1.1 100 Continue", "Connection: close") + resp("HTTP/1.1 200 OK", "Content-Length: 0")),
    "switching_asked": (WHOLE, GET | UPGRADE, resp("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                                                   "Connection: Upgrade", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") + b"\x81\x02hi"),
    "switching_unasked": (WHOLE, GET, resp("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade")),
    "connect_tunnel": (WHOLE, CONNECT, resp("HTTP/1.1 200 Connection established") + b"\x16\x03\x01"),
    "extra_bytes": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Content-Length: 2", body=b"ok") + b"HTTP/1.1 200 OK\r\n\r\n"),
    "redirect_relative": (WHOLE, GET, resp("HTTP/1.1 302 Found", "Location: ../x/./y?z#frag", "Content-Length: 0")),
    "redirect_absolute": (WHOLE, GET, resp("HTTP/1.1 301 Moved Permanently", "Location: HTTPS://User:p%40ss@Example.COM:8443/caf\xc3\xa9", "Content-Length: 0")),
    "redirect_ipv6": (WHOLE, GET, resp("HTTP/1.1 307 Temporary Redirect", "Location: //[::1]:9000/a", "Content-Length: 0")),
    "redirect_bad": (WHOLE, GET, resp("HTTP/1.1 308 Permanent Redirect", "Location: http://[::1/ x", "Content-Length: 0")),
    "set_cookie_repeats": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Set-Cookie: a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
                                            "Set-Cookie: b=2", "Content-Length: 0")),
    "no_reason": (WHOLE, GET, resp("HTTP/1.1 200", "Content-Length: 0")),
    "cl_and_te": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Content-Length: 5", "Transfer-Encoding: chunked", body=b"0\r\n\r\n")),
    "two_lengths": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Content-Length: 5", "Content-Length: 6", body=b"hello!")),
    "bad_length": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Content-Length: 5, 5", body=b"hello")),
    "double_chunked": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked, chunked", body=b"0\r\n\r\n")),
    "te_http10": (WHOLE, GET, resp("HTTP/1.0 200 OK", "Transfer-Encoding: chunked", body=b"0\r\n\r\n")),
    "bad_chunk_size": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", body=b"zz\r\nhello\r\n0\r\n\r\n")),
    "chunk_size_overflow": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", body=b"ffffffffffffffffff\r\n")),
    "chunk_lone_cr": (BYTES, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", body=b"5\r\nhello\rX0\r\n\r\n")),
    "chunk_bare_lf": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", body=b"5\nhello\r\n0\r\n\r\n")),
    "head_bare_lf": (WHOLE, GET, b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"),
    "head_lone_cr": (WHOLE, GET, b"HTTP/1.1 200 OK\r\nA: b\rC: d\r\n\r\n"),
    "obs_fold": (WHOLE, GET, b"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\nContent-Length: 0\r\n\r\n"),
    "bad_header_name": (WHOLE, GET, resp("HTTP/1.1 200 OK", "Bad Name: x")),
    "bad_status_line": (WHOLE, GET, resp("HTTP/2.0 200 OK")),
    "status_600": (WHOLE, GET, resp("HTTP/1.1 600 Nope")),
    "small_limits_ok": (WHOLE, GET | small(3), resp("HTTP/1.1 200 OK", "A: 1", "Content-Length: 4", body=b"abcd")),
    "small_limits_body": (fixed(5), GET | small(1), resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked",
                                                         body=b"5\r\n01234\r\n6\r\n012345\r\n0\r\n\r\n")),
    "small_limits_headers": (WHOLE, GET | small(0), resp("HTTP/1.1 200 OK", "A: 1", "B: 2", "C: 3")),
    "closed_early_body": (WHOLE, GET | EOF, resp("HTTP/1.1 200 OK", "Content-Length: 10", body=b"short")),
    "closed_before_any_byte": (WHOLE, GET | EOF, b""),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "response_parser")
os.makedirs(here, exist_ok=True)
for name, (split, opts, data) in SEEDS.items():
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(here, name), "wb") as f:
        f.write(bytes([split, opts]) + data)
print(f"{len(SEEDS)} seeds in {here}")
