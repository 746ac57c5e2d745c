// Drives the gateway with Node's `ws` client: text, binary, fragmented (via permessage-deflate off),
// ping, and a close with a custom code. Prints one JSON line with what it observed.
import WebSocket from "ws";

const url = process.argv[2];
const result = { messages: [], close: null, pong: false };
const ws = new WebSocket(url, ["chat.v1"], { perMessageDeflate: true });
const done = setTimeout(() => { result.error = "timeout"; finish(); }, 10000);

function finish() {
  clearTimeout(done);
  console.log(JSON.stringify(result));
  process.exit(0);
}

ws.on("open", () => {
  result.protocol = ws.protocol;
  ws.ping("are you there");
  ws.send("hello from ws");
  ws.send(Buffer.from([1, 2, 3, 250]), { binary: true });
  ws.send("x".repeat(200000));
});
ws.on("pong", () => { result.pong = true; });
ws.on("message", (data, isBinary) => {
  result.messages.push(isBinary ? { binary: [...data] } : { text: data.toString().length > 64 ? `len:${data.toString().length}` : data.toString() });
  if (result.messages.length === 3) {
    ws.close(4321, "ws says bye");
  }
});
ws.on("close", (code, reason) => { result.close = { code, reason: reason.toString() }; finish(); });
ws.on("error", e => { result.error = String(e); finish(); });
