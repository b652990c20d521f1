// Installs a test's npm dependencies into the build tree, never the source tree:
// package.json and package-lock.json from `sourceDir` are copied to `nodeDir` and
// `npm ci` runs there (once; again when the lock file changes). Used by
// tests/clients/ws_node.js (ws) and tests/browser/support.js (playwright-core).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

// Returns require(pkg) resolved from nodeDir; exits 1, saying why, when npm fails.
function requireFromLock(testName, sourceDir, nodeDir, pkg) {
  fs.mkdirSync(nodeDir, { recursive: true });
  const lock = fs.readFileSync(path.join(sourceDir, 'package-lock.json'));
  const installedLock = path.join(nodeDir, 'node_modules', '.ringkit-lock.json');
  const installed = path.join(nodeDir, 'node_modules', pkg, 'package.json');
  if (!(fs.existsSync(installed) && fs.existsSync(installedLock) && fs.readFileSync(installedLock).equals(lock))) {
    for (const f of ['package.json', 'package-lock.json'])
      fs.copyFileSync(path.join(sourceDir, f), path.join(nodeDir, f));
    const npm = process.env.NPM || 'npm';
    const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'],
                        { cwd: nodeDir, encoding: 'utf8', timeout: 300000 });
    if (r.status !== 0) {
      console.error(`${testName}: FAILED to install '${pkg}' with \`${npm} ci\` in ${nodeDir}`);
      console.error('  (the npm registry is unreachable and npm has no cached copy?)');
      if (r.error) console.error(`  ${r.error.message}`);
      console.error(r.stdout || '', r.stderr || '');
      process.exit(1);
    }
    fs.writeFileSync(installedLock, lock);
  }
  return createRequire(path.join(path.resolve(nodeDir), 'package.json'))(pkg);
}

module.exports = { requireFromLock };
