// Child process of check.ts: reads a JSON array of diagram texts on stdin and prints, for each,
// null or mermaid's parse error.
import { Window } from "happy-dom";

// mermaid sanitizes labels with DOMPurify, which needs a window when it is first imported.
Object.assign(globalThis, { window: new Window() });
const { default: mermaid } = await import("mermaid");

const diagrams = (await Bun.stdin.json()) as string[];
const errors: (string | null)[] = [];
for (const text of diagrams) {
  try {
    await mermaid.parse(text);
    errors.push(null);
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }
}
console.log(JSON.stringify(errors));
// happy-dom's window keeps timers alive.
process.exit(0);
