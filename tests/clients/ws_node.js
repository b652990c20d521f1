#!/usr/bin/env node
// Node's `ws` package (what most Node servers and clients use) against the real
// echo_server: a WebSocket implementation nobody here wrote.
//
//   node tests/clients/ws_node.js path/to/echo_server path/to/node-dir [--tls]
//
// With --tls every test runs over wss://: the servers get a certificate for
// 127.0.0.1 from scripts/make-test-certs.sh (made into a temp dir, removed at
// exit) and every client trusts only that throwaway CA (the `ca` option); a few
// checks more say the connection is TLS 1.3 and an untrusting client is refused.
//
// node-dir is a directory in the build tree: package.json and package-lock.json
// are copied there from beside this script and `npm ci` installs `ws` into it
// (once; again when the lock file changes). The source tree never gets a
// node_modules. When npm cannot install (no registry, no cache) the test fails
// and says so: a client test that skips itself is a hole nobody sees.
//
// Each echo route (/ws/echo, /ws/as-channel-echo, /ws/listener-echo) is checked
// for text, binary, empty, 1 MiB, pipelined and fragmented messages, ping/pong,
// the close handshake both ways, invalid UTF-8 (1007), --max-ws (1009), the
// client's own maxPayload, permessage-deflate with each RFC 7692 parameter, and
// 200 concurrent connections echoing 20 messages each. Servers run on port 0;
// every wait is bounded.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { requireFromLock } = require('../support/npm_install.js');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const TIMEOUT = 10000; // ms, for every wait on a socket or a server
const [serverBin, nodeDir, mode] = process.argv.slice(2);
if (!serverBin || !nodeDir || (mode !== undefined && mode !== '--tls')) {
  console.error('usage: ws_node.js path/to/echo_server path/to/node-dir [--tls]');
  process.exit(2);
}

// ---- with --tls: a throwaway CA and a server certificate -------------------------------

const tls = mode === '--tls' ? makeCerts() : null;

function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkit-wss-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const script = path.join(__dirname, '..', '..', 'scripts', 'make-test-certs.sh');
  const r = spawnSync('bash', [script, dir], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) {
    console.error(`ws_node_client: ${script} failed: ${r.stderr}`);
    process.exit(1);
  }
  return {
    serverFlags: ['--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key')],
    ca: fs.readFileSync(path.join(dir, 'ca.pem')),
  };
}

// ---- installing ws into the build tree -------------------------------------------------

const WebSocket = requireFromLock('ws_node_client', __dirname, nodeDir, 'ws');

// ---- echo_server processes ---------------------------------------------------------------

class EchoServer {
  constructor(...flags) {
    this.flags = flags;
  }

  start() {
    this.proc = spawn(serverBin, ['--port', '0', '--threads', '2', ...(tls ? tls.serverFlags : []), ...this.flags],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    return within(new Promise((resolve, reject) => {
      let out = '';
      this.proc.stdout.on('data', (chunk) => {
        out += chunk;
        const m = /^listening on 127\.0\.0\.1:(\d+)\n/.exec(out);
        if (m) {
          this.port = Number(m[1]);
          resolve(this);
        } else if (out.includes('\n')) {
          reject(new Error(`echo_server's first line is ${JSON.stringify(out)}`));
        }
      });
      this.exited.then((s) => reject(new Error(`echo_server exited (${JSON.stringify(s)}) before listening`)));
    }), `echo_server ${this.flags.join(' ')} to listen`);
  }

  url(p) {
    return `${tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}${p}`;
  }

  // SIGTERM, then a bounded wait; resolves to the exit code (SIGKILL after TIMEOUT: null).
  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    try {
      return (await within(this.exited, 'echo_server to exit')).code;
    } catch (e) {
      this.proc.kill('SIGKILL');
      await this.exited;
      return null;
    }
  }
}

