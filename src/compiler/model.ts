// What a compilation found: the WIT types and world a developer implements, each method's
// Metadata, all named as in WIT. schema.ts builds it from descriptors; wit.ts prints it.
import type { Field, GrpcMethod, Metadata } from "../metadata/index.ts";

export type Primitive = "bool" | "u8" | "s32" | "u32" | "s64" | "u64" | "f32" | "f64" | "string";

/** A WIT type expression. */
export type WitType =
  | { kind: "primitive"; name: Primitive }
  | { kind: "list"; of: WitType }
  | { kind: "option"; of: WitType }
  | { kind: "tuple"; of: readonly [WitType, WitType] }
  | { kind: "named"; def: TypeDef };

interface Definition {
  /** The WIT name, unescaped: `inner-message-a-container-empty-message`. */
  name: string;
  /** The WIT package the type lives in, in its interface `types`. */
  pkg: WitPackage;
  /** What it comes from, for messages: `foo.bar.Message`, `foo.bar.Message.oneof_name`. */
  protoName: string;
}

export interface Labelled {
  name: string;
  type: WitType;
}

export interface RecordDef extends Definition {
  kind: "record";
  fields: (Labelled & { comment?: string })[];
}

/** A oneof: one case per member field, each with its payload. */
export interface VariantDef extends Definition {
  kind: "variant";
  cases: Labelled[];
}

export interface EnumDef extends Definition {
  kind: "enum";
  cases: string[];
}

export type TypeDef = RecordDef | VariantDef | EnumDef;

export interface WitPackage {
  /** `foo:bar-baz`, unescaped. */
  name: string;
  protoPackage: string;
  /** In definition order: each after the types it refers to. */
  types: TypeDef[];
}

export interface Method {
  /** The proto method name, the Metadata key: `AddFloats`. */
  protoName: string;
  /** The world's export: `add-floats`. */
  function: string;
  request: RecordDef;
  response: RecordDef;
  /** How vimanad serves it. */
  metadata: GrpcMethod;
}

export interface Service {
  /** Fully qualified: `foo.bar.AdderService`. */
  protoName: string;
  methods: Method[];
}

export interface Schema {
  /** The proto names of the files compiled, in the order given. */
  files: string[];
  /** The package of the files compiled; the world and its `types` live there. */
  main: WitPackage;
  /** Packages of imported types (`google:protobuf`), by name. */
  others: WitPackage[];
  world: string;
  services: Service[];
  metadata: Metadata;
}

/** A message's record, and its fields as Metadata `subfields`, in the same order. */
export interface MessageShape {
  record: RecordDef;
  subfields: Field[];
}

/** The types a definition's fields or cases name. */
export function referencedDefs(def: TypeDef): TypeDef[] {
  const found: TypeDef[] = [];
  const walk = (type: WitType): void => {
    switch (type.kind) {
      case "named":
        found.push(type.def);
        break;
      case "list":
      case "option":
        walk(type.of);
        break;
      case "tuple":
        for (const item of type.of) walk(item);
        break;
      case "primitive":
        break;
    }
  };
  if (def.kind === "record") for (const field of def.fields) walk(field.type);
  if (def.kind === "variant") for (const c of def.cases) walk(c.type);
  return found;
}
