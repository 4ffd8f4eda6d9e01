// The compiler: `.proto` services → the WIT world a developer implements and the Metadata
// vimanad serves it with (ref §4, §8). docs/compiler.md describes the mapping.
export type { ProtoInputs } from "./buf.ts";
export { type Compilation, compileProtos } from "./compile.ts";
export { CompileError, formatProblem, type Problem, type SourceLocation } from "./errors.ts";
export type { Schema } from "./model.ts";
export { kebab, witPackageName } from "./names.ts";
export { METADATA_FILE, writeCompilation } from "./output.ts";
export { PLACEHOLDER_FIELD } from "./schema.ts";
export { describeCompilation } from "./summary.ts";
