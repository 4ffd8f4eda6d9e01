import {
  type Field,
  type GrpcMethod,
  type GrpcService,
  MAX_FIELD_NESTING,
  type Metadata,
} from "./model.ts";
import { WireError, WireReader, WireType } from "./wire.ts";

/** Malformed Metadata bytes; `path` names the field, e.g. `service[0].methods[0].value.name`. */
export class MetadataError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `Malformed metadata at ${path}: ${reason}` : `Malformed metadata: ${reason}`);
    this.name = "MetadataError";
  }
}

/**
 * Decodes the binary form of `work.runtime.Metadata`. Unknown fields are skipped and unknown
 * coding numbers kept (see the model); repeated occurrences of a message field merge, and a
 * repeated method name keeps its last entry, as protobuf does.
 */
export function decodeMetadata(bytes: Uint8Array): Metadata {
  // Segments are pushed on the way into a field and popped on the way out, so when a read
  // throws, the stack names exactly where.
  const path: string[] = [];
  try {
    return readMetadata(new WireReader(bytes), path);
  } catch (error) {
    if (error instanceof WireError) throw new MetadataError(path.join(""), error.message);
    throw error;
  }
}

type Path = string[];

function readMetadata(reader: WireReader, path: Path): Metadata {
  const services: GrpcService[] = [];
  readFields(reader, (fieldNumber, wireType) => {
    if (fieldNumber !== 1) return false;
    path.push(`service[${services.length}]`);
    services.push(readService(expect(wireType, "message", reader).message(), path));
    path.pop();
    return true;
  });
  return { services };
}

function readService(reader: WireReader, path: Path): GrpcService {
  const service: GrpcService = { name: "", methods: new Map() };
  let entries = 0;
  readFields(reader, (fieldNumber, wireType) => {
    switch (fieldNumber) {
      case 1:
        path.push(".name");
        service.name = expect(wireType, "string", reader).string();
        break;
      case 2: {
        path.push(`.methods[${entries++}]`);
        const [key, method] = readMethodsEntry(expect(wireType, "message", reader).message(), path);
        // A repeated key replaces the earlier value, at the earlier position.
        service.methods.set(key, method);
        break;
      }
      default:
        return false;
    }
    path.pop();
    return true;
  });
  return service;
}

function readMethodsEntry(reader: WireReader, path: Path): [string, GrpcMethod] {
  let key = "";
  let method: GrpcMethod | undefined;
  readFields(reader, (fieldNumber, wireType) => {
    switch (fieldNumber) {
      case 1:
        path.push(".key");
        key = expect(wireType, "string", reader).string();
        break;
      case 2:
        path.push(".value");
        method = readMethod(expect(wireType, "message", reader).message(), path, method);
        break;
      default:
        return false;
    }
    path.pop();
    return true;
  });
  return [key, method ?? { function: "", arity: 0 }];
}

function readMethod(reader: WireReader, path: Path, into?: GrpcMethod): GrpcMethod {
  const method: GrpcMethod = into ?? { function: "", arity: 0 };
  readFields(reader, (fieldNumber, wireType) => {
    switch (fieldNumber) {
      case 1:
        path.push(".function");
        method.function = expect(wireType, "string", reader).string();
        break;
      case 2:
        path.push(".arity");
        method.arity = expect(wireType, "varint", reader).int32();
        break;
      case 3:
        path.push(".request");
        method.request = readField(
          expect(wireType, "message", reader).message(),
          path,
          0,
          method.request,
        );
        break;
      case 4:
        path.push(".response");
        method.response = readField(
          expect(wireType, "message", reader).message(),
          path,
          0,
          method.response,
        );
        break;
      default:
        return false;
    }
    path.pop();
    return true;
  });
  return method;
}

function readField(reader: WireReader, path: Path, level: number, into?: Field): Field {
  if (level > MAX_FIELD_NESTING) {
    throw new WireError(`Field nesting exceeds ${MAX_FIELD_NESTING} levels`);
  }
  const field: Field = into ?? { number: 0, name: "", subfields: [] };
  readFields(reader, (fieldNumber, wireType) => {
    switch (fieldNumber) {
      case 1:
        path.push(".number");
        field.number = expect(wireType, "varint", reader).uint32();
        break;
      case 2:
        path.push(".name");
        field.name = expect(wireType, "string", reader).string();
        break;
      case 3:
        path.push(`.subfields[${field.subfields.length}]`);
        field.subfields.push(
          readField(expect(wireType, "message", reader).message(), path, level + 1),
        );
        break;
      case 4:
        path.push(".scalar_coding");
        field.coding = { scalar: expect(wireType, "varint", reader).int32() };
        break;
      case 5:
        path.push(".compound_coding");
        field.coding = { compound: expect(wireType, "varint", reader).int32() };
        break;
      default:
        return false;
    }
    path.pop();
    return true;
  });
  return field;
}

/** Reads tags to the end of the message; `read` returns false for fields it does not know. */
function readFields(
  reader: WireReader,
  read: (fieldNumber: number, wireType: number) => boolean,
): void {
  while (!reader.done) {
    const { fieldNumber, wireType } = reader.tag();
    if (!read(fieldNumber, wireType)) reader.skip(wireType, fieldNumber);
  }
}

const wireTypeNames = [
  "varint",
  "64-bit",
  "length-delimited",
  "start-group",
  "end-group",
  "32-bit",
];
const expected = {
  varint: WireType.VARINT,
  string: WireType.LENGTH_DELIMITED,
  message: WireType.LENGTH_DELIMITED,
} as const;

function expect(wireType: number, kind: keyof typeof expected, reader: WireReader): WireReader {
  const want = expected[kind];
  if (wireType !== want) {
    throw new WireError(
      `Wire type should be ${wireTypeNames[want]}, got ${wireTypeNames[wireType] ?? wireType}`,
    );
  }
  return reader;
}
