#!/usr/bin/python3
"""Several echo_server instances behind a load balancer, sharing one Redis
(docs/guide/scaling.md), with the guide's own HAProxy and nginx files
(examples/scaling/). One scenario per run, one ctest entry each:

    /usr/bin/python3 tests/clients/scaling_test.py SCENARIO path/to/echo_server

  broadcast_haproxy  3 instances behind HAProxy, 300 WebSockets in 3 rooms of
                     /ws/broadcast/{room}, each sending 50 messages: every socket gets
                     every message of its room exactly once, in each sender's order
  broadcast_nginx    the same, smaller, behind nginx, with the `websockets` package
  sessions           a session made through each balancer is seen on every instance
  instance_loss      kill -9 one instance mid-run: its sockets reconnect through
                     HAProxy; the others lose nothing, before or after the kill
  instance_loss_nginx  the same behind nginx (passive checks: the reconnections
                     find the dead instance first, and nginx tries the next one)
  drain              an instance drained on HAProxy's admin socket gets no new
                     sockets; stopped (SIGTERM), it closes its own with 1001, exits
                     0, and they reconnect to the others
  redis_restart      Redis stopped and started again mid-run: prints what the
                     publishers during the outage were told; the rooms of sockets
                     that stayed connected are subscribed again and deliver

Starts redis-server, the instances and the balancer on free loopback ports in a
temporary directory and stops them all at the end, failure or not (and, through
PR_SET_PDEATHSIG, if the test itself is killed). HAPROXY_BIN, NGINX_BIN and
REDIS_SERVER_BIN may name the programs. Every wait is bounded.
"""
import asyncio
import collections
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from scaling_support import TIMEOUT, HAProxy, Instance, Nginx, Redis, WebSocket, http_get  # noqa: E402

try:
    import websockets
except ImportError as e:  # fail loudly: a skipped test is a silent hole
    sys.exit(f"scaling_test.py needs the websockets module (Debian: apt-get install python3-websockets; "
             f"run with /usr/bin/python3, not {sys.executable}): {e}")

BINARY = ""


class Cluster:
    """redis-server, `n` echo_server instances on it, and the balancers asked for."""

    def __init__(self, n=3, balancers=("haproxy",)):
        self.dir = tempfile.mkdtemp(prefix="ringkit-scaling-")
        self.procs = []
        self.instances = []
        self.balancers = {}
        try:
            self.redis = self._add(Redis(self.dir))
            for i in range(n):
                self.instances.append(self._add(Instance(BINARY, i + 1, self.redis.port, self.dir)))
            for b in balancers:
                self.balancers[b] = self._add((HAProxy if b == "haproxy" else Nginx)(self.instances, self.dir))
        except BaseException:
            self.close(failed=True)
            raise

    def _add(self, p):
        self.procs.append(p)
        return p

    def close(self, failed=False):
        problems = []
        for p in reversed(self.procs):  # balancers, instances, then Redis
            was_alive = p.alive()
            status = p.stop()
            if isinstance(p, Instance) and was_alive and status != 0:
                problems.append(f"{p.name} exited with {status} after SIGTERM")
        if failed or problems:
            for p in self.procs:
                out = p.output().strip()
                if out:
                    print(f"---- {p.name}:\n{out[-3000:]}", file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)
        if problems and not failed:
            raise AssertionError("; ".join(problems))

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close(failed=kind is not None)


