#!/usr/bin/env node
// Node's `ws` as the server for ringkit's own WebSocket client.
//
//   node tests/clients/ws_echo_server.js path/to/node-dir [--no-deflate]
//
// Started by tests/integration/ws_client_interop.cpp (ctest entry ws_client_interop),
// as ws_echo_server.py is: listens on 127.0.0.1, port 0, and prints the port on a line of
// its own; echoes every message; a text "close:CODE:REASON" makes it close with that code
// and reason; "?extensions" is answered with the extensions agreed. permessage-deflate is
// on (every message compressed) unless --no-deflate. Exits when its standard input closes.
// `ws` is installed into node-dir from package-lock.json (tests/support/npm_install.js).
'use strict';

const { requireFromLock } = require('../support/npm_install.js');

const [nodeDir, ...flags] = process.argv.slice(2);
if (!nodeDir) {
  console.error('usage: ws_echo_server.js path/to/node-dir [--no-deflate]');
  process.exit(2);
}
const { WebSocketServer } = requireFromLock('ws_echo_server', __dirname, nodeDir, 'ws');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: flags.includes('--no-deflate') ? false : { threshold: 0 },
  maxPayload: 4 << 20,
});
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
wss.on('listening', () => console.log(wss.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
