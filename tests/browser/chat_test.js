#!/usr/bin/env node
// examples/chat in a real browser: Debian's /usr/bin/chromium, headless, driven by
// playwright-core (which never downloads a browser of its own).
//
//   node tests/browser/chat_test.js path/to/chat artifact-dir node-dir [--tls]
//
// node-dir is a directory in the build tree: package.json and package-lock.json
// are copied there from beside this script and `npm ci` installs playwright-core
// into it (once; again when the lock file changes), as tests/clients/ws_node.js
// does for `ws`. The source tree never gets a node_modules.
//
// The story a newcomer would try by hand: alice and bob open the page, chat
// (unicode too), the server restarts under them and both pages come back by
// themselves on the same port, a long unicode name joins and leaves (the server
// must cut it between characters), bob leaves. A screenshot of alice's page lands in
// artifact-dir/chat.png. Every wait is bounded; on failure each page's #status and
// #log are printed and screenshotted, and the chat server and browser are always
// killed.
//
// With --tls the same story runs over HTTPS and WSS: chat gets a certificate for
// 127.0.0.1 from scripts/make-test-certs.sh (made into a temp dir, removed at
// exit) and Chromium trusts exactly that server key, by its SPKI hash
// (--ignore-certificate-errors-spki-list: a real TLS connection, verified by
// pinning, with no CA installed anywhere). Every page must be https: with only
// wss:// sockets, and a browser without the pin must refuse the page. The
// screenshot is then artifact-dir/chat-tls.png.
//
// With --redis: a redis-server (started here, on a free port in a temp dir) and
// two chat instances on it with --redis; alice's page on one and bob's on the
// other are in the same room through Redis, without a balancer: the welcome
// counts and #here list both, messages go both ways, bob's leaving reaches
// alice. The screenshot is artifact-dir/chat-redis.png.
//
// With --balancer: the same two instances with HAProxy in front, running
// examples/scaling/haproxy.cfg as the scaling tests do (haproxy_front.py starts it;
// python3 or $PYTHON, haproxy or $HAPROXY_BIN). Both pages open HAProxy's port and
// must have landed on different instances (HAProxy balances by open connections):
// HAProxy's `show stat` has one connection on each, and the names in Redis carry
// two instance ids. Messages go both ways, bob's leaving reaches alice. The
// screenshot is artifact-dir/chat-balancer.png.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const {
  within, check, step, setup, Server, startRedis, startHAProxy, launch, openPage, waitFor, checkNoPageErrors,
  cleanArtifacts, dumpPages, run,
} = require('./support.js');

const RECONNECT_TIMEOUT = 15000; // the page's back-off is capped at 5 s; a few attempts fit
const [chatBin, artifactDir, nodeDir, mode] = process.argv.slice(2);
if (!chatBin || !artifactDir || !nodeDir || ![undefined, '--tls', '--redis', '--balancer'].includes(mode)) {
  console.error('usage: chat_test.js path/to/chat artifact-dir node-dir [--tls | --redis | --balancer]');
  process.exit(2);
}
const variant = mode ? `chat-${mode.slice(2)}` : 'chat';
const chromium = setup(`browser_${variant.replace('-', '_')}`, nodeDir);
const tls = mode === '--tls' ? makeCerts() : null;
const scheme = tls ? 'https' : 'http';
const artifactPrefix = variant;

// The throwaway CA's server certificate, and the base64 SHA-256 of its key's
// SubjectPublicKeyInfo, which is what Chromium pins.
function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkit-chat-tls-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const script = path.join(__dirname, '..', '..', 'scripts', 'make-test-certs.sh');
  const r = spawnSync('bash', [script, dir], { encoding: 'utf8', timeout: 60000 });
  check(r.status === 0, `${script} failed: ${r.stderr}`);
  const cert = path.join(dir, 'server.pem');
  const spki = new crypto.X509Certificate(fs.readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
  return {
    flags: ['--tls-cert', cert, '--tls-key', path.join(dir, 'server.key')],
    spkiHash: crypto.createHash('sha256').update(spki).digest('base64'),
  };
}

// port 0: any free port; otherwise that one (the restart reuses the first port).
// stop() waits for the graceful stop (closes with 1001, 5 s grace).
function chatServer(port, more = []) {
  return new Server(chatBin, ['--port', String(port), '--threads', '2', ...(tls ? tls.flags : []), ...more]).start();
}

