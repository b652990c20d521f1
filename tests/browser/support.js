// What every browser test here needs: playwright-core installed into the build
// tree, Debian's /usr/bin/chromium launched headless, example servers started on
// port 0 with their port read from their first line, bounded waits, failure dumps
// of the pages, and the servers and browser killed on every way out.
//
// Each *_test.js is one process, so the state below (servers, browsers, pages)
// belongs to that one test.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { requireFromLock } = require('../support/npm_install.js');

const TIMEOUT = 10000; // ms, for every wait on a page or a server unless told otherwise
const CHROMIUM = '/usr/bin/chromium';

let testName = 'browser test';
const servers = new Set(); // every server process started, so every exit path can kill it
const browsers = new Set();
const pages = []; // in opening order, for the failure dump

function within(promise, what, ms = TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function step(what) {
  console.log(`ok - ${what}`);
}

// ---- playwright-core, installed into the build tree ---------------------------------------

// Names the test for its messages, checks for chromium, installs playwright-core,
// and makes signals exit through the 'exit' handler that kills the servers.
// Returns playwright-core's `chromium`.
function setup(name, nodeDir) {
  testName = name;
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`${testName}: FAILED: ${CHROMIUM} not found (apt-get install chromium)`);
    process.exit(1);
  }
  process.on('exit', killServers);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(sig, () => {
      console.error(`${testName}: got ${sig}`);
      process.exit(1);
    });
  // playwright-core goes into node-dir from this directory's package-lock.json.
  return requireFromLock(testName, __dirname, nodeDir, 'playwright-core').chromium;
}

// ---- an example server process ----------------------------------------------------------------

class Server {
  // bin and args as on a command line; the server must print
  // "listening on 127.0.0.1:PORT" as its first line.
  constructor(bin, args) {
    this.bin = bin;
    this.args = args;
    this.name = path.basename(bin);
  }

  // Resolves with this once the first line names the port (this.port).
  async start() {
    this.stderr = '';
    this.stdout = '';
    this.proc = spawn(this.bin, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.proc.stderr.on('data', (chunk) => {
      this.stderr += chunk;
      process.stderr.write(chunk);
    });
    this.proc.stdout.on('data', (chunk) => { this.stdout += chunk; });
    const command = `${this.name} ${this.args.join(' ')}`;
    try {
      return await within(new Promise((resolve, reject) => {
        this.proc.stdout.on('data', () => {
          const m = /^listening on 127\.0\.0\.1:(\d+)\n/.exec(this.stdout);
          if (m) {
            this.port = Number(m[1]);
            resolve(this);
          } else if (this.stdout.includes('\n')) {
            reject(new Error(`${this.name}'s first line is ${JSON.stringify(this.stdout)}`));
          }
        });
        this.proc.on('error', reject);
        this.exited.then((s) => reject(new Error(`${this.name} exited (${JSON.stringify(s)}) before listening`)));
      }), `${command} to listen`);
    } catch (e) {
      if (/address already in use/i.test(this.stderr))
        e.message += '; the port is still taken (TIME_WAIT? the acceptor should set SO_REUSEADDR)';
      throw e;
    }
  }

  // Waits until stdout as a whole matches `re`; returns the match.
  async output(re, what) {
    return within(new Promise((resolve, reject) => {
      const look = () => {
        const m = re.exec(this.stdout);
        if (m) resolve(m);
        return m;
      };
      if (look()) return;
      this.proc.stdout.on('data', look);
      this.exited.then((s) => reject(new Error(`${this.name} exited (${JSON.stringify(s)}); stdout: ${JSON.stringify(this.stdout)}`)));
    }), `${this.name} to print ${what}`);
  }

  // SIGTERM, then a bounded wait for the graceful stop.
  async stop() {
    this.proc.kill('SIGTERM');
    try {
      return await within(this.exited, `${this.name} to exit after SIGTERM`);
    } catch (e) {
      this.proc.kill('SIGKILL');
      throw e;
    }
  }
}

// A real redis-server on a free loopback port in a temporary directory, with no
// persistence, killed with the other servers; resolves once it answers PING.
// A missing redis-server fails the test, naming the package.
async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = probe.address().port;
      probe.close(() => resolve(p));
    }).on('error', reject);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkit-redis-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
                                      '--appendonly', 'no', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')],
                     { stdio: 'ignore' });
  servers.add(proc);
  const failed = new Promise((_, reject) => {
    proc.on('error', (e) => reject(new Error(`redis-server: ${e.message} (apt-get install redis-server)`)));
    proc.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  failed.catch(() => {}); // once it answers, its exit (killed at the end) is no failure
  const answers = () => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
    c.on('data', (d) => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
    c.on('error', () => resolve(false));
  });
  await within(Promise.race([failed, (async () => {
    while (!(await answers())) await new Promise((r) => setTimeout(r, 50));
  })()]), `redis-server on port ${port} to answer`);
  return { port, address: `127.0.0.1:${port}`, command: (...args) => redisCommand(port, args) };
}

