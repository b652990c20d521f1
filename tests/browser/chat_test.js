#!/usr/bin/env node
// examples/chat in a real browser: Debian's /usr/bin/chromium, headless, driven by
// playwright-core (which never downloads a browser of its own).
//
//   node tests/browser/chat_test.js path/to/chat artifact-dir node-dir
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
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const TIMEOUT = 10000;          // ms, for every wait on a page or a server
const RECONNECT_TIMEOUT = 15000; // the page's back-off is capped at 5 s; a few attempts fit
const CHROMIUM = '/usr/bin/chromium';
const [chatBin, artifactDir, nodeDir] = process.argv.slice(2);
if (!chatBin || !artifactDir || !nodeDir) {
  console.error('usage: chat_test.js path/to/chat artifact-dir node-dir');
  process.exit(2);
}

// ---- installing playwright-core into the build tree -------------------------------------

function installPlaywright() {
  fs.mkdirSync(nodeDir, { recursive: true });
  const lock = fs.readFileSync(path.join(__dirname, 'package-lock.json'));
  const installedLock = path.join(nodeDir, 'node_modules', '.ringkit-lock.json');
  const pwPackage = path.join(nodeDir, 'node_modules', 'playwright-core', 'package.json');
  if (fs.existsSync(pwPackage) && fs.existsSync(installedLock) && fs.readFileSync(installedLock).equals(lock)) return;
  for (const f of ['package.json', 'package-lock.json'])
    fs.copyFileSync(path.join(__dirname, f), path.join(nodeDir, f));
  const npm = process.env.NPM || 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'],
                      { cwd: nodeDir, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) {
    console.error(`browser_chat: FAILED to install 'playwright-core' with \`${npm} ci\` in ${nodeDir}`);
    console.error('  (the npm registry is unreachable and npm has no cached copy?)');
    if (r.error) console.error(`  ${r.error.message}`);
    console.error(r.stdout || '', r.stderr || '');
    process.exit(1);
  }
  fs.writeFileSync(installedLock, lock);
}

if (!fs.existsSync(CHROMIUM)) {
  console.error(`browser_chat: FAILED: ${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(1);
}
installPlaywright();
const { chromium } = createRequire(path.join(path.resolve(nodeDir), 'package.json'))('playwright-core');

function within(promise, what, ms = TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the chat server process ----------------------------------------------------------------

// Every chat process ever started, so the exit handler can kill what is left.
const servers = new Set();

class ChatServer {
  // port 0: any free port; otherwise that one (the restart reuses the first port).
  async start(port) {
    this.stderr = '';
    this.proc = spawn(chatBin, ['--port', String(port), '--threads', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.proc.stderr.on('data', (chunk) => {
      this.stderr += chunk;
      process.stderr.write(chunk);
    });
    try {
      return await within(new Promise((resolve, reject) => {
        let out = '';
        this.proc.stdout.on('data', (chunk) => {
          out += chunk;
          const m = /^listening on 127\.0\.0\.1:(\d+)\n/.exec(out);
          if (m) {
            this.port = Number(m[1]);
            resolve(this);
          } else if (out.includes('\n')) {
            reject(new Error(`chat's first line is ${JSON.stringify(out)}`));
          }
        });
        this.proc.on('error', reject);
        this.exited.then((s) => reject(new Error(`chat exited (${JSON.stringify(s)}) before listening`)));
      }), `chat --port ${port} to listen`);
    } catch (e) {
      if (/address already in use/i.test(this.stderr))
        e.message += `; port ${port} is still taken (TIME_WAIT? the acceptor should set SO_REUSEADDR)`;
      throw e;
    }
  }

  // SIGTERM, then a bounded wait for the graceful stop (closes with 1001, 5 s grace).
  async stop() {
    this.proc.kill('SIGTERM');
    try {
      return await within(this.exited, 'chat to exit after SIGTERM');
    } catch (e) {
      this.proc.kill('SIGKILL');
      throw e;
    }
  }
}

// ---- the pages --------------------------------------------------------------------------------

// One browser context per user: separate storage, like two people on two machines.
async function openChat(browser, port, name) {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.userName = name;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => {
    page.errors.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.goto(`http://127.0.0.1:${port}/?name=${encodeURIComponent(name)}`);
  return page;
}

// The <p> lines of #log, as the user reads them ("alice: hi", "bob joined").
function logLines(page) {
  return page.$$eval('#log p', (ps) => ps.map((p) => p.textContent));
}

async function waitFor(page, what, fn, arg, ms = TIMEOUT) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 });
  } catch (e) {
    throw new Error(`${page.userName}'s page: timed out after ${ms} ms waiting for ${what}`);
  }
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