// ---- the pages --------------------------------------------------------------------------------

// One browser context per user: separate storage, like two people on two machines.
async function openChat(browser, port, name, room = '') {
  const query = `?name=${encodeURIComponent(name)}${room ? `&room=${encodeURIComponent(room)}` : ''}`;
  const page = await openPage(browser, name, `${scheme}://127.0.0.1:${port}/${query}`);
  page.userName = name;
  return page;
}

// The <p> lines of #log, as the user reads them ("alice: hi", "bob joined").
function logLines(page) {
  return page.$$eval('#log p', (ps) => ps.map((p) => p.textContent));
}

function waitConnected(page, ms) {
  return waitFor(page, `#status "connected as ${page.userName}"`,
                 (n) => {
                   const s = document.getElementById('status');
                   return s.className === '' && s.textContent === `connected as ${n}`;
                 }, page.userName, ms);
}

function waitDown(page) {
  return waitFor(page, '#status with class "down" (disconnected; reconnecting)',
                 () => {
                   const s = document.getElementById('status');
                   return s.className === 'down' && /^disconnected; reconnecting in \d+\.\d s$/.test(s.textContent);
                 });
}

// Waits until #log holds at least `count` lines equal to `line` (or, with
// prefix, starting with it).
function waitLine(page, line, count = 1, prefix = false) {
  return waitFor(page, `${count} × ${prefix ? 'a line starting with ' : ''}"${line}" in #log`,
                 ([l, c, p]) => [...document.querySelectorAll('#log p')]
                   .filter((e) => (p ? e.textContent.startsWith(l) : e.textContent === l)).length >= c,
                 [line, count, prefix]);
}

// Waits until a line of #log matches the regular expression `source`.
function waitLineMatching(page, what, source) {
  return waitFor(page, what,
                 (src) => [...document.querySelectorAll('#log p')].some((p) => new RegExp(src).test(p.textContent)),
                 source);
}

// Waits until #here (who is in the room) reads `text`.
function waitHere(page, text) {
  return waitFor(page, `#here "${text}"`, (t) => document.getElementById('here').textContent === t, text);
}

// Types into #text and clicks Send, as a user would; the page empties the box once sent.
async function say(page, text) {
  await page.locator('#text').pressSequentially(text);
  await page.locator('#go').click();
  await waitFor(page, '#text to be emptied after Send', () => document.getElementById('text').value === '');
}

// alice's page on portA, then bob's on portB, both in `room`: bob came second, so
// alice sees him join and he hears that two are here.
async function aliceAndBob(browser, portA, portB, room = '') {
  const alice = await openChat(browser, portA, 'alice', room);
  await waitConnected(alice);
  await waitLine(alice, 'welcome, alice (1 here)');
  const bob = await openChat(browser, portB, 'bob', room);
  await waitConnected(bob);
  await waitLine(bob, 'welcome, bob (2 here)');
  await waitLine(alice, 'bob joined');
  return [alice, bob];
}

// alice says `fromAlice`, which both pages show; then bob says `fromBob`, which alice's shows.
async function exchange(alice, fromAlice, bob, fromBob) {
  await say(alice, fromAlice);
  await waitLine(bob, `alice: ${fromAlice}`);
  await waitLine(alice, `alice: ${fromAlice}`);
  await say(bob, fromBob);
  await waitLine(alice, `bob: ${fromBob}`);
}

async function screenshot(page) {
  const shot = path.join(artifactDir, `${artifactPrefix}.png`);
  await within(page.screenshot({ path: shot }), 'the screenshot');
  check(fs.statSync(shot).size > 0, `${shot} is empty`);
  console.log(`screenshot: ${shot}`);
}

