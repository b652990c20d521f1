#!/usr/bin/env node
// Node's `ws` as the server for ringkit's own WebSocket client.
//
//   node tests/clients/ws_echo_server.js path/to/node-dir [--no-deflate] [--tls CERT KEY]
//
// Started by tests/integration/ws_client_interop.cpp (ctest entry ws_client_interop),
// as ws_echo_server.py is: listens on 127.0.0.1, port 0, and prints the port on a line of
// its own; echoes every message; a text "close:CODE:REASON" makes it close with that code
// and reason; "?extensions" is answered with the extensions agreed. permessage-deflate is
// on (every message compressed) unless --no-deflate. With --tls it serves wss:// with the
// PEM certificate and key given. Exits when its standard input closes.
// `ws` is installed into node-dir from package-lock.json (tests/support/npm_install.js).
'use strict';

const { requireFromLock } = require('../support/npm_install.js');

const [nodeDir, ...flags] = process.argv.slice(2);
const tlsAt = flags.indexOf('--tls');
if (!nodeDir || (tlsAt >= 0 && flags.length < tlsAt + 3)) {
  console.error('usage: ws_echo_server.js path/to/node-dir [--no-deflate] [--tls CERT KEY]');
  process.exit(2);
}
const { WebSocketServer } = requireFromLock('ws_echo_server', __dirname, nodeDir, 'ws');

const options = {
  perMessageDeflate: flags.includes('--no-deflate') ? false : { threshold: 0 },
  maxPayload: 4 << 20,
};
let https = null;
if (tlsAt >= 0) {
  const fs = require('fs');
  https = require('https').createServer({ cert: fs.readFileSync(flags[tlsAt + 1]), key: fs.readFileSync(flags[tlsAt + 2]) });
  options.server = https;
} else {
  options.host = '127.0.0.1';
  options.port = 0;
}
const wss = new WebSocketServer(options);
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text !== null && text.startsWith('close:')) {
      const [, code, ...reason] = text.split(':');
      ws.close(Number(code), reason.join(':'));
    } else if (text === '?extensions') {
      const e = ws.extensions;
      ws.send(typeof e === 'string' ? e : Object.keys(e).join(','));
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
});
if (https) https.listen(0, '127.0.0.1', () => console.log(https.address().port));
else wss.on('listening', () => console.log(wss.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
