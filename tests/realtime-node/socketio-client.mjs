// Socket.IO clients for the real-time tests, with the client's default transports (HTTP long-polling first,
// then the upgrade to WebSocket). argv: <base url> <clients> <round trips per client> [room|no-room].
// Prints one JSON object on stdout: per client, the servers and transports its acks came from, whether it
// upgraded, and the room messages it received; or {"error": "..."}.
import { io } from 'socket.io-client';

const [url, clientsArg = '4', roundTripsArg = '20', roomArg = 'room'] = process.argv.slice(2);
const clients = Number.parseInt(clientsArg, 10);
const roundTrips = Number.parseInt(roundTripsArg, 10);
const room = 'lobby';
const stepTimeoutMs = 15000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), stepTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sockets = [];
const results = [];

async function openClient(index) {
  // forceNew: each client has its own Manager, engine and session id. Default transports and upgrade.
  const socket = io(url, { path: '/socket.io/', forceNew: true, reconnection: false });
  sockets.push(socket);
  const result = { index, firstTransport: null, upgraded: false, acks: [], room: [], errors: [] };
  results.push(result);
  socket.on('connect_error', (err) => result.errors.push(`connect_error: ${err.message}${err.description ? ' ' + JSON.stringify(err.description) : ''}`));
  socket.on('room-message', (message) => result.room.push(message));
  // The manager's 'open' fires when the engine.io handshake succeeded, before any upgrade.
  socket.io.once('open', () => {
    result.firstTransport = socket.io.engine.transport.name;
  });

  // Reconnection is off, so a connect_error is final: fail at once with what the client saw.
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', (err) => reject(new Error(`client ${index} connect_error: ${err.message}`)));
  }), `client ${index} connect`);
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await withTimeout(new Promise((resolve) => engine.once('upgrade', resolve)), `client ${index} upgrade to websocket`);
  }

  result.upgraded = engine.transport.name === 'websocket';
  return result;
}

async function main() {
  // Sequential opens: a round-robin cluster then spreads the clients over its backends deterministically.
  for (let i = 0; i < clients; i++) {
    await openClient(i);
  }

  await Promise.all(sockets.map(async (socket, i) => {
    for (let n = 0; n < roundTrips; n++) {
      const ack = await socket.timeout(stepTimeoutMs).emitWithAck('echo', { client: i, n });
      results[i].acks.push({ server: ack.server, transport: ack.transport, ok: ack.echo?.client === i && ack.echo?.n === n });
    }
  }));

  if (roomArg !== 'room') {
    return;
  }

  for (const socket of sockets) {
    await socket.timeout(stepTimeoutMs).emitWithAck('join', room);
  }

  const everyoneHeard = Promise.all(results.map((r) => withTimeout(new Promise((resolve) => {
    if (r.room.length > 0) {
      resolve();
      return;
    }

    sockets[r.index].once('room-message', () => resolve());
  }), `client ${r.index} room message`)));
  await sockets[0].timeout(stepTimeoutMs).emitWithAck('room-say', room, 'hello room');
  await everyoneHeard;
}

let error = null;
try {
  await main();
} catch (err) {
  error = err?.message ?? String(err);
}

for (const socket of sockets) {
  socket.disconnect();
}

process.stdout.write(JSON.stringify(error === null ? { clients: results } : { error, clients: results }) + '\n');
process.exit(0);
