// Child of emptyContinuationFlood() and rapidReset() (floods.ts): `bun flood-child.ts KIND HOST
// PORT` floods until its stdin closes, then prints its report (children.ts has the protocol).
import { emptyContinuationLoop, type FloodLoop, rapidResetLoop } from "./flood-loops.ts";

const [kind, host = "127.0.0.1", port = "80"] = process.argv.slice(2);
const loops: Record<string, (host: string, port: number) => FloodLoop> = {
  continuation: emptyContinuationLoop,
  "rapid-reset": rapidResetLoop,
};
const start = kind === undefined ? undefined : loops[kind];
if (start === undefined) {
  console.error(`flood-child: KIND must be one of ${Object.keys(loops).join(", ")}, got ${kind}`);
  process.exit(2);
}
const flood = start(host, Number(port));
console.log(`flooding ${host}:${port}`);
process.stdin.resume();
process.stdin.on("end", async () => {
  console.log(await flood.stop());
  process.exit(0);
});
