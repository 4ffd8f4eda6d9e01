// A small program for the `bun build --compile` test: loads the component at argv[2] with the
// cache in argv[3], calls add-floats(1.5, 2.25) and prints where the component came from, the
// result and the pod's log lines, as JSON.
import { ComponentHost, type LogLine } from "../index.ts";

const [componentPath, cacheDir] = process.argv.slice(2);
if (!componentPath || !cacheDir) {
  console.error("usage: compiled-main COMPONENT.wasm CACHE_DIR");
  process.exit(2);
}
const logs: LogLine[] = [];
const host = new ComponentHost({ cacheDir, log: (line) => logs.push(line) });
const component = await host.load(await Bun.file(componentPath).bytes(), { name: "adder" });
const pod = component.createPod({ name: "compiled" });
const response = pod.call("add-floats", { headers: [["x-from", "compiled"]] }, { x: 1.5, y: 2.25 });
console.log(JSON.stringify({ origin: component.origin, response, logs }));
