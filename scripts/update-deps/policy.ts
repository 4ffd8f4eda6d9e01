// Which newer version a pin may move to. "compatible": same major (same minor below 1.0), as a
// caret range; "patch": same minor, for the Kubernetes-side pins that must stay in step.
export type Policy = "compatible" | "patch";

interface Parsed {
  readonly prefix: string;
  readonly parts: readonly [number, number, number];
}

function parse(version: string): Parsed | undefined {
  const match = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (match === null) return undefined;
  return {
    prefix: match[1] as string,
    parts: [Number(match[2]), Number(match[3]), Number(match[4])],
  };
}

function compare(a: Parsed, b: Parsed): number {
  for (let i = 0; i < 3; i++) {
    const diff = (a.parts[i] as number) - (b.parts[i] as number);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The newest stable version of `available` the policy allows above `current`, if any. */
export function newestAllowed(
  current: string,
  available: readonly string[],
  policy: Policy,
): string | undefined {
  const base = parse(current);
  if (base === undefined) return undefined;
  const [major, minor] = base.parts;
  let best: Parsed | undefined;
  let bestText: string | undefined;
  for (const text of available) {
    const candidate = parse(text);
    if (candidate === undefined || candidate.prefix !== base.prefix) continue;
    const [cMajor, cMinor] = candidate.parts;
    const sameLine =
      policy === "patch" || major === 0 ? cMajor === major && cMinor === minor : cMajor === major;
    if (!sameLine || compare(candidate, base) <= 0) continue;
    if (best === undefined || compare(candidate, best) > 0) {
      best = candidate;
      bestText = text;
    }
  }
  return bestText;
}