class Member:
    """One socket of /ws/broadcast/{room}. Messages are "room/phase/sender/seq"; it
    checks as they come that each (phase, sender) arrives as 0, 1, 2, ... with no
    gap, repeat or reordering."""

    def __init__(self, room, name):
        self.room, self.name = room, name
        self.room_b, self.name_b = room.encode(), name.encode()
        self.ws = None
        self.next = {}                       # (phase, sender) -> next seq expected
        self.count = collections.Counter()   # phase (bytes) -> messages received
        self.sent = collections.Counter()    # phase -> messages sent
        self.errors = []
        self.hello = False

    async def connect(self, port, client="raw"):
        self.hello = False
        path = f"/ws/broadcast/{self.room}"
        if client == "raw":
            self.ws = await WebSocket.connect(port, path, self.on_message)
        else:
            self.ws = await PackageSocket.connect(port, path, self.on_message)

    def on_message(self, data):
        # Bytes throughout: a million and a half calls in the broadcast test.
        try:
            room, phase, sender, seq = data.split(b"/")
            seq = int(seq)
        except ValueError:
            room = None
        if room != self.room_b:
            self._error(f"{self.name} in {self.room}: unexpected message {data[:80]!r}")
            return
        if phase == b"hello":
            self.hello = self.hello or sender == self.name_b
            return
        key = (phase, sender)
        expected = self.next.get(key, 0)
        if seq != expected:
            self._error(f"{self.name} in {self.room}: {phase.decode()} message {seq} of {sender.decode()} "
                        f"where {expected} was due")
        self.next[key] = max(expected, seq + 1)
        self.count[phase] += 1

    def got(self, phase, sender):
        """How far `sender`'s messages of `phase` have come here, in order."""
        return self.next.get((phase.encode(), sender.name_b), 0)

    def received(self, phase):
        return self.count[phase.encode()]

    def _error(self, what):
        if len(self.errors) < 5:
            self.errors.append(what)

    def send(self, phase, seq):
        """False once the socket is closing (the message was not sent)."""
        ok = self.ws.send(f"{self.room}/{phase}/{self.name}/{seq}")
        if ok:
            self.sent[phase] = seq + 1
        return ok


class PackageSocket:
    """The `websockets` package behind WebSocket's interface: an independent client."""

    @classmethod
    async def connect(cls, port, path, on_message):
        self = cls()
        self.ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}", compression=None, ping_interval=None,
                                           max_size=None, open_timeout=TIMEOUT, close_timeout=2)
        self.outbox = asyncio.Queue()
        self.reader = asyncio.create_task(self._read(on_message))
        self.writer = asyncio.create_task(self._write())
        return self

    async def _write(self):  # one send at a time: each sender's order on the wire
        while (text := await self.outbox.get()) is not None:
            try:
                await self.ws.send(text)
            except websockets.ConnectionClosed:
                return

    async def _read(self, on_message):
        try:
            async for m in self.ws:
                on_message(m.encode() if isinstance(m, str) else m)
        except websockets.ConnectionClosed:
            pass

    def is_open(self):
        return self.ws.open

    def send(self, text):
        if not self.ws.open:
            return False
        self.outbox.put_nowait(text)
        return True

    async def close(self):
        self.outbox.put_nowait(None)
        await asyncio.wait_for(self.writer, TIMEOUT)
        await self.ws.close()
        await asyncio.wait_for(self.reader, TIMEOUT)


def make_members(rooms, per_room, prefix="r"):
    return [Member(f"{prefix}{r}", f"c{r}-{i:03d}") for r in range(rooms) for i in range(per_room)]


async def until(predicate, what, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.02)


async def connect_all(members, port, client="raw"):
    for i in range(0, len(members), 50):  # 50 handshakes at a time
        await asyncio.gather(*(m.connect(port, client) for m in members[i:i + 50]))


async def joined(members, timeout=TIMEOUT):
    """Each member says hello and waits for its own hello to come back: echo_server
    publishes a socket's messages only once it has joined its room, so then it
    hears the room, and its instance is subscribed to it in Redis."""
    for m in members:
        m.ws.send(f"{m.room}/hello/{m.name}/0")
    await until(lambda: all(m.hello for m in members), "every socket hearing its own hello", timeout)


async def send_phase(members, phase, n, pace=0.0, between=None):
    """Round after round, one message per member (so senders interleave);
    `between(round)` runs before each round. Members whose socket closed stop."""
    for seq in range(n):
        if between:
            between(seq)
        for m in members:
            if m.ws.is_open():
                m.send(phase, seq)
        await asyncio.sleep(pace)


def senders_in(members, room):
    return [m for m in members if m.room == room]


def check_phase(listeners, senders, phase, n=None):
    """Every listener got, from each sender of its room, the messages 0..n-1 (n
    defaults to what the sender sent) exactly once and in order."""
    problems = [e for m in listeners for e in m.errors]
    for m in listeners:
        for s in senders:
            if s.room == m.room:
                want = s.sent[phase] if n is None else n
                got = m.got(phase, s)
                if got != want:
                    problems.append(f"{m.name} got {got} of {s.name}'s {want} {phase} messages")
    if problems:
        raise AssertionError(f"{len(problems)} problems, first: " + "; ".join(problems[:8]))


