import { GrpcError, Status } from "./status.ts";

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const unitMs: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/**
 * Milliseconds from a `grpc-timeout` header: 1 to 8 digits and a unit (H, M, S, m, u, n). A
 * malformed one is INTERNAL, as grpc-go answers it (internal/transport: "malformed grpc-timeout").
 */
export function parseGrpcTimeout(value: string): number {
  const match = TIMEOUT.exec(value);
  if (!match)
    throw new GrpcError(Status.INTERNAL, `malformed grpc-timeout: ${JSON.stringify(value)}`);
  return Number(match[1]) * (unitMs[match[2] as string] as number);
}
