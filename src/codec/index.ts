// Protobuf wire bytes ⇄ component values (ref §4.2–4.4), compiled once per message Field into
// generated JavaScript; and the same values ⇄ protobuf JSON (json.ts). Value shapes: values.ts.
export { compileDecoder, type Decoder } from "./decoder.ts";
export { compileEncoder, type Encoder } from "./encoder.ts";
export { CodecBuildError, DecodeError, EncodeError } from "./errors.ts";
export {
  compileJsonCodec,
  type JsonCodec,
  JsonDecodeError,
  JsonEncodeError,
  type JsonObject,
  type JsonValue,
} from "./json.ts";
export { compileMethodCodec, type MethodCodec } from "./method.ts";
export { type FieldPlan, type MessagePlan, planMessage } from "./plan.ts";
export type { ComponentRecord, ComponentValue, ComponentVariant } from "./values.ts";
