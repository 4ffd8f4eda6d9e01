// wasi:io@0.2.x — error, poll, streams. Every operation completes synchronously: a call runs to
// completion on the host's one thread, so nothing here may wait. Waiting for a timer that has not
// fired is refused (it would stall every pod), which ends the call.
import { SandboxDenied } from "../failures.ts";
import type { LineWriter } from "../log.ts";

/** The largest byte count one stream operation may ask the host to allocate. */
export const MAX_TRANSFER_BYTES = 1 << 20;

/** `result::err(stream-error::closed)`, in jco's shape for a host function's `result`. */
const CLOSED = { tag: "err", val: { tag: "closed" } } as const;

export function checkedLength(length: bigint, what: string): number {
  if (length > BigInt(MAX_TRANSFER_BYTES)) {
    throw new SandboxDenied(
      `${what} of ${length} bytes exceeds the ${MAX_TRANSFER_BYTES}-byte limit`,
    );
  }
  return Number(length);
}

export function monotonicNow(): bigint {
  return process.hrtime.bigint();
}

/** wasi:io/error `error`: no host operation fails with one, but the type must exist. */
export class IoError {
  constructor(private readonly description: string) {}

  toDebugString(): string {
    return this.description;
  }
}

/** Ready at once (streams), or at a monotonic instant (clock subscriptions). */
export class Pollable {
  constructor(private readonly readyAt?: bigint) {}

  ready(): boolean {
    return this.readyAt === undefined || monotonicNow() >= this.readyAt;
  }

  block(): void {
    if (this.readyAt !== undefined) refuseWait(this.readyAt);
  }
}

function refuseWait(readyAt: bigint): void {
  const waitNs = readyAt - monotonicNow();
  if (waitNs <= 0n) return;
  throw new SandboxDenied(
    `waiting ${Number(waitNs) / 1e6} ms for a timer: a call may not block, the host's thread serves every pod`,
  );
}

/** wasi:io/poll `poll`: the indices of the ready pollables; refuses to wait if none is. */
export function poll(pollables: Pollable[]): Uint32Array {
  const ready: number[] = [];
  pollables.forEach((pollable, index) => {
    if (pollable.ready()) ready.push(index);
  });
  if (ready.length === 0) {
    const first = pollables[0];
    if (!first) throw new SandboxDenied("poll on an empty list");
    first.block();
  }
  return Uint32Array.from(ready);
}

/** The only input stream: stdin, which is always at its end. */
export class InputStream {
  read(_length: bigint): typeof CLOSED {
    return CLOSED;
  }

  blockingRead(_length: bigint): typeof CLOSED {
    return CLOSED;
  }

  skip(_length: bigint): typeof CLOSED {
    return CLOSED;
  }

  blockingSkip(_length: bigint): typeof CLOSED {
    return CLOSED;
  }

  subscribe(): Pollable {
    return new Pollable();
  }
}

/** stdout or stderr: bytes go to a line writer, so writes never block and never fail. */
export class OutputStream {
  constructor(private readonly lines: LineWriter) {}

  checkWrite(): bigint {
    return BigInt(MAX_TRANSFER_BYTES);
  }

  write(contents: Uint8Array): void {
    this.lines.write(contents);
  }

  blockingWriteAndFlush(contents: Uint8Array): void {
    this.lines.write(contents);
  }

  flush(): void {}

  blockingFlush(): void {}

  subscribe(): Pollable {
    return new Pollable();
  }

  writeZeroes(length: bigint): void {
    this.lines.write(new Uint8Array(checkedLength(length, "write-zeroes")));
  }

  blockingWriteZeroesAndFlush(length: bigint): void {
    this.writeZeroes(length);
  }

  /** The only source is stdin, which is closed. */
  splice(_source: InputStream, _length: bigint): typeof CLOSED {
    return CLOSED;
  }

  blockingSplice(_source: InputStream, _length: bigint): typeof CLOSED {
    return CLOSED;
  }
}

export const ioInterfaces = {
  "wasi:io/error": { Error: IoError },
  "wasi:io/poll": { Pollable, poll },
  "wasi:io/streams": { InputStream, OutputStream },
};
