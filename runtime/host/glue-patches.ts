// Post-processing of jco's generated glue, for the per-call cost of the helpers every call runs
// (the data plane's budget per request is a few µs; the helpers below took about half of it).
// Each patch replaces one helper whose exact text is known: a helper that is present but differs
// from that text (a jco upgrade) fails the transpile loudly instead of going unpatched. jco emits
// a helper only when a component needs it, so an absent helper is skipped.

interface GluePatch {
  name: string;
  /** Present in the glue if and only if jco emitted the helper. */
  marker: string;
  /** The helper as jco 1.35 (jco-transpile 0.15) writes it. */
  original: string;
  replacement: string;
}

const patches: readonly GluePatch[] = [
  {
    // jco's logger reads `process.env.JCO_DEBUG` on every call, and every call logs several
    // times. Reading it once per instantiation keeps JCO_DEBUG working for a restarted host.
    name: "debug-log",
    marker: "const _debugLog = ",
    original: `  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };
`,
    replacement: `  const _debugLog = globalThis?.process?.env?.JCO_DEBUG
    ? (...args) => { console.debug(...args); }
    : () => {};
`,
  },
  {
    // Strings lowered into a component (header names and values, request fields) are mostly
    // ASCII: one byte per UTF-16 code unit, written through a view kept across calls instead of a
    // new view and a TextEncoder call per string. The view is renewed when the memory's buffer
    // changes (growth, including growth by `realloc`, detaches the old one). A pointer outside
    // the view gets jco's own encoding, so jco's RangeError; non-ASCII strings take jco's path
    // unchanged. Either way realloc is called once, with the exact length.
    name: "utf8-ascii",
    marker: "function _utf8AllocateAndEncode(",
    original: `  function _utf8AllocateAndEncode(s, realloc, memory) {
    if (typeof s !== 'string') {
      throw new TypeError('expected a string, received [' + typeof s + ']');
    }
    if (s.length === 0) { return { ptr: 1, len: 0 }; }
    // Compute the exact allocation size up front. Some older preview1
`,
    replacement: `  let _asciiView = new Uint8Array(0);
  function _utf8AllocateAndEncode(s, realloc, memory) {
    if (typeof s !== 'string') {
      throw new TypeError('expected a string, received [' + typeof s + ']');
    }
    if (s.length === 0) { return { ptr: 1, len: 0 }; }
    const n = s.length;
    let ascii = 0;
    while (ascii < n && s.charCodeAt(ascii) < 0x80) { ascii++; }
    if (ascii === n) {
      const ptr = realloc(0, 0, 1, n);
      if (_asciiView.buffer !== memory.buffer) { _asciiView = new Uint8Array(memory.buffer); }
      if (ptr >= 0 && ptr + n <= _asciiView.length) {
        const view = _asciiView;
        for (let i = 0; i < n; i++) { view[ptr + i] = s.charCodeAt(i); }
        return { ptr, len: n, codepoints: n };
      }
      const { read, written } = TEXT_ENCODER_UTF8.encodeInto(s, new Uint8Array(memory.buffer, ptr, n));
      if (read !== n || written !== n) { throw new Error('failed to encode whole string'); }
      return { ptr, len: n, codepoints: n };
    }
    // Compute the exact allocation size up front. Some older preview1
`,
  },
  {
    // An import called while no task is current — during the host's direct (canonical-ABI)
    // calls, which skip jco's export wrapper — gets a task jco creates and resolves but never
    // exits: it stayed in jco's task list, one per import call, and every later import searched
    // that list. A componentize-js echo went from 1.3 to 15 ms a call over 500 calls, and its
    // memory grew with them. Exiting it, as jco's export wrapper exits its own, pops it again.
    name: "end-auto-task",
    marker: "function _lowerImportBackwardsCompat(",
    original: `      const syncRes = subtask.getResult();
      if (createdTask) { createdTask.resolve([syncRes]); }
`,
    replacement: `      const syncRes = subtask.getResult();
      if (createdTask) { createdTask.resolve([syncRes]); createdTask.exit(); }
`,
  },
];

/** Identifies the patches, so glue cached with other patches (or none) is not reused. */
export const gluePatchesDigest: string = new Bun.CryptoHasher("sha256")
  .update(JSON.stringify(patches))
  .digest("hex");

/** Applies every patch whose helper the glue has; returns the glue and the patches applied. */
export function patchGlue(glue: string): { glue: string; applied: string[] } {
  let patched = glue;
  const applied: string[] = [];
  for (const { name, marker, original, replacement } of patches) {
    const markers = occurrences(patched, marker);
    if (markers === 0) continue;
    const matches = occurrences(patched, original);
    if (markers !== 1 || matches !== 1) {
      throw new Error(
        `jco's glue changed shape: patch ${name} expects its helper once as written by jco 1.35, found ${markers} helper(s), ${matches} matching`,
      );
    }
    patched = patched.replace(original, () => replacement);
    applied.push(name);
  }
  return { glue: patched, applied };
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}