// Types into #text and clicks Send, as a user would; the page empties the box once sent.
async function say(page, text) {
  await page.locator('#text').pressSequentially(text);
  await page.locator('#go').click();
  await waitFor(page, '#text to be emptied after Send', () => document.getElementById('text').value === '');
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- the story --------------------------------------------------------------------------------

let browser;
const pages = [];

function killEverything() {
  for (const proc of servers)
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  // playwright-core kills the browsers it launched on process exit.
}
process.on('exit', killEverything);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    console.error(`browser_chat: got ${sig}`);
    process.exit(1);
  });

async function reportPages(tag) {
  for (const page of pages) {
    if (page.isClosed()) continue;
    try {
      const status = await within(page.$eval('#status', (s) => `${s.textContent} [class="${s.className}"]`), 'status');
      const lines = await within(logLines(page), '#log');
      console.error(`--- ${page.userName}'s page: #status: ${status}`);
      console.error(`--- ${page.userName}'s page: #log:\n    ${lines.join('\n    ')}`);
      if (page.errors.length) console.error(`--- ${page.userName}'s page errors: ${page.errors.join('; ')}`);
      const shot = path.join(artifactDir, `chat-${tag}-${page.userName.replace(/[^a-z]/g, '')}.png`);
      await within(page.screenshot({ path: shot }), 'a screenshot');
      console.error(`--- ${page.userName}'s page: screenshot ${shot}`);
    } catch (e) {
      console.error(`--- ${page.userName}'s page: could not be read: ${e.message}`);
    }
  }
}

function step(what) {
  console.log(`ok - ${what}`);
}

async function main() {
  fs.mkdirSync(artifactDir, { recursive: true });
  // A passing run must not leave an earlier run's failure pictures lying beside its own.
  for (const f of fs.readdirSync(artifactDir))
    if (/^chat(-failure-.*)?\.png$/.test(f)) fs.rmSync(path.join(artifactDir, f));
  let server = new ChatServer();
  await server.start(0);
  const port = server.port;
  step(`chat listening on port ${port}`);

  browser = await within(chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
                         `${CHROMIUM} to launch`, 60000);
  step(`${CHROMIUM} ${browser.version()} launched headless`);

  const alice = await openChat(browser, port, 'alice');
  pages.push(alice);
  await waitConnected(alice);
  await waitLine(alice, 'welcome, alice (1 here)');
  const bob = await openChat(browser, port, 'bob');
  pages.push(bob);
  await waitConnected(bob);
  // bob came second: alice sees him join; he hears that two are here.
  await waitLine(bob, 'welcome, bob (2 here)');
  await waitLine(alice, 'bob joined');
  step('alice and bob connected; alice saw "bob joined", bob was welcomed as one of 2');

  await say(alice, 'hi bob');
  await waitLine(bob, 'alice: hi bob');
  await waitLine(alice, 'alice: hi bob');
  await say(bob, 'héllo ✓ — Ωμέγα привет 😀');
  await waitLine(alice, 'bob: héllo ✓ — Ωμέγα привет 😀');
  step('messages typed and sent both ways, unicode intact');

  // The restart: both pages must notice, say so, and come back by themselves.
  const stopped = await server.stop();
  check(stopped.code === 0, `chat did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
  await Promise.all([waitDown(alice), waitDown(bob)]);
  step('chat stopped by SIGTERM (exit 0); both pages show "disconnected; reconnecting"');

  server = new ChatServer();
  await server.start(port);
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
  pages.push(zoe);
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

  const shot = path.join(artifactDir, 'chat.png');
  await within(alice.screenshot({ path: shot }), 'the screenshot');
  check(fs.statSync(shot).size > 0, `${shot} is empty`);
  console.log(`screenshot: ${shot}`);

  for (const page of pages)
    check(page.errors.length === 0, `${page.userName}'s page had errors: ${page.errors.join('; ')}`);
  const last = await server.stop();
  check(last.code === 0, `chat did not exit cleanly on SIGTERM: ${JSON.stringify(last)}`);
}

(async () => {
  let failed = false;
  try {
    await main();
  } catch (e) {
    failed = true;
    console.error(`browser_chat: FAILED: ${e.message}`);
    await reportPages('failure');
  } finally {
    if (browser) await within(browser.close(), 'the browser to close').catch((e) => console.error(e.message));
    killEverything();
  }
  if (failed) process.exit(1);
  console.log('browser_chat: all passed');
})();