def all_received(listeners, senders, phase):
    per_room = collections.Counter()
    for s in senders:
        per_room[s.room] += s.sent[phase]
    return lambda: all(m.received(phase) >= per_room[m.room] for m in listeners)


async def delivered(listeners, senders, phase, n=None, timeout=30):
    """Waits for every message of `phase` at every listener, then checks them
    (a repeat would arrive within the short wait after the count is reached)."""
    try:
        await until(all_received(listeners, senders, phase), f"every {phase} message at every socket", timeout)
    except AssertionError:
        check_phase(listeners, senders, phase, n)  # says what is missing
        raise
    await asyncio.sleep(0.2)
    check_phase(listeners, senders, phase, n)


async def close_all(members):
    await asyncio.gather(*(m.ws.close() for m in members if m.ws), return_exceptions=True)


# ---- the scenarios -----------------------------------------------------------------------

async def broadcast(balancer, rooms, per_room, messages, client):
    with Cluster(balancers=(balancer,)) as c:
        port = c.balancers[balancer].port
        members = make_members(rooms, per_room)
        t0 = time.monotonic()
        await connect_all(members, port, client)
        await joined(members)
        t1 = time.monotonic()
        await send_phase(members, "m", messages)
        await delivered(members, members, "m", messages, timeout=60)
        t2 = time.monotonic()
        total = sum(m.received("m") for m in members)
        print(f"{balancer}: {len(members)} sockets in {rooms} rooms joined in {t1 - t0:.2f} s; "
              f"{len(members) * messages} messages sent, {total} delivered (each once, in order) in {t2 - t1:.2f} s")
        if balancer == "haproxy":
            print(f"connections per instance (leastconn): {c.balancers['haproxy'].current_sessions()}")
        await close_all(members)


async def sessions():
    with Cluster(balancers=("haproxy", "nginx")) as c:
        for name, balancer in c.balancers.items():
            value = f"made through {name} ✓"
            status, headers, body = http_get(balancer.port, "/session", method="POST", body=value.encode(),
                                             headers={"Content-Type": "text/plain; charset=utf-8"})
            assert status == 200, f"POST /session through {name}: {status} {body!r}"
            assert json.loads(body) == {"value": value}, body
            cookie = headers.get("set-cookie", "").split(";")[0]
            assert cookie.startswith("ringkit-session="), f"no session cookie through {name}: {headers}"
            for inst in c.instances:
                status, _, body = http_get(inst.port, "/session", headers={"Cookie": cookie})
                assert status == 200 and json.loads(body) == {"value": value}, \
                    f"{inst.name} does not see the session made through {name}: {status} {body!r}"
            # Another client, or a key nobody made, gets no session.
            assert json.loads(http_get(c.instances[0].port, "/session")[2]) == {"value": None}
            forged = "ringkit-session=" + "A" * 32
            assert json.loads(http_get(c.instances[1].port, "/session", headers={"Cookie": forged})[2]) == \
                {"value": None}, "an unknown session key was adopted"
            print(f"{name}: the session made through it is seen on all {len(c.instances)} instances")


