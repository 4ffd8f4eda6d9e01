// The canonical-ABI fast path: calls a covered method's core export directly (lowering and
// lifting per the canonical ABI) instead of through jco's glue; decided once per method at load.
export { type CoreExports, compileDirectCall, type DirectCall } from "./call.ts";
export {
  type FlatField,
  type FlatSignature,
  type FlatType,
  flatParamCount,
  flatSignature,
  type PlannedField,
} from "./signature.ts";
