"""Helpers for scaling_test.py: the real servers of docs/guide/scaling.md (redis-server,
echo_server instances with --redis, HAProxy and nginx running examples/scaling/'s
files), each in a temporary directory on free loopback ports and killed with the
test, and a lean asyncio WebSocket client for hundreds of sockets at once.

HAPROXY_BIN, NGINX_BIN and REDIS_SERVER_BIN may name the programs. Every child
gets PR_SET_PDEATHSIG (SIGTERM): if ctest kills the test (a timeout), its servers
die with it instead of holding ports and ctest's output pipe."""
import asyncio
import base64
import csv
import hashlib
import io
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
# One HTTP request as the example tests make it; PR_SET_PDEATHSIG for each child; redis-server.
from example_support import RedisServer as Redis, _die_with_parent, free_port, request  # noqa: E402

TIMEOUT = 10  # seconds, for every start and every single wait
HERE = os.path.dirname(os.path.abspath(__file__))
SCALING = os.path.join(HERE, "..", "..", "examples", "scaling")
GUIDE = os.path.join(HERE, "..", "..", "docs", "guide", "scaling.md")

def wait_until(predicate, what, timeout=TIMEOUT, interval=0.05):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def http_get(port, path, headers=None, method="GET", body=None):
    """(status, lower-cased headers, body) of one request on a fresh connection."""
    return request(port, method, path, body, headers)


class Process:
    """A child in `directory`, its output in files there (nothing to drain)."""

    def __init__(self, name, argv, directory):
        self.name = name
        self.out = os.path.join(directory, f"{name}.out")
        self.err = os.path.join(directory, f"{name}.err")
        env = {k: v for k, v in os.environ.items() if k != "NGINX"}  # to nginx: sockets it inherits
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=directory,
                                         env=env, preexec_fn=_die_with_parent)

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        with open(self.out, errors="replace") as o, open(self.err, errors="replace") as e:
            return o.read() + e.read()

    def kill9(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()

    def stop(self):
        """SIGTERM, a bounded wait, then SIGKILL; the exit status."""
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Instance(Process):
    """examples/echo_server --port 0 --redis ...; its port from its first line."""

    def __init__(self, binary, index, redis_port, directory):
        super().__init__(f"echo{index}", [binary, "--port", "0", "--threads", "1",
                                          "--redis", f"127.0.0.1:{redis_port}"], directory)
        prefix = "listening on 127.0.0.1:"

        def announced():
            if not self.alive():
                raise AssertionError(f"echo_server {index} exited: {self.output()}")
            with open(self.out) as f:
                line = f.readline()
            return line.endswith("\n") and line.startswith(prefix)
        wait_until(announced, f"echo_server {index} announcing its port")
        with open(self.out) as f:
            self.port = int(f.readline()[len(prefix):])

    def established(self):
        """TCP connections to its port now established, from /proc/net/tcp: its
        WebSockets when nothing else connects (nginx without active checks, and
        before any plain HTTP through it left an idle keep-alive connection)."""
        with open("/proc/net/tcp") as f:
            rows = [line.split() for line in f.read().splitlines()[1:]]
        return sum(1 for r in rows if r[3] == "01" and int(r[1].split(":")[1], 16) == self.port)


FILE_INSTANCES = 3  # examples/scaling/'s files name 127.0.0.1:8081 to 8083


def _configured(name, replacements, instances):
    """examples/scaling/NAME with each (old, new) replaced, its instances' addresses
    set to those of `instances` (up to three) and the lines of the ones beyond removed;
    a missing text fails (the file changed under the test)."""
    with open(os.path.join(SCALING, name)) as f:
        text = f.read()
    if len(instances) > FILE_INSTANCES:
        raise AssertionError(f"examples/scaling/{name} has {FILE_INSTANCES} instances, not {len(instances)}")
    for i in range(len(instances), FILE_INSTANCES):  # before the ports change: a new one may look like these
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if f"127.0.0.1:{8081 + i}" not in line]
        if len(kept) == len(lines):
            raise AssertionError(f"examples/scaling/{name} changed: no 127.0.0.1:{8081 + i} to leave out")
        text = "".join(kept)
    replacements = list(replacements)
    replacements += [(f"127.0.0.1:{8081 + i}", f"127.0.0.1:{inst.port}") for i, inst in enumerate(instances)]
    for old, new in replacements:
        if old not in text:
            raise AssertionError(f"examples/scaling/{name} changed: no {old!r} to set for the test")
        text = text.replace(old, new)
    return text


def check_guide_shows(name, fence):
    """docs/guide/scaling.md shows examples/scaling/NAME whole, in a ```FENCE block."""
    with open(os.path.join(SCALING, name)) as f:
        text = f.read()
    with open(GUIDE) as f:
        guide = f.read()
    if f"```{fence}\n{text}```\n" not in guide:
        raise AssertionError(f"docs/guide/scaling.md does not show examples/scaling/{name} as it is")


