// Named points in the middle of pod transitions where vimanad can be made to die, for the tests
// that prove recovery (runtime/tests/recovery-crash.test.ts). Real, not simulated: with
// VIMANAD_CRASH_AT=<point> in its environment vimanad kills itself with SIGKILL on reaching that
// point, exactly as a crash would leave it. Unset (always, outside those tests) it costs one
// comparison. docs/vimanad.md lists the points.
const armed = process.env.VIMANAD_CRASH_AT;

export const crashPoints = [
  /** RunPodSandbox: the pod's record is written, its address not yet allocated. */
  "run-sandbox:before-allocate",
  /** RunPodSandbox: the address is allocated, the record does not hold it yet. */
  "run-sandbox:allocated",
  /** CreateContainer: the record says Created, the component is still loading. */
  "create-container:persisted",
  /** StartContainer: the pod serves, the record does not say Running yet. */
  "start-container:serving",
  /** StopContainer: the pod no longer serves, the record still says Running. */
  "stop-container:stopped-serving",
  /** RemovePodSandbox: the address is released, the record is not deleted yet. */
  "remove-sandbox:released",
  /** Takeover, the old process: its sockets are named to the new one, which is not ready yet. */
  "takeover:quiesced",
  /** Takeover, the old process: the new one has said it serves; "draining" is not sent yet. */
  "takeover:ready",
] as const;

export type CrashPoint = (typeof crashPoints)[number];

export function crashPoint(point: CrashPoint): void {
  if (armed !== point) return;
  process.stderr.write(`vimanad: VIMANAD_CRASH_AT=${point}: killing myself\n`);
  process.kill(process.pid, "SIGKILL");
}
