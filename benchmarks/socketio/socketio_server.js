// Socket.IO 4 with @socket.io/redis-adapter: the peer of echo_server's
// /ws/broadcast/{room} --redis in benchmarks/scale_run.sh. The same room semantics:
// every "m" event a socket sends goes, unchanged, to every socket of its room on every
// instance on that Redis, the sender included (io.to, not socket.to).
//
//   node socketio_server.js --port N --redis HOST:PORT
//
// The room is the handshake's ?room= query (ws_load fanout --proto socketio sends it).
// WebSocket transport only, no per-message deflate (Socket.IO 4's default), one
// process: the benchmark runs three. Prints "listening on 127.0.0.1:PORT" once the
// adapter's Redis connections are up; stops on SIGINT/SIGTERM.
'use strict';
const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const port = Number(arg('--port'));
  const [redisHost, redisPort] = (arg('--redis') || '').split(':');
  if (!port || !redisHost || !Number(redisPort)) {
    console.error('usage: node socketio_server.js --port N --redis HOST:PORT');
    process.exit(2);
  }
  const pub = createClient({ socket: { host: redisHost, port: Number(redisPort) } });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on('error', (e) => console.error(`redis: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    transports: ['websocket'],
    perMessageDeflate: false,
    maxHttpBufferSize: 1e6,
    adapter: createAdapter(pub, sub),
  });
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room || 'lobby');
    socket.join(room);
    socket.on('m', (data) => io.to(room).emit('m', data));
  });
  httpServer.listen(port, '127.0.0.1', () => {
    console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
  });
  const stop = () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
