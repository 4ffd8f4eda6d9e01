// The `Available` condition, set as apimachinery's meta.SetStatusCondition does: the transition
// time moves only when the status changes.
import type { Condition } from "../api/index.ts";

export const AVAILABLE = "Available";

export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now = new Date(),
): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    existing && existing.status === next.status
      ? existing.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const updated: Condition = { ...next, lastTransitionTime };
  return existing
    ? conditions.map((c) => (c.type === next.type ? updated : c))
    : [...conditions, updated];
}

export function findCondition(conditions: Condition[] | undefined, type: string) {
  return conditions?.find((c) => c.type === type);
}