async function stopCleanly(server) {
  const stopped = await server.stop();
  check(stopped.code === 0, `chat did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
}

// On failure: each page's #status and #log, as the user saw them.
async function describe(page) {
  const status = await page.$eval('#status', (s) => `${s.textContent} [class="${s.className}"]`);
  const lines = await logLines(page);
  return [`#status: ${status}`, `#log:\n    ${lines.join('\n    ')}`];
}

// ---- the story --------------------------------------------------------------------------------

// With --tls: every page was loaded over https: and opened only wss:// sockets.
function checkAllTls(pages) {
  for (const page of pages) {
    check(page.url().startsWith('https://'), `${page.label}'s page is at ${page.url()}`);
    check(page.webSockets.length > 0, `${page.label}'s page opened no WebSocket`);
    const plain = page.webSockets.filter((u) => !u.startsWith('wss://'));
    check(plain.length === 0, `${page.label}'s page opened ${plain.join(', ')}`);
  }
}

// A browser that does not pin the key must refuse the page: the pin is what made it work.
async function checkRefusedWithoutPin(port) {
  const browser = await launch(chromium);
  try {
    const page = await (await browser.newContext()).newPage();
    const error = await page.goto(`https://127.0.0.1:${port}/`).then(() => null, (e) => e);
    check(error && /ERR_CERT_AUTHORITY_INVALID/.test(error.message),
          `without the pin: ${error ? error.message : 'the page loaded'}`);
  } finally {
    await within(browser.close(), 'the second browser to close');
  }
  step('a browser without the pin refuses the page (ERR_CERT_AUTHORITY_INVALID)');
}

async function main() {
  cleanArtifacts(artifactDir, artifactPrefix);
  let server = await chatServer(0);
  const port = server.port;
  step(`chat listening on port ${port}${tls ? ' (HTTPS and WSS)' : ''}`);
  if (tls) await checkRefusedWithoutPin(port);

  const browser = await launch(chromium, tls ? [`--ignore-certificate-errors-spki-list=${tls.spkiHash}`] : []);

  const [alice, bob] = await aliceAndBob(browser, port, port);
  step('alice and bob connected; alice saw "bob joined", bob was welcomed as one of 2');

  await exchange(alice, 'hi bob', bob, 'héllo ✓ — Ωμέγα привет 😀');
  step('messages typed and sent both ways, unicode intact');

  // The restart: both pages must notice, say so, and come back by themselves.
  await stopCleanly(server);
  await Promise.all([waitDown(alice), waitDown(bob)]);
  step('chat stopped by SIGTERM (exit 0); both pages show "disconnected; reconnecting"');

  server = await chatServer(port);
  step(`chat restarted on the same port ${port}`);
  await Promise.all([waitConnected(alice, RECONNECT_TIMEOUT), waitConnected(bob, RECONNECT_TIMEOUT)]);
  // A second welcome means the server's on_open ran: the page is in the room again.
  await Promise.all([waitLine(alice, 'welcome, alice (', 2, true), waitLine(bob, 'welcome, bob (', 2, true)]);
  // Whoever came back second is announced to the other (both, if they raced).
  const joinedSinceWelcome = (page, other) =>
    waitFor(page, `"${other} joined" after ${page.userName}'s second welcome`, ([me, o]) => {
      const lines = [...document.querySelectorAll('#log p')].map((p) => p.textContent);
      return lines.slice(lines.findLastIndex((l) => l.startsWith(`welcome, ${me} (`))).includes(`${o} joined`);
    }, [page.userName, other]);
  await Promise.any([joinedSinceWelcome(alice, 'bob'), joinedSinceWelcome(bob, 'alice')])
    .catch((e) => { throw new Error(e.errors.map((x) => x.message).join('; ')); });
  step('both pages reconnected by themselves and were welcomed again');

  await say(alice, 'still there after the restart?');
  await waitLine(bob, 'alice: still there after the restart?');
  await say(bob, 'yes ✓');
  await waitLine(alice, 'bob: yes ✓');
  step('messages after the restart reach the other page');

  // A name longer than the server keeps, in two-byte characters: the server must
  // cut it between characters (a cut inside one is invalid UTF-8 in its JSON).
  const longName = 'zoë ' + 'ü'.repeat(20);
  const zoe = await openChat(browser, port, longName);
  await waitConnected(zoe);
  await waitLineMatching(zoe, `a welcome for "${longName}" (cut short)`, '^welcome, zoë ü+ \\(3 here\\)$');
  const cut = (await logLines(zoe)).find((l) => l.startsWith('welcome, ')).replace(/^welcome, (.*) \(3 here\)$/, '$1');
  check(longName.startsWith(cut), `the server's name "${cut}" is not a prefix of "${longName}"`);
  await waitLine(alice, `${cut} joined`);
  await zoe.context().close();
  await waitLine(alice, `${cut} left`);
  step(`a ${Buffer.byteLength(longName)}-byte unicode name was cut between characters to "${cut}"`);

  await bob.context().close();
  await waitLine(alice, 'bob left');
  step('bob closed his page; alice saw "bob left"');

  if (tls) {
    checkAllTls([alice, bob, zoe]);
    step('every page was https: and every WebSocket wss://');
  }
  await screenshot(alice);
  checkNoPageErrors();
  await stopCleanly(server);
}

// Two instances on one Redis, a page on each: directly, or both through HAProxy.
async function mainRedis(balanced) {
  cleanArtifacts(artifactDir, artifactPrefix);
  const redis = await startRedis();
  const a = await chatServer(0, ['--redis', redis.address]);
  const b = await chatServer(0, ['--redis', redis.address]);
  step(`redis-server on port ${redis.port}; chat instances on ports ${a.port} and ${b.port} with --redis`);
  const haproxy = balanced ? await startHAProxy([a.port, b.port]) : null;
  if (haproxy) step(`HAProxy on port ${haproxy.port} (examples/scaling/haproxy.cfg) in front of both`);

  const browser = await launch(chromium);
  const room = balanced ? 'balanced' : 'across';
  const [alice, bob] = await aliceAndBob(browser, haproxy ? haproxy.port : a.port, haproxy ? haproxy.port : b.port,
                                         room);
  await Promise.all([waitHere(alice, 'here: alice, bob'), waitHere(bob, 'here: alice, bob')]);
  if (haproxy) await checkOnTwoInstances([alice, bob], haproxy, redis, room);
  step(`alice (instance A) and bob (instance B)${haproxy ? ', both through HAProxy,' : ''} in one room: ` +
       'counted and listed from Redis on both pages');

  await exchange(alice, 'hi from A', bob, 'héllo from B ✓');
  step('messages typed on each instance reach the page on the other, through Redis');

  await bob.context().close();
  await waitLine(alice, 'bob left');
  await waitHere(alice, 'here: alice');
  step('bob closed his page; alice, on the other instance, saw "bob left"');

  await screenshot(alice);
  checkNoPageErrors();
  if (haproxy) await haproxy.stop();
  await stopCleanly(a);
  await stopCleanly(b);
}

// Both pages came through HAProxy, and their WebSockets are on two instances: by
// HAProxy's count of connections per server, and by the instance ids that the
// instances themselves wrote into the room's names in Redis ("INSTANCE/USER/NAME").
async function checkOnTwoInstances(pages, haproxy, redis, room) {
  for (const page of pages) {
    const elsewhere = page.webSockets.filter((u) => new URL(u).port !== String(haproxy.port));
    check(page.webSockets.length > 0 && elsewhere.length === 0,
          `${page.label}'s page opened WebSockets ${JSON.stringify(page.webSockets)}, not all through HAProxy`);
  }
  // The page loads are over by now; only the two WebSockets hold a connection.
  const want = JSON.stringify({ app1: 1, app2: 1 });
  let sessions;
  const deadline = Date.now() + 5000;
  while (JSON.stringify(sessions = await haproxy.sessions()) !== want && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  check(JSON.stringify(sessions) === want,
        `HAProxy's open connections per instance are ${JSON.stringify(sessions)}, not ${want}`);
  const names = await redis.command('ZRANGE', `ringkit:chat:names:${room}`, '0', '-1');
  const instanceOf = (name) => names.filter((n) => n.endsWith(`/${name}`)).map((n) => n.split('/')[0]);
  const [ofAlice, ofBob] = [instanceOf('alice'), instanceOf('bob')];
  check(ofAlice.length === 1 && ofBob.length === 1 && ofAlice[0] !== ofBob[0],
        `the room's names in Redis do not put alice and bob on two instances: ${JSON.stringify(names)}`);
  step(`HAProxy holds one connection on each instance (${want}); Redis names alice on instance ` +
       `${ofAlice[0]}, bob on ${ofBob[0]}`);
}

const story = { '--redis': () => mainRedis(false), '--balancer': () => mainRedis(true) }[mode] || main;
run(story, () => dumpPages(artifactDir, artifactPrefix, describe));
