// graphql-ws backends for the real-time tests: starts N servers (argv[2], default 2) on 127.0.0.1:0, path
// /graphql, subprotocol graphql-transport-ws, and prints one JSON line {"ports":[...]} on stdout. Later lines
// are events (connections with their subprotocol, closes). Exits when stdin closes.
//
// Schema: Query.server names the server; Subscription.count(to) streams {n, server} for n = 1..to.
import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const count = Number.parseInt(process.argv[2] ?? '2', 10);

function report(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

const Tick = new GraphQLObjectType({
  name: 'Tick',
  fields: {
    n: { type: new GraphQLNonNull(GraphQLInt) },
    server: { type: new GraphQLNonNull(GraphQLString), resolve: (_tick, _args, context) => context.server },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      server: { type: new GraphQLNonNull(GraphQLString), resolve: (_root, _args, context) => context.server },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: new GraphQLNonNull(Tick),
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* subscribe(_root, { to }) {
          for (let n = 1; n <= to; n++) {
            yield { count: { n } };
          }
        },
      },
    },
  }),
});

function listen(wss) {
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => resolve(wss.address().port));
  });
}

const ports = [];
for (let i = 1; i <= count; i++) {
  const name = `gql-${i}`;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  wss.on('connection', (socket, request) => {
    report({ event: 'connection', server: name, protocol: socket.protocol, url: request.url });
    socket.on('close', (code, reason) => report({ event: 'close', server: name, code, reason: reason.toString() }));
  });
  useServer({ schema, context: { server: name } }, wss);
  ports.push(await listen(wss));
}

report({ ports });

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
