import type { GrpcMethod } from "../metadata/index.ts";
import { compileDecoder, type Decoder } from "./decoder.ts";
import { compileEncoder, type Encoder } from "./encoder.ts";
import { CodecBuildError } from "./errors.ts";

/** What serving one method needs: its request decoded, its response encoded. */
export interface MethodCodec {
  decodeRequest: Decoder;
  encodeResponse: Encoder;
}

/** Compiles a method's codec once, when its pod starts (ref §5.1). */
export function compileMethodCodec(method: GrpcMethod): MethodCodec {
  if (!method.request) throw new CodecBuildError("", "Metadata missing request");
  if (!method.response) throw new CodecBuildError("", "Metadata missing response");
  return {
    decodeRequest: compileDecoder(method.request),
    encodeResponse: compileEncoder(method.response),
  };
}
