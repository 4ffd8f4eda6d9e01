// FileDescriptorProtos rebuilt from Metadata, for gRPC server reflection: a pod has only its
// image's Metadata, not the `.proto` it was compiled from. Field numbers, types and presence are
// the Metadata's, so a client that encodes with these descriptors (grpcurl) sends the bytes the
// component expects. Message names are not in the Metadata: a method's messages are named
// `<Method>Request` and `<Method>Response` (prefixed with the service where two services of one
// package share a method name), nested types after their field.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  EnumDescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
  MethodDescriptorProtoSchema,
  OneofDescriptorProtoSchema,
  ServiceDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import {
  CompoundCoding,
  type Field,
  type GrpcService,
  scalarCodingParts,
} from "../../src/metadata/index.ts";

/** One file per proto package: its name, bytes, and the symbols it defines. */
export interface DescriptorFile {
  name: string;
  bytes: Uint8Array;
  symbols: string[];
}

const T = FieldDescriptorProto_Type;
const scalarTypes: Record<string, FieldDescriptorProto_Type> = {
  BYTES: T.BYTES,
  STRING_UTF8: T.STRING,
  STRING_PERMISSIVE: T.STRING,
  BOOL: T.BOOL,
  INT32: T.INT32,
  SINT32: T.SINT32,
  SFIXED32: T.SFIXED32,
  UINT32: T.UINT32,
  FIXED32: T.FIXED32,
  INT64: T.INT64,
  SINT64: T.SINT64,
  SFIXED64: T.SFIXED64,
  UINT64: T.UINT64,
  FIXED64: T.FIXED64,
  FLOAT: T.FLOAT,
  DOUBLE: T.DOUBLE,
};

/** The descriptor files of `services`, one per package. */
export function descriptorFiles(services: readonly GrpcService[]): DescriptorFile[] {
  const byPackage = new Map<string, GrpcService[]>();
  for (const service of services) {
    const pkg = packageOf(service.name);
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), service]);
  }
  return [...byPackage].map(([pkg, list]) => packageFile(pkg, list));
}

function packageFile(pkg: string, services: GrpcService[]): DescriptorFile {
  const prefix = pkg === "" ? "" : `${pkg}.`;
  const methodCount = new Map<string, number>();
  for (const s of services)
    for (const m of s.methods.keys()) {
      methodCount.set(m, (methodCount.get(m) ?? 0) + 1);
    }
  const messages: DescriptorProto[] = [];
  const symbols: string[] = [];
  const serviceProtos = services.map((service) => {
    const short = service.name.slice(prefix.length);
    symbols.push(service.name);
    const methods = [...service.methods].map(([name, method]) => {
      symbols.push(`${service.name}.${name}`);
      const base = (methodCount.get(name) ?? 0) > 1 ? `${short}${name}` : name;
      const request = messageProto(`${base}Request`, method.request?.subfields ?? [], prefix);
      const response = messageProto(`${base}Response`, method.response?.subfields ?? [], prefix);
      messages.push(request, response);
      for (const message of [request, response]) symbols.push(...messageSymbols(prefix, message));
      return create(MethodDescriptorProtoSchema, {
        name,
        inputType: `.${prefix}${request.name}`,
        outputType: `.${prefix}${response.name}`,
      });
    });
    return create(ServiceDescriptorProtoSchema, { name: short, method: methods });
  });
  const name = `${pkg || "default"}.vimana.proto`;
  const file = create(FileDescriptorProtoSchema, {
    name,
    package: pkg,
    syntax: "proto3",
    messageType: messages,
    service: serviceProtos,
  });
  return { name, bytes: toBinary(FileDescriptorProtoSchema, file), symbols };
}

function messageSymbols(prefix: string, message: DescriptorProto): string[] {
  const full = `${prefix}${message.name}`;
  return [
    full,
    ...message.enumType.map((e) => `${full}.${e.name}`),
    ...message.nestedType.flatMap((nested) => messageSymbols(`${full}.`, nested)),
  ];
}

/**
 * A message of `fields` in `scope` (`pkg.` or `pkg.Outer.`); nested messages, enums and map
 * entries go inside it, referred to by their fully-qualified names.
 */
function messageProto(name: string, fields: readonly Field[], scope: string): DescriptorProto {
  const message = create(DescriptorProtoSchema, { name });
  for (const field of fields) addField(message, field, `${scope}${name}`);
  return message;
}

