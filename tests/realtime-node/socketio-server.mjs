// Socket.IO backends for the real-time tests: starts N servers (argv[2], default 2) on 127.0.0.1:0 in this
// process and prints one JSON line {"ports":[...]} on stdout. Later lines on stdout are events the test may
// show when it fails (engine.io connection errors, transport upgrades). Exits when stdin closes.
//
// Room broadcasts: separate Socket.IO servers share nothing, so a room spanning clients of both servers needs
// an adapter (Redis, Postgres, cluster adapter...). The servers here live in one process, so `room-say` fans
// the message out to the room on every server of the process: the in-process stand-in for such an adapter.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const count = Number.parseInt(process.argv[2] ?? '2', 10);
const servers = [];

function report(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function listen(httpServer) {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve(httpServer.address().port));
  });
}

for (let i = 1; i <= count; i++) {
  const name = `sio-${i}`;
  const httpServer = createServer();
  const io = new Server(httpServer, { path: '/socket.io/' });

  io.engine.on('connection_error', (err) => {
    report({ event: 'connection_error', server: name, code: err.code, message: err.message, url: err.req?.url });
  });
  io.engine.on('connection', (engineSocket) => {
    report({ event: 'engine_open', server: name, sid: engineSocket.id, transport: engineSocket.transport.name });
    engineSocket.on('upgrade', (transport) => report({ event: 'upgrade', server: name, sid: engineSocket.id, transport: transport.name }));
  });

  io.on('connection', (socket) => {
    socket.on('echo', (payload, ack) => {
      ack({ server: name, sid: socket.conn.id, transport: socket.conn.transport.name, echo: payload });
    });
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack({ server: name, room });
    });
    socket.on('room-say', (room, text, ack) => {
      for (const s of servers) {
        s.io.to(room).emit('room-message', { from: name, text });
      }
      ack({ server: name });
    });
  });

  const port = await listen(httpServer);
  servers.push({ name, io, port });
}

report({ ports: servers.map((s) => s.port) });

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
