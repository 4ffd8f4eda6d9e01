/** Why a call did not return a value. The data plane maps each kind to a gRPC status. */
export type FailureKind =
  /** A wasm trap: `unreachable`, an out-of-bounds access, a stack overflow… */
  | "trap"
  /** An exception that is not a trap, e.g. a request value of the wrong shape. */
  | "error"
  /** The component has no top-level function export of that name. */
  | "missing-export"
  /** No instance could be created for the call. */
  | "instantiation"
  /** The call used up its fuel (CPU budget). */
  | "budget"
  /** The call trapped after memory growth was refused at the cap. */
  | "memory"
  /** The component called `wasi:cli/exit`: that ends the call, never the host. */
  | "exit"
  /** The component asked the sandbox for something it does not allow, such as blocking. */
  | "denied";

/**
 * The status message for each kind: ref §5.2's messages where the original had one, so clients
 * see the same text as before.
 */
export const failureSummaries: Readonly<Record<FailureKind, string>> = {
  trap: "Function invocation error",
  error: "Function invocation error",
  "missing-export": "Function selection error",
  instantiation: "Module instantiation error",
  budget: "CPU budget exhausted",
  memory: "Memory limit exceeded",
  exit: "Component exited",
  denied: "Operation not permitted by the sandbox",
};

/** Where a call failed. */
export interface CallSite {
  pod: string;
  component: string;
  exportName: string;
}

/** A call that did not return a value; the host keeps serving. */
export class CallFailure extends Error {
  override readonly name = "CallFailure";
  /** The status message for clients (ref §5.2); `message` has the details for logs. */
  readonly summary: string;

  constructor(
    readonly kind: FailureKind,
    readonly site: CallSite,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `pod ${site.pod}, component ${site.component}, ${site.exportName}: ${failureSummaries[kind]}: ${detail}`,
      options,
    );
    this.summary = failureSummaries[kind];
  }
}

/** A component that cannot be loaded or prepared for a pod. */
export class LoadError extends Error {
  override readonly name = "LoadError";
}

/** Thrown by `wasi:cli/exit`: unwinds the component to the host, ending the call. */
export class ComponentExit extends Error {
  override readonly name = "ComponentExit";

  constructor(readonly code: number) {
    super(`the component called exit with status ${code}`);
  }
}

/** Thrown by an import the sandbox refuses, ending the call. */
export class SandboxDenied extends Error {
  override readonly name = "SandboxDenied";
}
