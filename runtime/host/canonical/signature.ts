// Which methods the canonical-ABI fast path covers, decided once per method at load: every
// request and response src/compiler emits (records of numbers, bools, strings, lists, options,
// enums, variants, nested records and maps). How the core function takes them follows from
// their flattening: up to 16 flat parameters travel as such, more in memory (one pointer); a
// response of one flat value comes back as such, a larger one in memory (the result points at it).
import type { MessagePlan } from "../../../src/codec/index.ts";
import { flatten, type RecordType, recordType, type WitType } from "./types.ts";

/** The canonical ABI's MAX_FLAT_PARAMS and MAX_FLAT_RESULTS. */
const MAX_FLAT_PARAMS = 16;
const MAX_FLAT_RESULTS = 1;

/** `vimana:grpc/imports.context`: its headers, `list<tuple<string, string>>`. */
export const headersType: WitType = {
  kind: "list",
  element: { kind: "tuple", items: [{ kind: "string" }, { kind: "string" }] },
};

export interface CanonicalSignature {
  request: RecordType;
  response: RecordType;
  /** More than 16 flat parameters: the (context, request) tuple is lowered into memory. */
  paramsInMemory: boolean;
  /** The response is one flat value, the core function's result itself. */
  flatResult: boolean;
}

/** The method's signature, or why the fast path does not cover it. */
export function canonicalSignature(
  request: MessagePlan,
  response: MessagePlan,
): CanonicalSignature | string {
  // The compiler gives a message without fields a placeholder; Metadata from elsewhere may not.
  if (request.fields.length === 0) return "request: a record without fields";
  if (response.fields.length === 0) return "response: a record without fields";
  const requestType = recordType(request);
  const responseType = recordType(response);
  const params = flatten(headersType).length + flatten(requestType).length;
  return {
    request: requestType,
    response: responseType,
    paramsInMemory: params > MAX_FLAT_PARAMS,
    flatResult: flatten(responseType).length <= MAX_FLAT_RESULTS,
  };
}

/** How many parameters the core function takes. */
export function coreParamCount(signature: CanonicalSignature): number {
  if (signature.paramsInMemory) return 1;
  return flatten(headersType).length + flatten(signature.request).length;
}
