// The canonical-ABI fast path: calls a method's core export directly (lowering and lifting per
// the canonical ABI, generated per method) instead of through jco's glue; decided once per
// method at load.
export {
  type CoreExports,
  compileDirectCall,
  type DirectCall,
  directCallSource,
} from "./call.ts";
export { type CanonicalSignature, canonicalSignature, coreParamCount } from "./signature.ts";
