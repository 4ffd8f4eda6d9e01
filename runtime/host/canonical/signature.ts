// Which methods the canonical-ABI fast path covers, decided once per method at load: requests
// and responses that are records of plain numbers and booleans (proto3 implicit scalars). Their
// flat core signature is the context's headers (pointer, length) then one value per field;
// anything else — strings, lists, options, variants, nested records — stays on jco's path.

/** A WIT primitive a covered record field can have. */
export type FlatType = "f32" | "f64" | "s32" | "u32" | "s64" | "u64" | "bool";

export interface FlatField {
  /** The record key jco uses (the codec's `key`). */
  key: string;
  type: FlatType;
}

/** The canonical ABI's MAX_FLAT_PARAMS: past it, parameters travel through memory. */
const MAX_FLAT_PARAMS = 16;
/** The context record flattens to its headers list: (pointer, length). */
const CONTEXT_FLAT = 2;

/** Protobuf scalar types (the metadata's names) and the WIT type their field has. */
const flatTypes: Readonly<Record<string, FlatType>> = {
  FLOAT: "f32",
  DOUBLE: "f64",
  INT32: "s32",
  SINT32: "s32",
  SFIXED32: "s32",
  UINT32: "u32",
  FIXED32: "u32",
  INT64: "s64",
  SINT64: "s64",
  SFIXED64: "s64",
  UINT64: "u64",
  FIXED64: "u64",
  BOOL: "bool",
};

/** A message plan field, as much of it as the decision reads. */
export interface PlannedField {
  kind: string;
  key: string;
  type?: string;
  presence?: string;
}

/** The fields of a record the fast path covers, or why it does not. */
export function flatRecord(fields: readonly PlannedField[]): FlatField[] | string {
  if (fields.length === 0) return "an empty message";
  const flat: FlatField[] = [];
  for (const field of fields) {
    const type = field.kind === "scalar" ? flatTypes[field.type ?? ""] : undefined;
    if (type === undefined || field.presence !== "IMPLICIT") {
      return `field ${field.key} (${field.kind} ${field.type ?? ""} ${field.presence ?? ""})`;
    }
    flat.push({ key: field.key, type });
  }
  return flat;
}

export interface FlatSignature {
  request: FlatField[];
  response: FlatField[];
}

/** The method's flat signature, or why the fast path does not cover it. */
export function flatSignature(
  request: readonly PlannedField[],
  response: readonly PlannedField[],
): FlatSignature | string {
  const lowered = flatRecord(request);
  if (typeof lowered === "string") return `request: ${lowered}`;
  if (CONTEXT_FLAT + lowered.length > MAX_FLAT_PARAMS) {
    return `request: ${lowered.length} fields flatten past ${MAX_FLAT_PARAMS} parameters`;
  }
  const lifted = flatRecord(response);
  if (typeof lifted === "string") return `response: ${lifted}`;
  return { request: lowered, response: lifted };
}

/** The core function's parameter count for a signature. */
export function flatParamCount(signature: FlatSignature): number {
  return CONTEXT_FLAT + signature.request.length;
}
