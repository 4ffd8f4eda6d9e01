// Errors carry the field path of ref §4.3: `.N` per field number and `[i]` per repeated index,
// outermost first (e.g. `.2.30[0].5`). Paths grow from the inside out as the error passes up
// through each message, so the fast path never spends time keeping them.

abstract class PathError extends Error {
  path = "";

  constructor(readonly reason: string) {
    super(reason);
    this.message = this.describe();
  }

  /** Puts `.fieldNumber[index]` in front of the path (index −1: not a list element). */
  within(fieldNumber: number, index: number): this {
    this.path = `.${fieldNumber}${index >= 0 ? `[${index}]` : ""}${this.path}`;
    this.message = this.describe();
    return this;
  }

  protected abstract describe(): string;
}

/** Bytes that are not a valid encoding of the request message: gRPC INVALID_ARGUMENT. */
export class DecodeError extends PathError {
  override name = "DecodeError";

  protected describe(): string {
    return `Malformed request (${this.path}): ${this.reason}`;
  }
}

/** A component value that does not fit the response message: gRPC INTERNAL. */
export class EncodeError extends PathError {
  override name = "EncodeError";

  protected describe(): string {
    return `Invalid response (${this.path}): ${this.reason}`;
  }
}

/** A Field tree the codec cannot be built from; `path` names the field as decode errors do. */
export class CodecBuildError extends Error {
  override name = "CodecBuildError";

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      path ? `Invalid message schema at ${path}: ${reason}` : `Invalid message schema: ${reason}`,
    );
  }
}
