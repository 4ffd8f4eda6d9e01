// The Metadata model (which services an image serves, and each method's message shapes) and its
// binary form, `work.runtime.Metadata` (ref §4.1).
export { decodeMetadata, MetadataError } from "./decode.ts";
export { encodeMetadata } from "./encode.ts";
export {
  type Coding,
  CompoundCoding,
  type CompoundCodingName,
  type Field,
  GrpcArity,
  type GrpcMethod,
  type GrpcService,
  MAX_FIELD_NESTING,
  type Metadata,
  ScalarCoding,
  type ScalarCodingName,
  type ScalarKind,
  type ScalarType,
  scalarCodingParts,
} from "./model.ts";