function within(promise, what, ms = TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- a client with an awaitable inbox -------------------------------------------------------

class Client {
  constructor(url, options = {}) {
    const trust = tls ? { ca: tls.ca } : {};
    this.ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: TIMEOUT, ...trust, ...options });
    this.inbox = [];
    this.waiters = [];
    this.pongs = [];
    this.pongWaiters = [];
    this.errors = [];
    this.ws.on('upgrade', (res) => { this.response = res; });
    this.ws.on('message', (data, isBinary) => this.push(this.inbox, this.waiters, { data, isBinary }));
    this.ws.on('pong', (data) => this.push(this.pongs, this.pongWaiters, data));
    this.ws.on('error', (e) => this.errors.push(e));
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of [...this.waiters, ...this.pongWaiters]) w.reject(new Error(`closed with ${code}`));
      });
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('open', resolve);
      this.ws.on('error', reject);
    });
  }

  static async open(url, options) {
    const c = new Client(url, options);
    await within(c.opened, `the handshake with ${url}`);
    return c;
  }

  push(queue, waiters, item) {
    if (waiters.length) waiters.shift().resolve(item);
    else queue.push(item);
  }

  take(queue, waiters, what) {
    if (queue.length) return Promise.resolve(queue.shift());
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('closed'));
    return within(new Promise((resolve, reject) => waiters.push({ resolve, reject })), what);
  }

  next() {
    return this.take(this.inbox, this.waiters, 'a message');
  }

  pong() {
    return this.take(this.pongs, this.pongWaiters, 'a pong');
  }

  send(data, options = {}) {
    return new Promise((resolve, reject) => this.ws.send(data, options, (e) => (e ? reject(e) : resolve())));
  }

  // Sends and expects the echo: same bytes, same kind.
  async echo(data, options = {}) {
    await this.send(data, options);
    const m = await this.next();
    const binary = options.binary ?? typeof data !== 'string';
    assert.equal(m.isBinary, binary, binary ? 'binary must come back binary' : 'text must come back text');
    assert.ok(Buffer.from(data).equals(m.data), `echo of ${Buffer.from(data).length} bytes differs`);
  }

  // ws sends a close frame without a code when given none; 1000 is the usual choice.
  async close(code = 1000, reason = undefined) {
    this.ws.close(code, reason);
    return within(this.closed, 'the close handshake');
  }

  extensionsHeader() {
    return this.response.headers['sec-websocket-extensions'];
  }
}

// An incompressible block repeated; sent twice in a row under context takeover,
// the second message refers 3000+ bytes back into the first, which a peer that
// agreed to a 1 KiB window must not do (the other side could not inflate it).
function longDistance(seed, block = 3000, repeats = 8) {
  const b = crypto.createHash('sha512');
  let bytes = Buffer.alloc(0);
  let i = 0;
  while (bytes.length < block) bytes = Buffer.concat([bytes, b.copy().update(`${seed}:${i++}`).digest()]);
  return Buffer.concat(Array(repeats).fill(bytes.subarray(0, block)));
}

const servers = {
  plain: new EchoServer(),
  deflate: new EchoServer('--deflate'),
  small: new EchoServer('--max-ws', '1000'),
  smallDeflate: new EchoServer('--max-ws', '1000', '--deflate'),
};

before(async () => {
  for (const s of Object.values(servers)) await s.start();
});

after(async () => {
  for (const [name, s] of Object.entries(servers)) {
    assert.equal(s.proc.exitCode, null, `echo_server ${name} died during the tests`);
    assert.equal(await s.stop(), 0, `echo_server ${name} did not exit cleanly after SIGTERM`);
  }
});

