import { describe, expect, test } from "bun:test";
import { staleCrdFiles } from "../crds.ts";
import { componentKind, customResourceDefinition, kinds } from "./index.ts";

describe("CRDs", () => {
  test("the committed YAML matches src/operator/api (else run `bun run operator crds`)", async () => {
    expect(await staleCrdFiles()).toEqual([]);
  });

  test("every kind is namespaced, has a status subresource and a short name", () => {
    for (const kind of kinds) {
      const crd = customResourceDefinition(kind) as {
        spec: {
          scope: string;
          versions: { subresources: unknown }[];
          names: { shortNames: string[] };
        };
      };
      expect(crd.spec.scope).toBe("Namespaced");
      expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
      expect(crd.spec.names.shortNames.length).toBeGreaterThan(0);
    }
  });

  test("kubectl get components shows domain, server, version, image, Available, age", () => {
    expect(componentKind.printerColumns.map((c) => c.name)).toEqual([
      "Domain",
      "Server",
      "Version",
      "Image",
      "Available",
      "Age",
    ]);
  });
});
