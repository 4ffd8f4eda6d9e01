import { type ComponentName, componentName, formatComponentName } from "./component.ts";
import { parseDomainUuid } from "./domain.ts";
import { NameError } from "./errors.ts";
import { parseName } from "./grammar.ts";

/** A pod's number, unique per vimanad process: an unsigned 64-bit integer. */
export type PodId = bigint;

/** `domain:server@version#podId`: one running instance of a component. */
export interface PodName extends ComponentName {
  readonly id: PodId;
}

const MAX_POD_ID = 0xffff_ffff_ffff_ffffn;
// What Rust's `usize::from_str_radix(_, 16)` accepts: an optional `+`, digits of either case.
// Leading zeros are fine as long as the value fits in 64 bits.
const POD_ID = /^\+?[0-9A-Fa-f]+$/;

export function parsePodId(text: string): PodId {
  if (POD_ID.test(text)) {
    const id = BigInt(`0x${text.replace("+", "")}`);
    if (id <= MAX_POD_ID) {
      return id;
    }
  }
  throw new NameError("Invalid pod ID");
}

/** Lowercase hex without padding. */
export function formatPodId(id: PodId): string {
  return id.toString(16);
}

export function podName(component: ComponentName, id: PodId): PodName {
  if (id < 0n || id > MAX_POD_ID) {
    throw new NameError("Invalid pod ID");
  }
  return { ...component, id };
}

/** Parses `domain:server@version#podId`; every part is required. */
export function parsePodName(full: string): PodName {
  const { domain, server, version, pod } = parseName(full);
  if (domain === undefined || version === undefined || pod === undefined) {
    // The original quotes the name without escaping anything.
    throw new NameError(`Invalid pod name: "${full}"`);
  }
  return podName(componentName(parseDomainUuid(domain), server, version), parsePodId(pod));
}

export function formatPodName(name: PodName): string {
  return `${formatComponentName(name)}#${formatPodId(name.id)}`;
}