function addField(message: DescriptorProto, field: Field, self: string, oneofIndex?: number): void {
  const name = field.name.replaceAll("-", "_");
  const proto = create(FieldDescriptorProtoSchema, {
    name,
    number: field.number,
    jsonName: camel(field.name),
    label: FieldDescriptorProto_Label.OPTIONAL,
    ...(oneofIndex !== undefined && { oneofIndex }),
  });
  const coding = field.coding;
  if (coding && "scalar" in coding) {
    const parts = scalarCodingParts(coding.scalar);
    proto.type = scalarTypes[parts?.type ?? "BYTES"] ?? T.BYTES;
    if (parts?.kind === "PACKED" || parts?.kind === "EXPANDED") {
      proto.label = FieldDescriptorProto_Label.REPEATED;
      if (parts.kind === "EXPANDED" && proto.type !== T.STRING && proto.type !== T.BYTES) {
        proto.options = create(FieldOptionsSchema, { packed: false });
      }
    }
    if (parts?.kind === "EXPLICIT" && oneofIndex === undefined) explicit(message, proto);
    message.field.push(proto);
    return;
  }
  const compound = coding && "compound" in coding ? coding.compound : undefined;
  const typeName = pascal(field.name);
  const qualified = `.${self}.${typeName}`;
  switch (compound) {
    case CompoundCoding.ENUM_IMPLICIT:
    case CompoundCoding.ENUM_PACKED:
    case CompoundCoding.ENUM_EXPLICIT:
    case CompoundCoding.ENUM_EXPANDED: {
      message.enumType.push(enumProto(typeName, field.subfields));
      proto.type = T.ENUM;
      proto.typeName = qualified;
      if (compound === CompoundCoding.ENUM_PACKED || compound === CompoundCoding.ENUM_EXPANDED) {
        proto.label = FieldDescriptorProto_Label.REPEATED;
      }
      if (compound === CompoundCoding.ENUM_EXPLICIT && oneofIndex === undefined) {
        explicit(message, proto);
      }
      message.field.push(proto);
      return;
    }
    case CompoundCoding.MESSAGE:
    case CompoundCoding.MESSAGE_EXPANDED:
      message.nestedType.push(messageProto(typeName, field.subfields, `${self}.`));
      proto.type = T.MESSAGE;
      proto.typeName = qualified;
      if (compound === CompoundCoding.MESSAGE_EXPANDED) {
        proto.label = FieldDescriptorProto_Label.REPEATED;
      }
      message.field.push(proto);
      return;
    case CompoundCoding.MAP: {
      const entry = messageProto(`${typeName}Entry`, [], `${self}.`);
      entry.options = create(MessageOptionsSchema, { mapEntry: true });
      for (const part of field.subfields) {
        addField(
          entry,
          { ...part, name: part.number === 1 ? "key" : "value" },
          `${self}.${entry.name}`,
        );
      }
      message.nestedType.push(entry);
      proto.type = T.MESSAGE;
      proto.typeName = `.${self}.${entry.name}`;
      proto.label = FieldDescriptorProto_Label.REPEATED;
      message.field.push(proto);
      return;
    }
    case CompoundCoding.ONEOF: {
      const index = message.oneofDecl.length;
      message.oneofDecl.push(create(OneofDescriptorProtoSchema, { name }));
      for (const variant of field.subfields) addField(message, variant, self, index);
      return;
    }
  }
}

/** proto3 `optional`: a synthetic oneof named `_<field>`. */
function explicit(message: DescriptorProto, proto: FieldDescriptorProto): void {
  proto.proto3Optional = true;
  proto.oneofIndex = message.oneofDecl.length;
  message.oneofDecl.push(create(OneofDescriptorProtoSchema, { name: `_${proto.name}` }));
}

function enumProto(name: string, cases: readonly Field[]): EnumDescriptorProto {
  // Enum values share their parent's scope in proto: prefix them with the enum's name.
  const prefix = name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, "_").toUpperCase();
  return create(EnumDescriptorProtoSchema, {
    name,
    value: cases.map((c) => ({
      name: `${prefix}_${c.name.replaceAll("-", "_").toUpperCase()}`,
      number: c.number | 0,
    })),
  });
}

/** The JSON name the data plane uses: jco's record key, `all-CAPS-word` → `allCapsWord`. */
function camel(kebab: string): string {
  const words = kebab.split("-").map((word) => word.toLowerCase());
  return words
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join("");
}

function pascal(kebab: string): string {
  return kebab
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

function packageOf(service: string): string {
  const dot = service.lastIndexOf(".");
  return dot < 0 ? "" : service.slice(0, dot);
}
