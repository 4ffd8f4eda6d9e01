/** A place in a `.proto` file, as editors count: lines and columns from 1. */
export interface SourceLocation {
  /** The file's path as the user named it (or as found through `-I`). */
  file: string;
  line: number;
  column: number;
}

/** One reason a compilation failed. */
export interface Problem {
  /** Absent when the problem is not about a place in a file (a missing file, bad options). */
  location?: SourceLocation;
  message: string;
}

export function formatProblem({ location, message }: Problem): string {
  return location ? `${location.file}:${location.line}:${location.column}: ${message}` : message;
}

/** The `.proto` files cannot be compiled: every problem found, each naming its place. */
export class CompileError extends Error {
  override name = "CompileError";

  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join("\n"));
  }
}

/** Problems in file order; those about no place in a file first. */
export function byLocation(a: Problem, b: Problem): number {
  const x = a.location;
  const y = b.location;
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  if (x.file !== y.file) return x.file < y.file ? -1 : 1;
  return x.line - y.line || x.column - y.column;
}
