// graphql-ws clients for the real-time tests (the ws package as WebSocket implementation).
// argv: <ws url> <clients> <events per subscription>. Each client opens its own connection and runs
// `subscription { count(to: N) { n server } }` to completion. Prints one JSON object on stdout: per client,
// the negotiated subprotocol, the servers that answered and the event numbers received; or {"error": "..."}.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, clientsArg = '4', eventsArg = '100'] = process.argv.slice(2);
const clients = Number.parseInt(clientsArg, 10);
const events = Number.parseInt(eventsArg, 10);
const subscriptionTimeoutMs = 30000;

async function runClient(index) {
  const result = { index, protocol: null, servers: [], numbers: [], errors: [] };
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    on: {
      connected: (socket) => {
        result.protocol = socket.protocol;
      },
      closed: (event) => {
        if (event?.code !== undefined && event.code !== 1000) {
          result.errors.push(`closed ${event.code} ${event.reason ?? ''}`.trim());
        }
      },
      error: (err) => result.errors.push(`error: ${err?.message ?? err?.type ?? String(err)}`),
    },
  });

  let timer;
  try {
    const iterator = client.iterate({ query: `subscription { count(to: ${events}) { n server } }` });
    const done = (async () => {
      for await (const message of iterator) {
        if (message.errors) {
          result.errors.push(JSON.stringify(message.errors));
          continue;
        }

        const tick = message.data.count;
        result.numbers.push(tick.n);
        if (!result.servers.includes(tick.server)) {
          result.servers.push(tick.server);
        }
      }
    })();
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`client ${index}: subscription timed out`)), subscriptionTimeoutMs);
    });
    await Promise.race([done, timeout]);
  } catch (err) {
    result.errors.push(err?.message ?? (err?.code !== undefined ? `closed ${err.code} ${err.reason ?? ''}`.trim() : String(err)));
  } finally {
    clearTimeout(timer);
    await client.dispose();
  }

  return result;
}

// Sequential connections: a round-robin cluster then spreads them over its backends deterministically.
const results = [];
for (let i = 0; i < clients; i++) {
  results.push(await runClient(i));
}

process.stdout.write(JSON.stringify({ clients: results }) + '\n');
process.exit(0);