class HAProxy(Process):
    """examples/scaling/haproxy.cfg in front of `instances`, in the foreground (-db)."""

    def __init__(self, instances, directory):
        check_guide_shows("haproxy.cfg", "haproxy")
        self.port = free_port()
        self.socket_path = os.path.join(directory, "haproxy.sock")
        repl = [("bind :80", f"bind 127.0.0.1:{self.port}"),
                ("/run/haproxy/ringkit.sock", self.socket_path)]
        cfg = os.path.join(directory, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(_configured("haproxy.cfg", repl, instances))
        binary = os.environ.get("HAPROXY_BIN", "haproxy")
        check = subprocess.run([binary, "-c", "-q", "-f", cfg], capture_output=True, text=True, timeout=TIMEOUT)
        if check.returncode != 0:
            raise AssertionError(f"haproxy -c refused the config: {check.stdout}{check.stderr}")
        super().__init__("haproxy", [binary, "-db", "-f", cfg], directory)
        wait_until(self._ready, "haproxy answering /healthz")

    def _ready(self):
        if not self.alive():
            raise AssertionError(f"haproxy exited: {self.output()}")
        try:
            return http_get(self.port, "/healthz")[0] == 200
        except OSError:
            return False

    def command(self, line):
        """One command on the admin socket; its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(TIMEOUT)
            s.connect(self.socket_path)
            s.sendall(line.encode() + b"\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        return out.decode()

    def current_sessions(self):
        """{server name: its open connections} of the backend, from `show stat`."""
        rows = csv.DictReader(io.StringIO(self.command("show stat").lstrip("# ")))
        return {r["svname"]: int(r["scur"]) for r in rows if r["pxname"] == "ringkit" and r["svname"].startswith("app")}


class Nginx(Process):
    """examples/scaling/nginx.conf (a site file) inside a main config of the test's."""

    def __init__(self, instances, directory):
        check_guide_shows("nginx.conf", "nginx")
        self.port = free_port()
        repl = [("listen 80;", f"listen 127.0.0.1:{self.port};")]
        site = os.path.join(directory, "site.conf")
        with open(site, "w") as f:
            f.write(_configured("nginx.conf", repl, instances))
        os.chmod(directory, 0o755)  # nginx's workers may not be root
        main = os.path.join(directory, "nginx-main.conf")
        with open(main, "w") as f:
            f.write(f"""daemon off;
master_process off;  # one process, so that it dies with the test (PR_SET_PDEATHSIG)
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
""")
        argv = [os.environ.get("NGINX_BIN", "nginx"), "-e", f"{directory}/nginx-error.log", "-p", directory,
                "-c", main]
        check = subprocess.run(argv + ["-t", "-q"], capture_output=True, text=True, timeout=TIMEOUT)
        if check.returncode != 0:
            raise AssertionError(f"nginx -t refused the config: {check.stdout}{check.stderr}")
        super().__init__("nginx", argv, directory)
        wait_until(self._ready, "nginx answering /healthz")

    def _ready(self):
        # Listening is enough: a request through it would leave an idle keep-alive
        # connection to an instance, which Instance.established() would count.
        if not self.alive():
            raise AssertionError(f"nginx exited: {self.output()}")
        return _port_open(self.port)


# ---- a lean WebSocket client -------------------------------------------------------------

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket(asyncio.Protocol):
    """RFC 6455's client side, just enough for many sockets in one process: the
    handshake checked (101, Sec-WebSocket-Accept), frames masked, the server's
    parsed in bulk (unmasked, reassembled), pings answered, the close handshake.
    `on_message(bytes)` gets each text or binary message. websockets (the package)
    takes ~8 µs a message here, too slow for the 1.5 million of the broadcast test."""

    def __init__(self, on_message, path):
        self.on_message = on_message
        self.path = path
        self.key = base64.b64encode(os.urandom(16))
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code = None  # the server's close frame: (code, reason), or None
        self.buf = b""
        self.parts = []
        self.handshake_done = False
        self.close_sent = False
        self.transport = None

    @classmethod
    async def connect(cls, port, path, on_message):
        loop = asyncio.get_running_loop()
        transport, ws = await asyncio.wait_for(
            loop.create_connection(lambda: cls(on_message, path), "127.0.0.1", port), TIMEOUT)
        await asyncio.wait_for(ws.opened, TIMEOUT)
        return ws

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"GET " + self.path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + self.key +
                        b"\r\n\r\n")

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake ({self.buf[:200]!r})"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def is_open(self):
        return self.handshake_done and not self.closed.done() and not self.transport.is_closing()

    def data_received(self, data):
        self.buf += data
        if not self.handshake_done:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1").split("\r\n"), self.buf[end + 4:]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest()).decode()
            if head[0].split()[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
                self.opened.set_exception(ConnectionError(f"handshake refused: {head[0]!r}"))
                self.transport.abort()
                return
            self.handshake_done = True
            self.opened.set_result(None)
        self._frames()

    def _frames(self):
        buf, i, n = self.buf, 0, len(self.buf)
        while n - i >= 2:
            b0, b1 = buf[i], buf[i + 1]
            if b1 & 0x80:
                raise AssertionError("the server masked a frame")
            size, head = b1, 2
            if size == 126:
                if n - i < 4:
                    break
                size, head = struct.unpack_from("!H", buf, i + 2)[0], 4
            elif size == 127:
                if n - i < 10:
                    break
                size, head = struct.unpack_from("!Q", buf, i + 2)[0], 10
            if n - i < head + size:
                break
            payload = buf[i + head:i + head + size]
            i += head + size
            op = b0 & 0x0F
            if op in (1, 2, 0):
                self.parts.append(payload)
                if b0 & 0x80:
                    msg = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
                    self.parts = []
                    self.on_message(msg)
            elif op == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.close_code = (code, payload[2:].decode("utf-8", "replace"))
                if not self.close_sent:
                    self._send(8, payload[:2])
                self.transport.close()
                break
            elif op == 9:
                self._send(10, payload)
        self.buf = buf[i:]

    def _send(self, opcode, data):
        if self.transport.is_closing() or self.close_sent:
            return False
        self.close_sent = opcode == 8
        n = len(data)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.transport.write(head + mask + masked)
        return True

    def send(self, text):
        """A text message; False when the connection is already closing."""
        return self._send(1, text.encode() if isinstance(text, str) else text)

    async def close(self):
        if self._send(8, struct.pack("!H", 1000)):
            try:
                await asyncio.wait_for(asyncio.shield(self.closed), 2)
            except asyncio.TimeoutError:
                pass
        self.transport.abort()