async def instance_loss(balancer):
    with Cluster(balancers=(balancer,)) as c:
        front = c.balancers[balancer]
        victim_instance = c.instances[1]
        members = make_members(3, 30)
        await connect_all(members, front.port)
        await joined(members)
        if balancer == "haproxy":
            before = front.current_sessions()
            assert sum(before.values()) == len(members), f"connections per instance: {before}"
            victim = before["app2"]
        else:  # nothing but these sockets connects to the instances (Nginx._ready)
            victim = victim_instance.established()
        assert victim > 0, f"instance 2 holds none of the {len(members)} sockets"

        # Messages keep flowing while instance 2 is killed, a third of the way in.
        def kill_at(seq):
            if seq == 10:
                victim_instance.kill9()
        await send_phase(members, "a", 30, pace=0.01, between=kill_at)
        await until(lambda: sum(not m.ws.is_open() for m in members) >= victim,
                    f"the {victim} sockets of the killed instance closed", TIMEOUT)
        lost = [m for m in members if not m.ws.is_open()]
        stayed = [m for m in members if m.ws.is_open()]
        assert len(lost) == victim, f"{len(lost)} sockets closed, the killed instance had {victim}"
        # Those that stayed lose nothing: every message of every sender that stayed,
        # and of each lost sender what its instance had published, a prefix in order.
        await delivered(stayed, stayed, "a")
        for m in stayed:
            for s in lost:
                if s.room == m.room and m.got("a", s) > s.sent["a"]:
                    raise AssertionError(f"{m.name} got more of {s.name}'s messages than it sent")
        cut = collections.Counter("no close frame" if m.ws.close_code is None else m.ws.close_code for m in lost)
        print(f"{balancer}: killed instance 2 (kill -9) holding {victim} of {len(members)} sockets: those closed "
              f"({dict(cut)}); the other {len(stayed)} got every message of every surviving sender, before and "
              f"after the kill")

        # The lost ones reconnect through the balancer, which must not hand them
        # the dead instance: each handshake succeeds at the first attempt.
        t0 = time.monotonic()
        for m in lost:
            await m.connect(front.port)
        await joined(members)
        where = front.current_sessions() if balancer == "haproxy" else \
            {inst.name: inst.established() for inst in c.instances if inst.alive()}
        assert sum(where.values()) == len(members), f"after reconnecting: {where}"
        print(f"{len(lost)} sockets reconnected through {balancer} in {time.monotonic() - t0:.2f} s: {where}")
        await send_phase(members, "b", 10)
        await delivered(members, members, "b", 10)
        await close_all(members)


async def drain():
    with Cluster(balancers=("haproxy",)) as c:
        haproxy = c.balancers["haproxy"]
        first = make_members(3, 10)
        await connect_all(first, haproxy.port)
        await joined(first)
        draining = haproxy.current_sessions()["app3"]
        assert draining > 0, haproxy.current_sessions()
        # Drained: it keeps its sockets and gets no new ones.
        assert haproxy.command("set server ringkit/app3 state drain").strip() == "", "the admin socket refused"
        later = make_members(3, 10, prefix="s")
        await connect_all(later, haproxy.port)
        await joined(later)
        counts = haproxy.current_sessions()
        assert counts["app3"] == draining, f"a drained instance got new connections: {counts}"
        members = first + later
        # Then stopped: server.stop() closes each of its WebSockets with 1001.
        stopping = c.instances[2]
        stopping.proc.terminate()
        await until(lambda: sum(not m.ws.is_open() for m in members) >= draining, "the drained sockets closed",
                    TIMEOUT)
        gone = [m for m in members if not m.ws.is_open()]
        assert len(gone) == draining, f"{len(gone)} sockets closed, the stopped instance had {draining}"
        codes = collections.Counter(m.ws.close_code for m in gone)
        assert set(codes) == {(1001, "server shutting down")}, f"close frames: {codes}"
        stopping.proc.wait(TIMEOUT)
        assert stopping.proc.returncode == 0, f"echo_server exited with {stopping.proc.returncode} after SIGTERM"
        for m in gone:
            await m.connect(haproxy.port)
        await joined(members)
        after = haproxy.current_sessions()
        assert after["app3"] == 0 and sum(after.values()) == len(members), after
        await send_phase(members, "a", 10)
        await delivered(members, members, "a", 10)
        print(f"drained app3 ({draining} sockets): new sockets went elsewhere {counts}; on SIGTERM its sockets "
              f"were closed with {dict(codes)} and reconnected to {after}; every message delivered after that")
        await close_all(members)


