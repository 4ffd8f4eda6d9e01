/** One line a component wrote to stdout or stderr, tagged for the pod's log. */
export interface LogLine {
  pod: string;
  component: string;
  stream: "stdout" | "stderr";
  line: string;
  /** A piece of a line longer than MAX_LINE_BYTES; the next piece continues it. */
  partial?: boolean;
}

/** Receives component output; called synchronously, so it must not block. */
export type LogSink = (line: LogLine) => void;

/** Longer lines are split: a component that never writes a newline cannot grow host memory. */
export const MAX_LINE_BYTES = 16 * 1024;

const decoder = new TextDecoder("utf-8");

/** Turns a byte stream into lines (without their `\n` or `\r\n`). */
export class LineWriter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(private readonly emit: (line: string, partial: boolean) => void) {}

  write(bytes: Uint8Array): void {
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(0x0a, start);
      if (newline < 0) break;
      this.#append(bytes.subarray(start, newline));
      this.#emitPending(false);
      start = newline + 1;
    }
    this.#append(bytes.subarray(start));
  }

  /** Emits a trailing partial line, so one call's output is not held back until the next. */
  flush(): void {
    if (this.#pendingBytes > 0) this.#emitPending(false);
  }

  #append(bytes: Uint8Array): void {
    let rest = bytes;
    while (this.#pendingBytes + rest.length > MAX_LINE_BYTES) {
      const room = MAX_LINE_BYTES - this.#pendingBytes;
      this.#pending.push(rest.slice(0, room));
      this.#pendingBytes += room;
      this.#emitPending(true);
      rest = rest.subarray(room);
    }
    // Copied: the bytes may be a view of the component's memory.
    if (rest.length > 0) {
      this.#pending.push(rest.slice());
      this.#pendingBytes += rest.length;
    }
  }

  #emitPending(partial: boolean): void {
    const line = new Uint8Array(this.#pendingBytes);
    let offset = 0;
    for (const chunk of this.#pending) {
      line.set(chunk, offset);
      offset += chunk.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    const end = line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
    this.emit(decoder.decode(line.subarray(0, partial ? line.length : end)), partial);
  }
}
