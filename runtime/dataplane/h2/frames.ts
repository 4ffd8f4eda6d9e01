// Serializing frames (RFC 9113 §4.1): a 9-byte header and the payload, in one buffer.
import { FRAME_HEADER_BYTES, FrameType } from "./constants.ts";

/** Writes a frame header at `offset` of `into`. */
export function writeFrameHeader(
  into: Uint8Array,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  into[offset] = length >>> 16;
  into[offset + 1] = (length >>> 8) & 0xff;
  into[offset + 2] = length & 0xff;
  into[offset + 3] = type;
  into[offset + 4] = flags;
  into[offset + 5] = (streamId >>> 24) & 0x7f;
  into[offset + 6] = (streamId >>> 16) & 0xff;
  into[offset + 7] = (streamId >>> 8) & 0xff;
  into[offset + 8] = streamId & 0xff;
}

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = EMPTY,
): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

const EMPTY = new Uint8Array(0);

function uint32Frame(type: number, streamId: number, value: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, type, 0, streamId);
  out.writeUInt32BE(value >>> 0, FRAME_HEADER_BYTES);
  return out;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  return uint32Frame(FrameType.WINDOW_UPDATE, streamId, increment);
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  return uint32Frame(FrameType.RST_STREAM, streamId, code);
}

export function goAwayFrame(lastStreamId: number, code: number, debug = ""): Buffer {
  const text = Buffer.from(debug, "utf8");
  const payload = Buffer.allocUnsafe(8 + text.length);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code, 4);
  payload.set(text, 8);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** A SETTINGS frame with `[identifier, value]` pairs. */
export function settingsFrame(settings: readonly (readonly [number, number])[]): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}
