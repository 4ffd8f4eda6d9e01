// Child of idleHeads(): opens COUNT connections to HOST:PORT, sends half an HTTP/1.1 request head
// on each, prints how many connected, and holds them until its stdin closes. A process of its
// own, so that its file descriptors are not the test's.
import net from "node:net";

const [host = "127.0.0.1", portText = "80", countText = "0"] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const sockets: net.Socket[] = [];
let connected = 0;
let refused = 0;
let closedByServer = 0;
const head = `POST /foo.bar.AdderService/AddFloats HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `;

await new Promise<void>((resolve) => {
  let settled = 0;
  const settle = () => {
    if (++settled === count) resolve();
  };
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ host, port });
    let counted = false;
    socket.once("connect", () => {
      connected++;
      counted = true;
      socket.write(head);
      settle();
    });
    socket.once("error", () => {
      if (!counted) {
        refused++;
        counted = true;
        settle();
      }
    });
    socket.once("close", () => {
      if (counted) closedByServer++;
    });
    sockets.push(socket);
  }
  if (count === 0) resolve();
});
console.log(`${connected} of ${count} connected, ${refused} refused`);
process.stdin.resume();
process.stdin.on("end", () => {
  for (const socket of sockets) socket.destroy();
  console.log(`${closedByServer} closed by the server before the end`);
  process.exit(0);
});
