import { componentName, type PodName, parseDomainUuid, podName } from "../../../src/names/index.ts";

const component = componentName(
  parseDomainUuid("1234567890abcdef0f9ed8c7654b32a1"),
  "adder",
  "1.0.0",
);

/** Pod number `id` of one test component. */
export function testPod(id: number): PodName {
  return podName(component, BigInt(id));
}
