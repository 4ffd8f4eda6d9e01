// Whether every field the operator sets already has that value on the live object: the API
// server adds defaults, so "equal" would see a difference on every object it stored.

export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== "object") return desired === live;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, index) => isSubset(item, live[index]))
    );
  }
  if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
  const record = live as Record<string, unknown>;
  return Object.entries(desired).every(
    ([key, value]) => value === undefined || isSubset(value, record[key]),
  );
}
