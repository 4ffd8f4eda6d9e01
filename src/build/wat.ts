import { parse } from "@bytecodealliance/jco";
import { componentFromCore, messageOf, type WorldRef } from "./component.ts";

/** Builds a component from a core module written in WAT. Needs nothing but jco. */
export async function buildWatComponent(watPath: string, target: WorldRef): Promise<Uint8Array> {
  const watText = await Bun.file(watPath).text();
  const core = await parse(watText).catch((error: unknown) => {
    throw new Error(describeWatError(watPath, messageOf(error)));
  });
  checkCoreModule(watPath, watText, core);
  return componentFromCore(core, target);
}

/**
 * Validates the core module before it is wrapped: wasm-tools would report a type error at an
 * offset into the component, which names nothing in the source. The engine names the function
 * (`in function at index N`); this finds its `(func` in the WAT and reports that line.
 */
function checkCoreModule(watPath: string, watText: string, core: Uint8Array): void {
  try {
    new WebAssembly.Module(core);
  } catch (error) {
    const raw = messageOf(error)
      .replace(/^WebAssembly\.Module doesn't validate: /, "")
      .replace(/ \(evaluating .*\)$/, "");
    const index = /in function at index (\d+)/.exec(raw)?.[1];
    const at = index === undefined ? undefined : functionPosition(watText, Number(index));
    const detail = raw.replace(/, in function at index \d+$/, "");
    if (at === undefined) throw new Error(`${watPath}: invalid module: ${raw}`);
    throw new Error(`${watPath}:${at.line}:${at.column}: ${detail} (in this function)`);
  }
}

/**
 * Line and column of the `index`th function the module defines (the engine counts defined
 * functions only): each module-level `(func` in order, imports (`(import … (func …))`) skipped.
 */
export function functionPosition(
  watText: string,
  index: number,
): { line: number; column: number } | undefined {
  const definitions: { line: number; column: number }[] = [];
  watText.split("\n").forEach((text, i) => {
    const code = text.replace(/;;.*$/, "");
    if (/\(import\b/.test(code)) return;
    const column = code.search(/\(func\b/);
    if (column >= 0) definitions.push({ line: i + 1, column: column + 1 });
  });
  return definitions[index];
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
