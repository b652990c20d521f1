#!/usr/bin/python3
"""Python's `websockets` as the server for ringkit's own WebSocket client.

    /usr/bin/python3 tests/clients/ws_echo_server.py [--no-deflate] [--tls CERT KEY]

Started by tests/integration/ws_client_interop.cpp (ctest entry ws_client_interop): a
WebSocket implementation nobody here wrote, on the other end of ws::connect. Listens on
127.0.0.1, port 0, and prints the port on a line of its own; echoes every message; a text
"close:CODE:REASON" makes it close with that code and reason; "?extensions" is answered
with the extensions agreed. permessage-deflate is on unless --no-deflate. With --tls it
serves wss:// with the PEM certificate and key given. Exits when its standard input
closes, so it never outlives the test.
"""
import asyncio
import ssl
import sys

try:
    import websockets
except ImportError as e:  # fail loudly: a skipped interoperability test is a silent hole
    sys.exit(f"ws_echo_server.py needs the websockets module (Debian: apt-get install python3-websockets; "
             f"run with /usr/bin/python3, not {sys.executable}): {e}")


async def echo(ws, path=None):  # websockets 10 passes the path too
    try:
        async for m in ws:
            if isinstance(m, str) and m.startswith("close:"):
                _, code, reason = m.split(":", 2)
                await ws.close(int(code), reason)
                return
            if m == "?extensions":
                await ws.send(",".join(e.name for e in ws.extensions))
                continue
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass  # a close with a code of the client's choosing (4005) is an error to websockets, not here


async def main():
    args = sys.argv[1:]
    compression = None if "--no-deflate" in args else "deflate"
    tls = None
    if "--tls" in args:
        at = args.index("--tls")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args[at + 1], args[at + 2])
    async with websockets.serve(echo, "127.0.0.1", 0, compression=compression, max_size=1 << 22,
                                ssl=tls) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