for (const route of ['/ws/echo', '/ws/as-channel-echo', '/ws/listener-echo']) {
  describe(route, () => {
    const url = (server = servers.plain) => server.url(route);

    it('echoes text, including non-ASCII UTF-8, as text', async () => {
      const c = await Client.open(url());
      for (const t of ['hello', 'grüße, 世界', 'emoji 🎉 𝄞', 'x'.repeat(125), 'y'.repeat(126),
                       'z'.repeat(65535), 'w'.repeat(65536)])
        await c.echo(t);
      assert.equal((await c.close()).code, 1000);
    });

    it('echoes binary as binary', async () => {
      const c = await Client.open(url());
      await c.echo(Buffer.from([...Array(256).keys()]));
      await c.echo(crypto.randomBytes(70000));
      await c.echo(Buffer.from('text bytes sent as binary'), { binary: true });
      await c.close();
    });

    it('echoes empty messages', async () => {
      const c = await Client.open(url());
      await c.echo('');
      await c.echo(Buffer.alloc(0));
      await c.echo('');
      await c.close();
    });

    it('echoes a 1 MiB message', async () => {
      const c = await Client.open(url());
      await c.echo(crypto.randomBytes(1024 * 1024));
      await c.echo('ä'.repeat(512 * 1024));  // 1 MiB of UTF-8
      await c.close();
    });

    it('answers 100 pipelined messages in order', async () => {
      const c = await Client.open(url());
      const sent = [...Array(100).keys()].map((i) => (i % 2 ? `message ${i} `.repeat(i % 7) : crypto.randomBytes(i * 37)));
      await Promise.all(sent.map((m) => c.send(m)));
      for (const m of sent) {
        const got = await c.next();
        assert.equal(got.isBinary, typeof m !== 'string');
        assert.ok(Buffer.from(m).equals(got.data));
      }
      await c.close();
    });

    it('reassembles fragmented messages (send with fin: false)', async () => {
      const c = await Client.open(url());
      c.ws.send('frag', { fin: false });
      c.ws.send('mented ', { fin: false });
      c.ws.send('', { fin: false });
      c.ws.send('世界', { fin: true });
      let m = await c.next();
      assert.equal(m.isBinary, false);
      assert.equal(m.data.toString(), 'fragmented 世界');
      // A character split between two fragments is valid UTF-8 once joined.
      const euro = Buffer.from('€');
      c.ws.send(Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]), { binary: false, fin: false });
      c.ws.send(Buffer.concat([euro.subarray(1), Buffer.from('5')]), { binary: false, fin: true });
      m = await c.next();
      assert.equal(m.data.toString(), 'price €5');
      c.ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
      c.ws.ping('between fragments');  // a control frame inside a fragmented message
      c.ws.send(Buffer.alloc(70000, 0xff), { binary: true, fin: true });
      assert.equal((await c.pong()).toString(), 'between fragments');
      m = await c.next();
      assert.equal(m.isBinary, true);
      assert.ok(Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(70000, 0xff)]).equals(m.data));
      await c.echo('unfragmented after');
      await c.close();
    });

    it('answers pings with their payload', async () => {
      const c = await Client.open(url());
      const payloads = [Buffer.alloc(0), Buffer.from('1'), Buffer.from('text ping'), crypto.randomBytes(125)];
      for (const p of payloads) c.ws.ping(p);
      for (const p of payloads) assert.ok(p.equals(await c.pong()), 'pongs carry the ping payloads, in order');
      await c.echo('still echoing');
      await c.close();
    });

    it('closes cleanly when the client closes with 4000 "bye"', async () => {
      const c = await Client.open(url());
      await c.echo('before close');
      const { code, reason } = await c.close(4000, 'bye');
      assert.equal(code, 4000, 'the server echoes the code it received');
      assert.equal(reason, '');
      assert.deepEqual(c.errors, []);
    });

    it('answers a close frame without a code with one without a code (1005)', async () => {
      const c = await Client.open(url());
      c.ws.close();  // no code: an empty close frame; 1005 must never be on the wire
      assert.deepEqual(await within(c.closed, 'the close handshake'), { code: 1005, reason: '' });
      assert.deepEqual(c.errors, [], 'ws rejects a close frame that carries 1005');
    });

    it('echoes a prefix of the messages in flight when the client closes', async () => {
      const c = await Client.open(url());
      const sent = [...Array(50).keys()].map((i) => `in flight ${i}`);
      for (const m of sent) c.ws.send(m);
      c.ws.close(1000, 'done');
      assert.equal((await within(c.closed, 'the close handshake')).code, 1000);
      const got = c.inbox.map((m) => m.data.toString());
      assert.deepEqual(got, sent.slice(0, got.length), 'echoes arrive in order, none after the close');
      assert.deepEqual(c.errors, []);
    });

    it('closes with 1001 when the server stops, and the server exits cleanly', async () => {
      const server = await new EchoServer().start();
      try {
        const c = await Client.open(server.url(route));
        await c.echo('hi');
        server.proc.kill('SIGTERM');
        const { code, reason } = await within(c.closed, 'the server to close');
        assert.equal(code, 1001);
        assert.equal(reason, 'server shutting down');
        assert.deepEqual(c.errors, []);
        const exit = await within(server.exited, 'echo_server to exit');
        assert.deepEqual(exit, { code: 0, signal: null });
      } finally {
        await server.stop();
      }
    });

    it('closes with 1007 on invalid UTF-8 in a text message', async () => {
      for (const bad of [Buffer.from([0xff, 0xfe]), Buffer.from('ok then \xc3\x28', 'latin1'),
                         Buffer.from([0xed, 0xa0, 0x80])]) {
        const c = await Client.open(url());
        c.ws.send(bad, { binary: false });  // ws does not check what it sends
        assert.equal((await within(c.closed, 'the 1007 close')).code, 1007);
      }
      const c = await Client.open(url());
      c.ws.send(Buffer.from([0xe2, 0x82]), { binary: false, fin: false });
      c.ws.send(Buffer.from('A'), { binary: false, fin: true });  // not a continuation byte
      assert.equal((await within(c.closed, 'the 1007 close')).code, 1007);
    });

    it('closes with 1009 past --max-ws 1000', async () => {
      const c = await Client.open(url(servers.small));
      await c.echo('a'.repeat(1000));
      await c.echo(Buffer.alloc(1000, 1));
      c.ws.send(Buffer.alloc(600), { fin: false });
      c.ws.send(Buffer.alloc(400), { fin: true });
      assert.equal((await c.next()).data.length, 1000);
      c.ws.send('a'.repeat(1001));  // the server may close before the write completes
      assert.equal((await within(c.closed, 'the 1009 close')).code, 1009);

      const f = await Client.open(url(servers.small));
      f.ws.send(Buffer.alloc(600), { fin: false });
      f.ws.send(Buffer.alloc(401), { fin: true });
      assert.equal((await within(f.closed, 'the 1009 close')).code, 1009);
    });

    it("survives a client that fails the connection on its own maxPayload", async () => {
      const c = await Client.open(url(), { maxPayload: 100 });
      await c.echo('a'.repeat(100));
      await c.send('b'.repeat(101));  // the echo is too big for the client: it closes 1009
      assert.equal((await within(c.closed, 'the client to give up')).code, 1006);
      assert.ok(c.errors.some((e) => e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'), String(c.errors));
      const d = await Client.open(url());  // and the server serves the next one
      await d.echo('after');
      await d.close();
    });

    it('negotiates no extension without --deflate', async () => {
      const c = await Client.open(url(), { perMessageDeflate: true });
      assert.equal(c.extensionsHeader(), undefined);
      assert.equal(c.ws.extensions, '');
      await c.echo('x'.repeat(10000));
      await c.close();
    });

    const deflateOffers = {
      default: {},
      'threshold 0': { threshold: 0 },
      serverNoContextTakeover: { serverNoContextTakeover: true, threshold: 0 },
      clientNoContextTakeover: { clientNoContextTakeover: true, threshold: 0 },
      'serverMaxWindowBits 10': { serverMaxWindowBits: 10, threshold: 0 },
      'clientMaxWindowBits 10': { clientMaxWindowBits: 10, threshold: 0 },
      'serverMaxWindowBits 9': { serverMaxWindowBits: 9, threshold: 0 },
      all: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10,
             clientMaxWindowBits: 10, threshold: 0 },
    };
    for (const [name, offer] of Object.entries(deflateOffers)) {
      it(`permessage-deflate round-trips (${name})`, async () => {
        const c = await Client.open(url(servers.deflate), { perMessageDeflate: offer });
        const ext = c.extensionsHeader();
        assert.match(ext, /^permessage-deflate/);
        assert.equal(c.ws.extensions, 'permessage-deflate');
        if (offer.serverNoContextTakeover) assert.match(ext, /server_no_context_takeover/);
        if (offer.clientNoContextTakeover) assert.match(ext, /client_no_context_takeover/);
        const smwb = /server_max_window_bits=(\d+)/.exec(ext);
        if (offer.serverMaxWindowBits) assert.ok(smwb && Number(smwb[1]) <= offer.serverMaxWindowBits, ext);
        const cmwb = /client_max_window_bits=(\d+)/.exec(ext);
        if (offer.clientMaxWindowBits) assert.ok(!cmwb || Number(cmwb[1]) <= offer.clientMaxWindowBits, ext);
        const messages = [
          'compressible text '.repeat(20000),
          Buffer.alloc(300000),
          longDistance(1),
          longDistance(1),  // window bits and context takeover are exercised here
          longDistance(2),
          'short',
          '',
          Buffer.alloc(0),
          crypto.randomBytes(50000),
          'ü'.repeat(40000),
        ];
        for (const m of messages) await c.echo(m);
        await Promise.all(messages.map((m) => c.send(m)));
        for (const m of messages) assert.ok(Buffer.from(m).equals((await c.next()).data));
        c.ws.send('frag '.repeat(1000), { fin: false });
        c.ws.send('mented '.repeat(1000), { fin: false });
        c.ws.send('deflate '.repeat(1000), { fin: true });
        assert.equal((await c.next()).data.toString(), 'frag '.repeat(1000) + 'mented '.repeat(1000) + 'deflate '.repeat(1000));
        c.ws.ping('p');
        assert.equal((await c.pong()).toString(), 'p');
        assert.equal((await c.close(4001, 'deflate done')).code, 4001);
        assert.deepEqual(c.errors, []);
      });
    }

    it('declines an 8-bit server window and still echoes', async () => {
      const c = await Client.open(url(servers.deflate), { perMessageDeflate: { serverMaxWindowBits: 8 } });
      assert.equal(c.extensionsHeader(), undefined);
      await c.echo('y'.repeat(5000));
      await c.close();
    });

    it('applies --max-ws after inflating (1009)', async () => {
      const c = await Client.open(url(servers.smallDeflate), { perMessageDeflate: { threshold: 0 } });
      assert.equal(c.ws.extensions, 'permessage-deflate');
      await c.echo('c'.repeat(1000));
      c.ws.send('c'.repeat(100000));  // ~100 bytes on the wire
      assert.equal((await within(c.closed, 'the 1009 close')).code, 1009);
    });

    it('frees connections the client drops without a close frame (--max-connections 10)', async () => {
      const server = await new EchoServer('--max-connections', '10').start();
      try {
        // Opens 10 connections, retrying while the server has not yet noticed
        // the last round's dropped sockets (a 503 then); bounded by TIMEOUT.
        const openAll = async () => {
          const deadline = Date.now() + TIMEOUT;
          for (;;) {
            const tries = await Promise.allSettled([...Array(10).keys()].map(() => Client.open(server.url(route))));
            const open = tries.filter((t) => t.status === 'fulfilled').map((t) => t.value);
            if (open.length === 10) return open;
            for (const c of open) c.ws.terminate();
            if (Date.now() > deadline) throw new Error(`only ${open.length} of 10 connections opened`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        for (let round = 0; round < 5; ++round) {
          const clients = await openAll();
          await Promise.all(clients.map((c, i) => c.echo(`round ${round} connection ${i}`)));
          // The limit is real: an eleventh connection is refused (over TLS it is
          // closed before the handshake, where no 503 could be read).
          await assert.rejects(Client.open(server.url(route)),
                               tls ? /ECONNRESET|disconnected before secure TLS|socket hang up/ : /503/);
          // Drop them all without a close frame, some in the middle of a message.
          for (const [i, c] of clients.entries()) {
            if (i % 2) c.ws.send('unfinished '.repeat(200), { fin: false });  // a message begun
            c.ws.terminate();
          }
        }
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });

    for (const deflate of [false, true]) {
      it(`serves 200 concurrent connections echoing 20 messages each${deflate ? ' (deflate)' : ''}`, async () => {
        const server = deflate ? servers.deflate : servers.plain;
        const options = deflate ? { perMessageDeflate: { threshold: 0 } } : {};
        const clients = await Promise.all([...Array(200).keys()].map(() => Client.open(url(server), options)));
        await within(Promise.all(clients.map(async (c, n) => {
          for (let i = 0; i < 20; ++i) {
            if (i % 2) await c.echo(`connection ${n} message ${i} `.repeat(i));
            else await c.echo(Buffer.from(`binary ${n}/${i}`));
          }
          assert.equal((await c.close()).code, 1000);
        })), '200 connections to finish', 6 * TIMEOUT);
      });
    }
  });
}

if (tls) {
  describe('TLS', () => {
    it('speaks TLS 1.3 with the test certificate', async () => {
      const c = await Client.open(servers.plain.url('/ws/echo'));
      const socket = c.ws._socket;  // ws's own socket: a tls.TLSSocket on wss://
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      assert.equal(socket.getPeerCertificate().subject.CN, 'localhost');
      assert.ok(socket.authorized, `not authorized: ${socket.authorizationError}`);
      await c.echo('over wss');
      assert.equal((await c.close()).code, 1000);
    });

    it('is refused by a client that does not trust the test CA', async () => {
      await assert.rejects(Client.open(servers.plain.url('/ws/echo'), { ca: undefined }),
                           /certificate|self.signed|issuer/i);
    });
  });
}