// One command on a new connection; resolves with its reply: a string, a number, or
// an array of them (an error reply rejects).
function redisCommand(port, args) {
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return within(new Promise((resolve, reject) => {
    let reply = Buffer.alloc(0);
    const c = net.connect(port, '127.0.0.1', () => c.write(request));
    c.on('data', (d) => {
      reply = Buffer.concat([reply, d]);
      const parsed = parseReply(reply, 0);
      if (!parsed) return;
      c.destroy();
      if (parsed.error) reject(new Error(`redis-server: ${args[0]}: ${parsed.error}`));
      else resolve(parsed.value);
    });
    c.on('error', reject);
  }), `redis-server to answer ${args[0]}`);
}

// RESP2 from `at`: { value, end } or { error }; undefined while incomplete.
function parseReply(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  const type = String.fromCharCode(buf[at]);
  if (type === '+') return { value: head, end: eol + 2 };
  if (type === '-') return { error: head };
  if (type === ':') return { value: Number(head), end: eol + 2 };
  if (type === '$') {
    const n = Number(head);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const value = [];
    let end = eol + 2;
    for (let i = 0; i < Number(head); ++i) {
      const item = parseReply(buf, end);
      if (!item || item.error) return item;
      value.push(item.value);
      end = item.end;
    }
    return { value, end };
  }
  return { error: `unexpected reply ${JSON.stringify(buf.toString())}` };
}

// HAProxy with examples/scaling/haproxy.cfg in front of the instances on `ports`
// (app1 first), run by haproxy_front.py, which configures it as the scaling tests
// do. Resolves with { port, sessions(), stop() } once it answers /healthz:
// sessions() resolves with HAProxy's open connections per server ({ app1: 1, ... }).
// The helper stops HAProxy and removes its directory when its stdin closes, which
// this process's exit does in every way out, so it is not among the servers to kill.
async function startHAProxy(ports) {
  const python = process.env.PYTHON || 'python3';
  const proc = spawn(python, [path.join(__dirname, 'haproxy_front.py'), ...ports.map(String)],
                     { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let buffered = '';
  const waiting = []; // resolvers of the lines asked for, in order
  const drain = () => {
    let end;
    while ((end = buffered.indexOf('\n')) >= 0 && waiting.length) {
      waiting.shift().resolve(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
    }
  };
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    buffered += chunk;
    drain();
  });
  const fail = (why) => { for (const w of waiting.splice(0)) w.reject(new Error(why)); };
  exited.then((s) => fail(`haproxy_front.py exited (${JSON.stringify(s)})`));
  proc.on('error', (e) => fail(`${python}: ${e.message} (apt-get install python3)`));
  const line = (what, ms = TIMEOUT) => within(new Promise((resolve, reject) => {
    if (proc.exitCode !== null || proc.signalCode !== null) reject(new Error('haproxy_front.py has exited'));
    waiting.push({ resolve, reject });
    drain();
  }), what, ms);
  const { port } = JSON.parse(await line(`haproxy_front.py ${ports.join(' ')} to start HAProxy`, 2 * TIMEOUT));
  return {
    port,
    async sessions() {
      proc.stdin.write('sessions\n');
      return JSON.parse(await line("HAProxy's `show stat`"));
    },
    async stop() {
      proc.stdin.end();
      const s = await within(exited, 'haproxy_front.py to stop HAProxy');
      check(s.code === 0, `haproxy_front.py exited with ${JSON.stringify(s)}`);
    },
  };
}

function killServers() {
  for (const proc of servers)
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  // playwright-core kills the browsers it launched on process exit.
}

// ---- the browser and its pages ----------------------------------------------------------------

// args: more Chromium switches.
async function launch(chromium, args = []) {
  const browser = await within(chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...args] }),
                               `${CHROMIUM} to launch`, 60000);
  browsers.add(browser);
  step(`${CHROMIUM} ${browser.version()} launched headless`);
  return browser;
}

