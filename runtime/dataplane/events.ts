import type { StatusName } from "./status.ts";

/** What a pod's data plane reports: one line per request, and what went wrong. */
export type DataPlaneEvent =
  | {
      kind: "request";
      pod: string;
      protocol: "grpc" | "http";
      /** `/<package.Service>/<Method>` */
      path: string;
      status: StatusName;
      ms: number;
    }
  /** Something the client should know but that did not fail the call (dropped metadata). */
  | { kind: "warning"; pod: string; message: string }
  /** A call the component or the server failed, with the details the client does not see. */
  | { kind: "error"; pod: string; message: string; error?: unknown };

/** Called synchronously on the request path: it must not block. */
export type DataPlaneLog = (event: DataPlaneEvent) => void;
