import { expect, test } from "bun:test";
import { join } from "node:path";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { compileProtos } from "../../src/compiler/index.ts";
import { descriptorFiles } from "./descriptors.ts";

const kitchenSink = join(import.meta.dir, "../../examples/kitchen-sink");

test("descriptors rebuilt from the kitchen sink's Metadata resolve and name every method", async () => {
  const { metadata } = await compileProtos({
    files: [join(kitchenSink, "kitchen-sink.proto")],
    includeDirs: [kitchenSink],
  });
  const files = descriptorFiles(metadata.services);
  // createFileRegistry resolves every type name and checks proto3's rules: it throws otherwise.
  const registry = createFileRegistry(
    create(FileDescriptorSetSchema, {
      file: files.map((file) => fromBinary(FileDescriptorProtoSchema, file.bytes)),
    }),
  );
  for (const service of metadata.services) {
    const described = registry.getService(service.name);
    expect(described?.methods.map((m) => m.name).sort()).toEqual(
      [...service.methods.keys()].sort(),
    );
    for (const symbol of files.flatMap((file) => file.symbols)) {
      expect(symbol.startsWith(".")).toBe(false);
    }
  }
});
