// Descriptors → Schema: the WIT types, world and Metadata of the services in the files compiled.
// Only what the services reach is compiled, so an unsupported construct elsewhere in a file
// does no harm. Every problem found is collected, each naming the file, line and construct.
import {
  createFileRegistry,
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescMethod,
  type DescOneof,
  type DescService,
  type FileRegistry,
} from "@bufbuild/protobuf";
import {
  Edition,
  FeatureSet_FieldPresence,
  FieldDescriptorProto_Type,
} from "@bufbuild/protobuf/wkt";
import { type Field, GrpcArity, MAX_FIELD_NESTING, ScalarCoding } from "../metadata/index.ts";
import type { Descriptors } from "./buf.ts";
import {
  compoundField,
  depth,
  list,
  named,
  option,
  packable,
  primitive,
  scalarCoding,
  scalarField,
  scalarType,
} from "./codings.ts";
import { byLocation, CompileError, type Problem } from "./errors.ts";
import {
  type EnumDef,
  type Labelled,
  type MessageShape,
  type Method,
  type RecordDef,
  referencedDefs,
  type Schema,
  type Service,
  type TypeDef,
  type VariantDef,
  type WitPackage,
  type WitType,
} from "./model.ts";
import { kebab, witPackageName } from "./names.ts";
import { FIELD_LABEL, type Locatable, Locator } from "./source.ts";

/**
 * A component-model record needs a field, so a message without fields gets this one. Its number
 * is in the range protobuf reserves for itself (19000–19999), which no `.proto` may declare: it
 * never meets a real field, a client never sends it, and `false` is never sent back.
 */
export const PLACEHOLDER_FIELD = { number: 19000, name: "unused" } as const;

/** A record field (or variant case) and the Metadata Field that decodes into it. */
interface Built {
  wit: Labelled;
  meta: Field;
}

export function buildSchema(descriptors: Descriptors): Schema {
  return new SchemaBuilder(descriptors).build();
}

class SchemaBuilder {
  readonly #registry: FileRegistry;
  readonly #targets: string[];
  readonly #locator: Locator;
  readonly #problems: Problem[] = [];
  /** By proto package. */
  readonly #packages = new Map<string, WitPackage>();
  /** Which proto name holds each WIT type name, per package. */
  readonly #typeNames = new Map<WitPackage, Map<string, string>>();
  /** Undefined while the message's fields are being built: meeting it then is recursion. */
  readonly #messages = new Map<DescMessage, MessageShape | undefined>();
  readonly #enums = new Map<DescEnum, { def: EnumDef; cases: Field[] }>();
  /** Message-typed fields being descended into, outermost first, to describe recursion. */
  readonly #descent: DescField[] = [];
  readonly #reportedFiles = new Set<DescFile>();

  constructor({ set, targets, displayPath }: Descriptors) {
    this.#registry = createFileRegistry(set);
    this.#targets = targets;
    this.#locator = new Locator(displayPath);
  }

