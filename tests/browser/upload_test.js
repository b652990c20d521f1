#!/usr/bin/env node
// examples/upload in a real browser: Debian's /usr/bin/chromium, headless, driven by
// playwright-core (installed into node-dir by support.js; no browser download).
//
//   node tests/browser/upload_test.js path/to/upload artifact-dir node-dir
//
// What a user does with the page: choose a 24 MiB file and a small one, click
// Upload, watch the progress bar fill, see both files listed and download one;
// then send a file over the server's --max-mb and read the error. Every change
// of <progress id="bar"> is recorded in the page; the files on disk must be
// byte-identical to what was chosen. The screenshot lands in artifact-dir/upload.png.
// The upload servers run with a temp --dir, removed on every way out; every wait
// is bounded, and the servers and the browser are always killed.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  TIMEOUT, within, check, step, setup, Server, launch, openPage, waitFor, checkNoPageErrors, cleanArtifacts,
  dumpPages, run,
} = require('./support.js');

const UPLOAD_TIMEOUT = 60000; // ms: 24 MiB through a busy two-core machine, spooled to disk
const [uploadBin, artifactDir, nodeDir] = process.argv.slice(2);
if (!uploadBin || !artifactDir || !nodeDir) {
  console.error('usage: upload_test.js path/to/upload artifact-dir node-dir');
  process.exit(2);
}
const chromium = setup('browser_upload', nodeDir);

const tempDirs = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

// An upload server on port 0 with a fresh --dir; checks the line naming where it keeps files.
async function uploadServer(maxMb) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkit-browser-upload.'));
  tempDirs.push(dir);
  const server = await new Server(uploadBin, ['--port', '0', '--dir', dir, '--max-mb', String(maxMb)]).start();
  const [, kept] = await server.output(/^listening on [^\n]*\nkeeping uploads in ([^\n]*)\n/, '"keeping uploads in DIR/files"');
  check(kept === path.join(dir, 'files'), `upload keeps files in ${kept}, not in ${dir}/files`);
  server.files = kept;
  step(`upload --max-mb ${maxMb} listening on port ${server.port}, keeping uploads in ${kept}`);
  return server;
}

// ---- the page -------------------------------------------------------------------------------------

function status(page) {
  return page.$eval('#status', (s) => ({ text: s.textContent, className: s.className }));
}

// Records [value, max, ms since now] of #bar after every change the page makes
// to it (the observer runs once the progress handler has set both) in
// window.barValues, emptied first.
function recordBar(page) {
  return page.evaluate(() => {
    const bar = document.getElementById('bar');
    window.barValues = [];
    window.barSince = performance.now();
    if (window.barObserver) return;
    window.barObserver = new MutationObserver(
      () => window.barValues.push([bar.value, bar.max, Math.round(performance.now() - window.barSince)]));
    window.barObserver.observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
  });
}

// Chooses the files in #files, as the file dialog would, and clicks Upload
// with #bar's changes recorded from then on. Returns how long choosing took
// (playwright hands a buffer to the page as base64: 24 MiB took up to 17 s here).
// The files go to the input by path: handing Playwright a 24 MiB buffer instead
// sends it through the DevTools protocol as base64, which took 20 s here.
async function chooseAndUpload(page, files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkit-browser-files.'));
  tempDirs.push(dir);
  const paths = files.map(({ name, buffer }) => {
    fs.writeFileSync(path.join(dir, name), buffer);
    return path.join(dir, name);
  });
  const start = Date.now();
  await page.locator('#files').setInputFiles(paths, { timeout: UPLOAD_TIMEOUT });
  const chosen = Date.now() - start;
  await recordBar(page);
  await page.getByRole('button', { name: 'Upload' }).click();
  return chosen;
}

function waitStatus(page, what, source, className, ms = TIMEOUT) {
  return waitFor(page, `#status ${what}`,
                 ([src, cls]) => {
                   const s = document.getElementById('status');
                   return s.className === cls && new RegExp(src).test(s.textContent);
                 }, [source, className], ms);
}