async def probe_instance(inst, timeout):
    """Until a socket straight on `inst`, in a room of its own, hears its own
    message: the instance publishes to Redis and is subscribed again."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        probe = Member("zz-probe", f"probe{inst.name}-{attempts}")
        try:
            await probe.connect(inst.port)
            probe.ws.send(f"{probe.room}/hello/{probe.name}/0")
            # Back, or refused (1013: the join or the publish failed): either comes soon.
            await until(lambda: probe.hello or not probe.ws.is_open(), "a probe's answer", TIMEOUT)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
        if probe.hello:
            await probe.ws.close()
            return attempts
        if probe.ws:
            probe.ws.transport.abort()
        if time.monotonic() > deadline:
            raise AssertionError(f"{inst.name}: no broadcast through Redis within {timeout} s of its restart")
        await asyncio.sleep(0.1)


async def redis_restart():
    with Cluster(balancers=("haproxy",)) as c:
        port = c.balancers["haproxy"].port
        listeners = make_members(3, 10)          # connected throughout, silent during the outage
        publishers = make_members(1, 6, prefix="outage")  # talk while Redis is down
        everyone = listeners + publishers
        await connect_all(everyone, port)
        await joined(everyone)
        await send_phase(listeners, "a", 10)
        await delivered(listeners, listeners, "a", 10)

        status, headers, _ = http_get(port, "/session", method="POST", body=b"before the outage")
        cookie = {"Cookie": headers.get("set-cookie", "").split(";")[0]}
        assert status == 200 and cookie["Cookie"].startswith("ringkit-session="), (status, headers)

        c.redis.stop()
        t0 = time.monotonic()
        await send_phase(publishers, "outage", 3)
        await until(lambda: not any(m.ws.is_open() for m in publishers), "the publishers during the outage told",
                    TIMEOUT)
        told = collections.Counter(m.ws.close_code for m in publishers)
        sent = sum(m.sent["outage"] for m in publishers)
        arrived = sum(m.received("outage") for m in publishers)
        assert all(m.ws.is_open() for m in listeners), "a socket that sent nothing was closed by the outage"
        print(f"Redis down: {sent} messages published by {len(publishers)} sockets, {arrived} delivered; "
              f"the publishers were told by a close frame: {dict(told)}")
        # Never in silence: each publisher either had its messages delivered or heard why not.
        for m in publishers:
            undelivered = m.sent["outage"] - m.got("outage", m)
            if undelivered:
                assert m.ws.close_code and m.ws.close_code[0] == 1013, \
                    f"{m.name}: {undelivered} messages lost, and it was told {m.ws.close_code}"

        status, _, body = http_get(port, "/session", headers=cookie)
        assert status == 503, f"GET /session with Redis down: {status} {body!r}"
        print("Redis down: GET /session with a session cookie answers 503")
        await asyncio.sleep(max(0.0, t0 + 1 - time.monotonic()))  # a second down: reconnections fail meanwhile

        c.redis.restart()
        t1 = time.monotonic()
        attempts = [await probe_instance(inst, 20) for inst in c.instances]
        print(f"Redis restarted after {t1 - t0:.2f} s down; each instance broadcasting again "
              f"{time.monotonic() - t1:.2f} s later (probe attempts per instance: {attempts})")
        status, _, body = http_get(port, "/session", headers=cookie)
        assert status == 200, f"GET /session after the restart: {status} {body!r}"
        print(f"after the restart: GET /session with the old cookie: {status} {body.decode().strip()} "
              f"(this Redis kept nothing: --save \"\", no AOF)")
        # The listeners never rejoined: their rooms deliver again only if each hub
        # subscribed them again by itself.
        await send_phase(listeners, "b", 10)
        await delivered(listeners, listeners, "b", 10)
        check_phase(listeners, listeners, "a", 10)
        print(f"after the restart: {sum(m.received('b') for m in listeners)} messages delivered to the "
              f"{len(listeners)} sockets that stayed, each once and in order")
        await close_all(listeners)


SCENARIOS = {
    "broadcast_haproxy": lambda: broadcast("haproxy", 3, 100, 50, "raw"),
    "broadcast_nginx": lambda: broadcast("nginx", 3, 20, 25, "websockets"),
    "sessions": sessions,
    "instance_loss": lambda: instance_loss("haproxy"),
    "instance_loss_nginx": lambda: instance_loss("nginx"),
    "drain": drain,
    "redis_restart": redis_restart,
}


def main():
    global BINARY
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: scaling_test.py {{{'|'.join(SCENARIOS)}}} path/to/echo_server")
    BINARY = os.path.abspath(sys.argv[2])
    start = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(SCENARIOS[sys.argv[1]](), 90))
    except BaseException:
        traceback.print_exc()
        print(f"scaling_test.py {sys.argv[1]}: FAIL after {time.monotonic() - start:.1f} s")
        sys.exit(1)
    print(f"scaling_test.py {sys.argv[1]}: PASS in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