  build(): Schema {
    const files = this.#targets.map((name) => {
      const file = this.#registry.getFile(name);
      if (!file) throw new Error(`buf returned no descriptor for ${name}`);
      return file;
    });
    for (const file of files) this.#checkFile(file);
    const main = this.#mainPackage(files);
    const descs = files.flatMap((file) => file.services);
    if (descs.length === 0) {
      this.#problems.push({
        message: `no service in ${files.map((f) => this.#locator.fileOf(f)).join(", ")}: nothing to serve`,
      });
    }
    const services = this.#services(descs);
    // One service names the world after itself; several share one world, as one component.
    const [only, ...more] = descs;
    const world = only && more.length === 0 ? this.#label(only.name, only, "service") : "server";
    this.#checkExtensions();
    this.#checkPackageCycles(main, services);
    if (this.#problems.length > 0 || world === undefined) {
      throw new CompileError(this.#problems.toSorted(byLocation));
    }
    const others = [...this.#packages.values()]
      .filter((pkg) => pkg !== main)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      files: this.#targets,
      main,
      others,
      world,
      services,
      metadata: {
        services: services.map((service) => ({
          name: service.protoName,
          methods: new Map(service.methods.map((m) => [m.protoName, m.metadata])),
        })),
      },
    };
  }

  #problem(at: Locatable | undefined, message: string, ...within: number[]): void {
    this.#problems.push({ location: at && this.#locator.locate(at, ...within), message });
  }

  /**
   * Refuses editions, whose features could give any field any encoding, and files without a
   * package, whose services and types would have no names to serve or use.
   */
  #checkFile(file: DescFile): void {
    if (this.#reportedFiles.has(file)) return;
    if (file.proto.syntax === "editions") {
      this.#reportedFiles.add(file);
      this.#problem(
        file,
        `editions are not supported (${Edition[file.proto.edition] ?? "edition"}): declare syntax = "proto3" or "proto2"`,
      );
    } else if (file.proto.package === "") {
      this.#reportedFiles.add(file);
      this.#problem(
        file,
        `${file.proto.name} declares no package: give it one (\`package acme.billing;\`), which names its services and its WIT package`,
      );
    }
  }

  #mainPackage(files: DescFile[]): WitPackage {
    const [first, ...rest] = files;
    if (!first) throw new CompileError([{ message: "no .proto files to compile" }]);
    for (const file of rest) {
      if (file.proto.package !== first.proto.package) {
        this.#problem(
          file,
          `conflicting packages: ${file.proto.name} is in package "${file.proto.package}", ${first.proto.name} in "${first.proto.package}"; compile one package at a time`,
        );
      }
    }
    return this.#package(first);
  }

  #package(file: DescFile): WitPackage {
    const protoPackage = file.proto.package;
    let pkg = this.#packages.get(protoPackage);
    if (pkg) return pkg;
    let name = witPackageName(protoPackage);
    if (name === undefined) {
      if (protoPackage !== "") {
        this.#problem(file, `package "${protoPackage}" has a part with no WIT name`);
      }
      name = "proto:unnamed";
    }
    const clash = [...this.#packages.values()].find((other) => other.name === name);
    if (clash) {
      this.#problem(
        file,
        `packages "${clash.protoPackage}" and "${protoPackage}" both become WIT package ${name}: rename one`,
      );
    }
    pkg = { name, protoPackage, types: [] };
    this.#packages.set(protoPackage, pkg);
    this.#typeNames.set(pkg, new Map());
    return pkg;
  }

  #services(descs: DescService[]): Service[] {
    const functions = new Map<string, string>();
    return descs.map((desc) => ({
      protoName: desc.typeName,
      methods: desc.methods.flatMap((method) => this.#method(method, functions) ?? []),
    }));
  }

  #method(method: DescMethod, functions: Map<string, string>): Method | undefined {
    const qualified = `${method.parent.typeName}/${method.name}`;
    if (method.methodKind !== "unary") {
      this.#problem(
        method,
        `streaming method ${qualified} (${method.methodKind.replace("_", " ")}) is not supported: vimanad serves unary methods`,
      );
      return undefined;
    }
    const name = this.#label(method.name, method, "method");
    if (name === undefined) return undefined;
    const taken = functions.get(name);
    if (taken) {
      this.#problem(
        method,
        `methods ${taken} and ${qualified} both become export ${name}: rename one`,
      );
    }
    functions.set(name, qualified);
    const request = this.#message(method.input);
    const response = this.#message(method.output);
    if (!request || !response) return undefined;
    for (const [role, shape] of [
      ["request", request],
      ["response", response],
    ] as const) {
      const levels = depth(shape.subfields);
      if (levels > MAX_FIELD_NESTING) {
        this.#problem(
          method,
          `the ${role} of ${qualified} nests ${levels} levels deep; vimanad decodes at most ${MAX_FIELD_NESTING}`,
        );
      }
    }
    // A whole request or response message: only its subfields matter (ref §4.1).
    const message = (shape: MessageShape): Field => ({
      number: 0,
      name: "",
      subfields: shape.subfields,
    });
    return {
      protoName: method.name,
      function: name,
      request: request.record,
      response: response.record,
      metadata: {
        function: name,
        arity: GrpcArity.UNARY,
        request: message(request),
        response: message(response),
      },
    };
  }

  /** The WIT label of a proto identifier, or a problem saying there is none. */
  #label(identifier: string, at: Locatable, what: string): string | undefined {
    const label = kebab(identifier);
    if (label === undefined) {
      this.#problem(
        at,
        `${what} ${identifier} has no WIT name: a name's words must start with a letter`,
      );
    }
    return label;
  }

  #message(desc: DescMessage, via?: DescField): MessageShape | undefined {
    if (this.#messages.has(desc)) {
      const shape = this.#messages.get(desc);
      if (!shape && via) this.#recursion(desc, via);
      return shape;
    }
    this.#messages.set(desc, undefined);
    this.#checkFile(desc.file);
    const pkg = this.#package(desc.file);
    const record: RecordDef = {
      kind: "record",
      name: this.#typeName(desc),
      pkg,
      protoName: desc.typeName,
      fields: [],
    };
    const subfields: Field[] = [];
    const labels = this.#labels(`message ${desc.typeName}`);
    for (const member of desc.members) {
      const built = member.kind === "oneof" ? this.#oneof(member, record) : this.#field(member);
      if (!built) continue;
      labels.claim(built.wit.name, member);
      record.fields.push(built.wit);
      subfields.push(built.meta);
    }
    if (desc.members.length === 0) {
      record.fields.push({
        name: PLACEHOLDER_FIELD.name,
        type: primitive("bool"),
        comment: `${desc.name} has no fields, but a WIT record needs one: this one is never sent.`,
      });
      subfields.push(
        scalarField(PLACEHOLDER_FIELD.number, PLACEHOLDER_FIELD.name, ScalarCoding.BOOL_IMPLICIT),
      );
    }
    this.#define(record, desc);
    const shape = { record, subfields };
    this.#messages.set(desc, shape);
    return shape;
  }

  #recursion(desc: DescMessage, via: DescField): void {
    const start = this.#descent.findIndex((field) => field.parent === desc);
    // `via`, the field that leads back to `desc`, is the last of the descent.
    const cycle = this.#descent.slice(start).map((f) => `${f.parent.typeName}.${f.name}`);
    this.#problem(
      via,
      `message ${desc.typeName} contains itself (${cycle.join(" → ")}): recursive messages are not supported, because WIT types cannot refer to themselves and Metadata fields form a tree`,
    );
  }

  /** A message field's record: descends, noting the way for recursion errors. */
  #fieldMessage(field: DescField, desc: DescMessage): MessageShape | undefined {
    this.#descent.push(field);
    try {
      return this.#message(desc, field);
    } finally {
      this.#descent.pop();
    }
  }

  #typeName(desc: DescMessage | DescEnum): string {
    const prefix = desc.file.proto.package;
    const local = prefix ? desc.typeName.slice(prefix.length + 1) : desc.typeName;
    // Nested types are named by their path: `Outer.Inner` → `outer-inner`.
    return this.#label(local.replaceAll(".", "_"), desc, "type") ?? "unnamed";
  }

  #define(def: TypeDef, at: Locatable): void {
    const names = this.#typeNames.get(def.pkg);
    const owner = names?.get(def.name);
    if (owner !== undefined) {
      this.#problem(
        at,
        `${owner} and ${def.protoName} both become WIT type ${def.name} in ${def.pkg.name}: rename one`,
      );
    }
    names?.set(def.name, def.protoName);
    def.pkg.types.push(def);
  }

  /** Reports what the codec cannot carry: groups and `required`. */
  #unsupported(field: DescField): boolean {
    if (field.proto.type === FieldDescriptorProto_Type.GROUP) {
      this.#problem(
        field,
        `group ${field.message?.name ?? field.name} in ${field.parent.typeName} is not supported: declare a message type and a field of it`,
      );
      return true;
    }
    if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
      this.#problem(
        field,
        `required field ${field.parent.typeName}.${field.name} is not supported: make it optional`,
        FIELD_LABEL,
      );
      return true;
    }
    return false;
  }

  #field(field: DescField): Built | undefined {
    const name = this.#label(field.name, field, "field");
    if (name === undefined || this.#unsupported(field)) return undefined;
    const { number } = field;
    switch (field.fieldKind) {
      case "scalar": {
        const kind = field.presence === FeatureSet_FieldPresence.IMPLICIT ? "IMPLICIT" : "EXPLICIT";
        const type = scalarType(field.scalar);
        return {
          wit: { name, type: kind === "IMPLICIT" ? type : option(type) },
          meta: scalarField(number, name, scalarCoding(field.scalar, field.utf8Validation, kind)),
        };
      }
      case "enum": {
        const { def, cases } = this.#enum(field.enum);
        const implicit = field.presence === FeatureSet_FieldPresence.IMPLICIT;
        return {
          wit: { name, type: implicit ? named(def) : option(named(def)) },
          meta: compoundField(number, name, implicit ? "ENUM_IMPLICIT" : "ENUM_EXPLICIT", cases),
        };
      }
      case "message": {
        const shape = this.#fieldMessage(field, field.message);
        if (!shape) return undefined;
        return {
          wit: { name, type: option(named(shape.record)) },
          meta: compoundField(number, name, "MESSAGE", shape.subfields),
        };
      }
      case "list":
        return this.#list(field, name);
      case "map":
        return this.#map(field, name);
    }
  }

  #list(field: DescField & { fieldKind: "list" }, name: string): Built | undefined {
    const packing = field.packed ? "PACKED" : "EXPANDED";
    switch (field.listKind) {
      case "scalar": {
        const kind = packable(field.scalar) ? packing : "EXPANDED";
        return {
          wit: { name, type: list(scalarType(field.scalar)) },
          meta: scalarField(
            field.number,
            name,
            scalarCoding(field.scalar, field.utf8Validation, kind),
          ),
        };
      }
      case "enum": {
        const { def, cases } = this.#enum(field.enum);
        return {
          wit: { name, type: list(named(def)) },
          meta: compoundField(field.number, name, `ENUM_${packing}`, cases),
        };
      }
      case "message": {
        const shape = this.#fieldMessage(field, field.message);
        if (!shape) return undefined;
        return {
          wit: { name, type: list(named(shape.record)) },
          meta: compoundField(field.number, name, "MESSAGE_EXPANDED", shape.subfields),
        };
      }
    }
  }

  /** `map<K, V>` is `list<tuple<K, V>>`; a message value is a bare record, never absent. */
  #map(field: DescField & { fieldKind: "map" }, name: string): Built | undefined {
    const utf8 = field.utf8Validation;
    const key = scalarField(1, "key", scalarCoding(field.mapKey, utf8, "IMPLICIT"));
    let value: { type: WitType; meta: Field };
    switch (field.mapKind) {
      case "scalar":
        value = {
          type: scalarType(field.scalar),
          meta: scalarField(2, "value", scalarCoding(field.scalar, utf8, "IMPLICIT")),
        };
        break;
      case "enum": {
        const { def, cases } = this.#enum(field.enum);
        value = { type: named(def), meta: compoundField(2, "value", "ENUM_IMPLICIT", cases) };
        break;
      }
      case "message": {
        const shape = this.#fieldMessage(field, field.message);
        if (!shape) return undefined;
        value = {
          type: named(shape.record),
          meta: compoundField(2, "value", "MESSAGE", shape.subfields),
        };
        break;
      }
    }
    return {
      wit: {
        name,
        type: list({ kind: "tuple", of: [scalarType(field.mapKey), value.type] }),
      },
      meta: compoundField(field.number, name, "MAP", [key, value.meta]),
    };
  }

  /** A oneof: `option<variant>` named after its message, one case per member. */
  #oneof(oneof: DescOneof, record: RecordDef): Built | undefined {
    const name = this.#label(oneof.name, oneof, "oneof");
    if (name === undefined) return undefined;
    const variant: VariantDef = {
      kind: "variant",
      name: `${record.name}-${name}`,
      pkg: record.pkg,
      protoName: `${oneof.parent.typeName}.${oneof.name}`,
      cases: [],
    };
    const variants: Field[] = [];
    const labels = this.#labels(`oneof ${variant.protoName}`);
    for (const field of oneof.fields) {
      const built = this.#variantCase(field);
      if (!built) continue;
      labels.claim(built.wit.name, field);
      variant.cases.push(built.wit);
      variants.push(built.meta);
    }
    this.#define(variant, oneof);
    return {
      wit: { name, type: option(named(variant)) },
      meta: compoundField(0, name, "ONEOF", variants),
    };
  }

  /** A oneof member: its payload as a case, its coding explicit (ref §4.3). */
  #variantCase(field: DescField): Built | undefined {
    const name = this.#label(field.name, field, "field");
    if (name === undefined || this.#unsupported(field)) return undefined;
    switch (field.fieldKind) {
      case "scalar":
        return {
          wit: { name, type: scalarType(field.scalar) },
          meta: scalarField(
            field.number,
            name,
            scalarCoding(field.scalar, field.utf8Validation, "EXPLICIT"),
          ),
        };
      case "enum": {
        const { def, cases } = this.#enum(field.enum);
        return {
          wit: { name, type: named(def) },
          meta: compoundField(field.number, name, "ENUM_EXPLICIT", cases),
        };
      }
      case "message": {
        const shape = this.#fieldMessage(field, field.message);
        if (!shape) return undefined;
        return {
          wit: { name, type: named(shape.record) },
          meta: compoundField(field.number, name, "MESSAGE", shape.subfields),
        };
      }
      default:
        throw new Error(`oneof member ${field.name} is a ${field.fieldKind}`);
    }
  }

  #enum(desc: DescEnum): { def: EnumDef; cases: Field[] } {
    const known = this.#enums.get(desc);
    if (known) return known;
    this.#checkFile(desc.file);
    const def: EnumDef = {
      kind: "enum",
      name: this.#typeName(desc),
      pkg: this.#package(desc.file),
      protoName: desc.typeName,
      cases: [],
    };
    const cases: Field[] = [];
    const labels = this.#labels(`enum ${desc.typeName}`);
    for (const value of desc.values) {
      const name = this.#label(value.name, value, "enum value");
      if (name === undefined) continue;
      labels.claim(name, value);
      def.cases.push(name);
      // Metadata holds an enum number as its uint32 bit pattern.
      cases.push({ number: value.number >>> 0, name, subfields: [] });
    }
    this.#define(def, desc);
    const built = { def, cases };
    this.#enums.set(desc, built);
    return built;
  }

  /** Extensions of a served message would be dropped on the way in and out: refused. */
  #checkExtensions(): void {
    for (const desc of this.#registry) {
      if (desc.kind === "extension" && this.#messages.has(desc.extendee)) {
        this.#problem(
          desc,
          `extension ${desc.typeName} of ${desc.extendee.typeName} is not supported: vimanad serves a message's own fields only`,
        );
      }
    }
  }

  /** WIT packages may not depend on each other in a cycle; the world's package counts too. */
  #checkPackageCycles(main: WitPackage, services: Service[]): void {
    const edges = new Map<WitPackage, Set<WitPackage>>();
    const edge = (from: WitPackage, to: WitPackage) => {
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    };
    for (const pkg of this.#packages.values()) {
      for (const def of pkg.types) for (const used of referencedDefs(def)) edge(pkg, used.pkg);
    }
    for (const method of services.flatMap((service) => service.methods)) {
      edge(main, method.request.pkg);
      edge(main, method.response.pkg);
    }
    const done = new Set<WitPackage>();
    const visit = (pkg: WitPackage, path: WitPackage[]): void => {
      if (path.includes(pkg)) {
        const cycle = [...path.slice(path.indexOf(pkg)), pkg].map((p) => `"${p.protoPackage}"`);
        this.#problems.push({
          message: `the types of packages ${cycle.join(" → ")} refer to each other in a cycle, which WIT packages cannot: move them into one package`,
        });
        return;
      }
      if (done.has(pkg)) return;
      done.add(pkg);
      for (const next of edges.get(pkg) ?? []) visit(next, [...path, pkg]);
    };
    for (const pkg of this.#packages.values()) visit(pkg, []);
  }

  /** Claims WIT names inside one record, variant or enum, reporting the second of a clash. */
  #labels(what: string): { claim(label: string, at: Locatable & { name: string }): void } {
    const seen = new Map<string, string>();
    return {
      claim: (label, at) => {
        const first = seen.get(label);
        if (first === undefined) seen.set(label, at.name);
        else
          this.#problem(at, `in ${what}, ${first} and ${at.name} both become ${label}: rename one`);
      },
    };
  }
}
