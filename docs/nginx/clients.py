"""The clients of docs/nginx/test.sh: a WebSocket and an event stream through nginx.

    clients.py ws URL                echo of a text and a binary message, then a normal close
    clients.py ws-stop URL PIDFILE   a WebSocket open while the app gets SIGTERM: expects close 1001
    clients.py sse BASE              /events must deliver "first" before /release is asked

Certificates are not checked (the test's certificate is self-signed). Every wait
is bounded; any failure exits non-zero with a message.
"""
import asyncio
import http.client
import os
import signal
import ssl
import sys
import urllib.parse

try:
    import websockets
except ImportError:
    sys.exit("clients.py: the websockets module is missing (apt-get install python3-websockets)")

TIMEOUT = 10


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fail(why):
    sys.exit("clients.py: " + why)


async def ws_echo(url):
    async with websockets.connect(url, ssl=insecure(), open_timeout=TIMEOUT, compression=None) as ws:
        for message in ["hello through nginx", b"\x00\x01binary\xff"]:
            await ws.send(message)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if got != message:
                fail(f"echo of {message!r} came back as {got!r}")
        await ws.close()
        if ws.close_code != 1000:
            fail(f"close code {ws.close_code}, expected 1000")
    print("ws: text and binary echoed, closed 1000")


async def ws_stop(url, pidfile):
    async with websockets.connect(url, ssl=insecure(), open_timeout=TIMEOUT) as ws:
        await ws.send("before stop")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), signal.SIGTERM)
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            fail("a message arrived instead of the close")
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
            reason = e.rcvd.reason if e.rcvd else None
            if code != 1001:
                fail(f"at server stop the close code was {code}, expected 1001")
    print(f"ws-stop: SIGTERM to the app closed the WebSocket with 1001 ({reason!r})")


def read_event(resp):
    """The next event's data lines, joined; raises on end of stream."""
    data = []
    while True:
        line = resp.readline()
        if not line:
            fail("the event stream ended early")
        line = line.decode().rstrip("\r\n")
        if line == "":
            if data:
                return "\n".join(data)
            continue
        if line.startswith("data: "):
            data.append(line[len("data: "):])


def sse(base):
    u = urllib.parse.urlsplit(base)
    stream = http.client.HTTPSConnection(u.hostname, u.port, timeout=TIMEOUT, context=insecure())
    stream.request("GET", "/events", headers={"Accept": "text/event-stream"})
    resp = stream.getresponse()
    if resp.status != 200 or resp.getheader("content-type") != "text/event-stream":
        fail(f"/events answered {resp.status} {resp.getheader('content-type')}")
    # A buffering proxy holds "first" until the stream ends, which is only after
    # /release: the read below would time out.
    first = read_event(resp)
    if first != "first":
        fail(f"first event was {first!r}")
    other = http.client.HTTPSConnection(u.hostname, u.port, timeout=TIMEOUT, context=insecure())
    other.request("GET", "/release")
    released = other.getresponse().read().decode()
    if released != "1 released\n":
        fail(f"/release said {released!r}")
    last = read_event(resp)
    if last != "last":
        fail(f"last event was {last!r}")
    if resp.readline() != b"":
        fail("the stream did not end after the last event")
    print("sse: 'first' arrived before /release was asked, then 'last' and the end")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "ws":
        asyncio.run(ws_echo(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "ws-stop":
        asyncio.run(ws_stop(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "sse":
        sse(sys.argv[2])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