// A page in a context of its own (separate storage, like another machine),
// collecting script errors and unexpected dialogs into page.errors and the URL
// of every WebSocket it opens into page.webSockets. `label` names it in
// messages and failure screenshots.
async function openPage(browser, label, url) {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.label = label;
  page.errors = [];
  page.webSockets = [];
  page.on('websocket', (ws) => page.webSockets.push(ws.url()));
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => {
    page.errors.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  pages.push(page);
  await page.goto(url);
  return page;
}

// page.waitForFunction, bounded, failing with a sentence that names the page.
async function waitFor(page, what, fn, arg, ms = TIMEOUT) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 100 });
  } catch (e) {
    throw new Error(`${page.label}'s page: timed out after ${ms} ms waiting for ${what}`);
  }
}

function checkNoPageErrors() {
  for (const page of pages)
    check(page.errors.length === 0, `${page.label}'s page had errors: ${page.errors.join('; ')}`);
}

// A passing run must not leave an earlier run's failure pictures beside its own.
function cleanArtifacts(artifactDir, prefix) {
  fs.mkdirSync(artifactDir, { recursive: true });
  const re = new RegExp(`^${prefix}(-failure-.*)?\\.png$`);
  for (const f of fs.readdirSync(artifactDir))
    if (re.test(f)) fs.rmSync(path.join(artifactDir, f));
}

// On failure: what describe(page) says (an array of lines) and the page's
// errors for every open page, and a screenshot of each as prefix-failure-LABEL.png.
async function dumpPages(artifactDir, prefix, describe) {
  for (const page of pages) {
    if (page.isClosed()) continue;
    try {
      const lines = await within(describe(page), `${page.label}'s page to be read`);
      for (const l of lines) console.error(`--- ${page.label}'s page: ${l}`);
      if (page.errors.length) console.error(`--- ${page.label}'s page errors: ${page.errors.join('; ')}`);
      const shot = path.join(artifactDir, `${prefix}-failure-${page.label.replace(/[^a-z]/g, '')}.png`);
      await within(page.screenshot({ path: shot }), 'a screenshot');
      console.error(`--- ${page.label}'s page: screenshot ${shot}`);
    } catch (e) {
      console.error(`--- ${page.label}'s page: could not be read: ${e.message}`);
    }
  }
}

// Runs main(); on failure prints why and awaits onFailure() (the page dump);
// always closes the browsers and kills the servers; exits 1 on failure.
async function run(main, onFailure) {
  let failed = false;
  try {
    await main();
  } catch (e) {
    failed = true;
    console.error(`${testName}: FAILED: ${e.message}`);
    await onFailure().catch((x) => console.error(`--- the failure dump failed: ${x.message}`));
  } finally {
    for (const browser of browsers)
      await within(browser.close(), 'the browser to close').catch((e) => console.error(e.message));
    killServers();
  }
  if (failed) process.exit(1);
  console.log(`${testName}: all passed`);
}

module.exports = {
  TIMEOUT, CHROMIUM, within, check, step, setup, Server, startRedis, startHAProxy, launch, openPage, waitFor,
  checkNoPageErrors, cleanArtifacts, dumpPages, run,
};
