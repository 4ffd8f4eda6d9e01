import { parse } from "@bytecodealliance/jco";
import { componentFromCore, messageOf, type WorldRef } from "./component.ts";

/** Builds a component from a core module written in WAT. Needs nothing but jco. */
export async function buildWatComponent(watPath: string, target: WorldRef): Promise<Uint8Array> {
  const core = await parse(await Bun.file(watPath).text()).catch((error: unknown) => {
    throw new Error(describeWatError(watPath, messageOf(error)));
  });
  return componentFromCore(core, target);
}

/**
 * jco passes on wasm-tools' parse error in Rust debug form; turn it into the usual
 * `file:line:column: message` (wasm-tools counts lines and columns from 0).
 */
export function describeWatError(watPath: string, raw: string): string {
  const position = /line: (\d+), col: (\d+), snippet: (?:Some\()?"((?:[^"\\]|\\.)*)"/.exec(raw);
  const custom = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(raw)?.[1];
  // Lexer errors are bare enum names such as `UnexpectedEof`.
  const lex = /kind: Lex\((\w+)/
    .exec(raw)?.[1]
    ?.replace(/(?<=[a-z])(?=[A-Z])/g, " ")
    .toLowerCase();
  if (!position) return `${watPath}: ${raw}`;
  const [, line, col, snippet] = position;
  const message = custom ?? lex ?? raw;
  return `${watPath}:${Number(line) + 1}:${Number(col) + 1}: ${unescapeDebug(message)}\n  ${unescapeDebug(snippet ?? "")}`;
}

function unescapeDebug(debugString: string): string {
  return debugString.replace(/\\(.)/g, "$1");
}
