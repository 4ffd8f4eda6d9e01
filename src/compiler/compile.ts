// .proto files → the WIT world and the Metadata, checked to be servable.
import { CodecBuildError, compileMethodCodec } from "../codec/index.ts";
import type { Metadata } from "../metadata/index.ts";
import { buildDescriptors, type ProtoInputs } from "./buf.ts";
import { CompileError } from "./errors.ts";
import type { Schema } from "./model.ts";
import { buildSchema } from "./schema.ts";
import { renderWit, type WitOptions } from "./wit.ts";

export interface Compilation {
  schema: Schema;
  /** Where the WIT goes: `<proto package>.wit`, e.g. `foo.bar.wit`. */
  witFileName: string;
  wit: string;
  metadata: Metadata;
}

/** Compiles `.proto` files; throws a `CompileError` naming every problem found. */
export async function compileProtos(
  inputs: ProtoInputs,
  options: WitOptions = {},
): Promise<Compilation> {
  const schema = buildSchema(await buildDescriptors(inputs));
  checkServable(schema.metadata);
  return {
    schema,
    witFileName: `${schema.main.protoPackage}.wit`,
    wit: renderWit(schema, options),
    metadata: schema.metadata,
  };
}

/**
 * Compiles every method's codec as vimanad will when a pod starts: Metadata the compiler writes
 * must never be refused there. A failure here is a compiler bug, reported as such.
 */
function checkServable(metadata: Metadata): void {
  for (const service of metadata.services) {
    for (const [name, method] of service.methods) {
      try {
        compileMethodCodec(method);
      } catch (error) {
        if (!(error instanceof CodecBuildError)) throw error;
        throw new CompileError([
          {
            message: `internal error: vimanad could not serve ${service.name}/${name} from the Metadata compiled for it: ${error.message}`,
          },
        ]);
      }
    }
  }
}
