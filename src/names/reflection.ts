// The gRPC reflection policy a Domain sets (`spec.grpc.reflection`) and the pod annotation that
// carries it from the operator to vimanad: one grammar on both sides.

/** The pod annotation that carries a Domain's reflection policy to vimanad. */
export const REFLECTION_ANNOTATION = "vimana.host/grpc-reflection";

/**
 * Which services reflection describes: `noneBut` only those, `allBut` all others; neither, all.
 */
export interface ReflectionPolicy {
  noneBut?: readonly string[];
  allBut?: readonly string[];
}

/**
 * The annotation's value: `all`, `none`, `noneBut:a.B,c.D` or `allBut:a.B`. Throws with the
 * value on anything else.
 */
export function parseReflectionPolicy(value: string): ReflectionPolicy {
  const text = value.trim();
  if (text === "all") return {};
  if (text === "none") return { noneBut: [] };
  const match = /^(noneBut|allBut):(.*)$/.exec(text);
  if (!match) {
    throw new Error(
      `${REFLECTION_ANNOTATION}: expected all, none, noneBut:SERVICES or allBut:SERVICES, not ${JSON.stringify(value)}`,
    );
  }
  const services = (match[2] as string)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return match[1] === "noneBut" ? { noneBut: services } : { allBut: services };
}

/** The annotation value for a policy; `noneBut` wins when a Domain sets both, as in `reflects`. */
export function formatReflectionPolicy(policy: ReflectionPolicy): string {
  if (policy.noneBut !== undefined) {
    return policy.noneBut.length === 0 ? "none" : `noneBut:${policy.noneBut.join(",")}`;
  }
  if (policy.allBut !== undefined && policy.allBut.length > 0) {
    return `allBut:${policy.allBut.join(",")}`;
  }
  return "all";
}
