import { expect, test } from "bun:test";
import { isSubset } from "./subset.ts";

test("fields the API server defaults do not count as differences", () => {
  const desired = { ports: [{ port: 80, appProtocol: "kubernetes.io/h2c" }], selector: { a: "1" } };
  const live = {
    ports: [{ port: 80, appProtocol: "kubernetes.io/h2c", protocol: "TCP", targetPort: 80 }],
    selector: { a: "1" },
    type: "ClusterIP",
  };
  expect(isSubset(desired, live)).toBe(true);
  expect(isSubset({ ...desired, selector: { a: "2" } }, live)).toBe(false);
  expect(isSubset({ ports: [] }, live)).toBe(false);
});