// The rows of #list: the link's text, its resolved href, and the size cell.
function listRows(page) {
  return page.$$eval('#list tr', (rows) => rows.map((r) => {
    const a = r.querySelector('a');
    return { text: a && a.textContent, href: a && a.href, size: r.cells[1] && r.cells[1].textContent };
  }));
}

// On failure: what the user saw.
async function describe(page) {
  const s = await status(page);
  const bar = await page.$eval('#bar', (b) => `${b.value} of ${b.max}`);
  const seen = await page.evaluate(() => (window.barValues ? JSON.stringify(window.barValues) : 'not recorded'));
  const rows = await listRows(page);
  return [`#status: ${s.text} [class="${s.className}"]`, `#bar: ${bar}; changes seen: ${seen}`,
          `#list: ${rows.map((r) => `${r.text} (${r.size})`).join(', ') || 'empty'}`];
}

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

// ---- the story --------------------------------------------------------------------------------

async function main() {
  cleanArtifacts(artifactDir, 'upload');
  const server = await uploadServer(64);
  const browser = await launch(chromium);
  const page = await openPage(browser, 'uploader', `http://127.0.0.1:${server.port}/`);
  await waitStatus(page, '"choose one or more files"', '^choose one or more files$', '');

  // A space in the name: the server keeps it under a safe name, and the page must
  // show and link that name, not the client's.
  const big = { name: 'holiday video.bin', savedAs: 'holiday_video.bin', mimeType: 'application/octet-stream',
                buffer: crypto.randomBytes(24 * 1024 * 1024) };
  const small = { name: 'notes.txt', savedAs: 'notes.txt', mimeType: 'text/plain',
                  buffer: Buffer.from('größer als nichts ✓\n'.repeat(50)) };
  const sent = [big, small];
  // DevTools' network emulation holds the upload to 8 MiB/s, so it lasts about
  // 3 s on any machine: progress events before the end are then certain, where
  // over raw loopback they would be a race with a fast enough machine.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions',
                 { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * 1024 * 1024 });
  const chosenMs = await chooseAndUpload(page, sent.map(({ name, mimeType, buffer }) => ({ name, mimeType, buffer })));
  const uploaded = `uploaded ${sent.map((f) => `${f.savedAs} (${f.buffer.length} bytes)`).join(', ')}`;
  const started = Date.now();
  await waitStatus(page, `"${uploaded}"`, `^${uploaded.replace(/[.()]/g, '\\$&')}$`, '', UPLOAD_TIMEOUT);
  const seconds = (Date.now() - started) / 1000;

  const seen = await page.evaluate(() => window.barValues);
  const [finalValue, finalMax] = await page.$eval('#bar', (b) => [b.value, b.max]);
  const bodyFloor = big.buffer.length + small.buffer.length;
  check(finalMax >= bodyFloor, `#bar's max ${finalMax} is less than the ${bodyFloor} bytes of the two files`);
  check(finalValue === finalMax, `#bar ended at ${finalValue} of ${finalMax}`);
  check(seen.length > 0 && seen[seen.length - 1][0] === finalValue, `#bar's changes were not recorded: ${JSON.stringify(seen)}`);
  for (let i = 1; i < seen.length; ++i)
    check(seen[i][0] >= seen[i - 1][0], `#bar went backwards: ${JSON.stringify(seen)}`);
  // Chromium reports upload progress about every 100 ms; at 8 MiB/s the bar must
  // have shown values short of the end before the final one.
  const between = seen.filter(([v, max]) => v > 0 && v < max);
  check(between.length > 0, `#bar jumped straight to ${finalValue} of ${finalMax}: no progress in between (${JSON.stringify(seen)})`);
  step(`chose the files in ${chosenMs} ms; 24 MiB + ${small.buffer.length} bytes uploaded in ${seconds.toFixed(1)} s; #bar went ` +
       `${seen.map(([v, max, ms]) => `${(100 * v / max).toFixed(0)}% at ${ms} ms`).join(', ')}; #status "${uploaded}"`);

  const onDisk = fs.readdirSync(server.files).sort();
  check(JSON.stringify(onDisk) === JSON.stringify(sent.map((f) => f.savedAs).sort()),
        `${server.files} holds ${JSON.stringify(onDisk)}`);
  for (const f of sent)
    check(fs.readFileSync(path.join(server.files, f.savedAs)).equals(f.buffer),
          `${server.files}/${f.savedAs} differs from the ${f.buffer.length} bytes of "${f.name}" that were sent`);
  step(`${onDisk.join(' and ')} on disk are byte-identical to what the page sent`);

  await waitFor(page, '#list to show 2 files', () => document.querySelectorAll('#list tr a').length === 2);
  const rows = await listRows(page);
  for (const f of sent) {
    const href = `http://127.0.0.1:${server.port}/files/${f.savedAs}`;
    const row = rows.find((r) => r.text === f.savedAs);
    check(row && row.href === href && row.size === `${f.buffer.length} bytes`,
          `#list has no link "${f.savedAs}" to ${href} of ${f.buffer.length} bytes: ${JSON.stringify(rows)}`);
  }
  // The page downloads the big one by its link, as a click on it would.
  const got = await within(page.evaluate(async (href) => {
    const r = await fetch(href);
    const body = await r.arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', body);
    return { status: r.status, size: body.byteLength,
             sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }, rows.find((r) => r.text === big.savedAs).href), `the page to fetch /files/${big.savedAs}`, UPLOAD_TIMEOUT);
  check(got.status === 200 && got.size === big.buffer.length && got.sha256 === sha256(big.buffer),
        `fetching /files/${big.savedAs} in the page gave ${JSON.stringify(got)}, not 200 with ${big.buffer.length} bytes`);
  step(`#list links both files with their sizes; the page fetched ${big.savedAs} back: ${got.size} bytes, same SHA-256`);

  // The same file again, on the same page: kept under a new name, never over the
  // first; and the bar must start empty, not full from the last upload.
  await chooseAndUpload(page, [{ name: small.name, mimeType: small.mimeType, buffer: small.buffer }]);
  const again = `uploaded notes-2.txt (${small.buffer.length} bytes)`;
  await waitStatus(page, `"${again}"`, `^${again.replace(/[.()]/g, '\\$&')}$`, '');
  const second = await page.evaluate(() => window.barValues);
  check(second.length > 1 && second[0][0] < second[0][1] && second.at(-1)[0] === second.at(-1)[1],
        `#bar did not go from empty to full on the second upload: ${JSON.stringify(second)}`);
  check(fs.readFileSync(path.join(server.files, 'notes-2.txt')).equals(small.buffer) &&
        fs.readFileSync(path.join(server.files, small.savedAs)).equals(small.buffer),
        `notes-2.txt or notes.txt in ${server.files} differs from what was sent`);
  await waitFor(page, '#list to show 3 files', () => document.querySelectorAll('#list tr a').length === 3);
  step('notes.txt again: kept as notes-2.txt beside the first, #list shows 3, the bar went from empty to full');

  const shot = path.join(artifactDir, 'upload.png');
  await within(page.screenshot({ path: shot, fullPage: true }), 'the screenshot');
  check(fs.statSync(shot).size > 0, `${shot} is empty`);
  console.log(`screenshot: ${shot}`);

  // Over the limit: the server answers 413 before reading the body, and the page
  // must show that, not "connection lost".
  const strict = await uploadServer(1);
  const refused = await openPage(browser, 'refused', `http://127.0.0.1:${strict.port}/`);
  await waitStatus(refused, '"choose one or more files"', '^choose one or more files$', '');
  await chooseAndUpload(refused, [{ name: 'too-big.bin', mimeType: 'application/octet-stream',
                                     buffer: crypto.randomBytes(2 * 1024 * 1024) }]);
  await waitStatus(refused, 'with class "error" saying 413', '^the server said 413: ', 'error');
  const said = (await status(refused)).text;
  check(fs.readdirSync(strict.files).length === 0, `${strict.files} is not empty after a refused upload`);
  step(`a 2 MiB file against --max-mb 1: #status "${said}" in red, nothing kept`);

  checkNoPageErrors();
  for (const s of [server, strict]) {
    const exit = await s.stop();
    check(exit.code === 0, `upload did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}`);
  }
}

run(main, () => dumpPages(artifactDir, 'upload', describe));
