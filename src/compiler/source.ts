// Where a descriptor was declared, from the FileDescriptorProto's SourceCodeInfo: each location
// is keyed by the path of field numbers and indexes that leads from the file to the element.
import type {
  DescEnum,
  DescEnumValue,
  DescExtension,
  DescField,
  DescFile,
  DescMessage,
  DescMethod,
  DescOneof,
  DescService,
} from "@bufbuild/protobuf";
import type { SourceLocation } from "./errors.ts";

export type Locatable =
  | DescFile
  | DescMessage
  | DescField
  | DescOneof
  | DescEnum
  | DescEnumValue
  | DescService
  | DescMethod
  | DescExtension;

// Field numbers in descriptor.proto that make up source paths.
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const FILE_EXTENSION = 7;
const FILE_SYNTAX = 12;
const FILE_EDITION = 14;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
const MESSAGE_EXTENSION = 6;
const MESSAGE_ONEOF = 8;
const ENUM_VALUE = 2;
const SERVICE_METHOD = 2;
/** Within a field: its label (`required`, `repeated`, `optional`). */
export const FIELD_LABEL = 4;

/** Finds the source locations of descriptors, showing files by the paths users know them by. */
export class Locator {
  readonly #spans = new Map<DescFile, Map<string, readonly number[]>>();
  readonly #displayPath: (protoName: string) => string;

  constructor(displayPath: (protoName: string) => string) {
    this.#displayPath = displayPath;
  }

  /** The file path to show for a descriptor's file. */
  fileOf(desc: Locatable): string {
    return this.#displayPath(fileOf(desc).proto.name);
  }

  /**
   * Where `desc` (or, with `within`, a part of it such as a field's label) starts. Falls back
   * to the element itself, then to line 1, when the file has no location for the path.
   */
  locate(desc: Locatable, ...within: number[]): SourceLocation {
    const file = fileOf(desc);
    const spans = this.#spansOf(file);
    const path = pathOf(desc);
    const span = spans.get([...path, ...within].join(",")) ?? spans.get(path.join(","));
    return { file: this.fileOf(desc), line: (span?.[0] ?? 0) + 1, column: (span?.[1] ?? 0) + 1 };
  }

  #spansOf(file: DescFile): Map<string, readonly number[]> {
    let spans = this.#spans.get(file);
    if (!spans) {
      spans = new Map();
      for (const location of file.proto.sourceCodeInfo?.location ?? []) {
        const key = location.path.join(",");
        // The first location of a path is the whole element; later ones are its comments' spans.
        if (!spans.has(key)) spans.set(key, location.span);
      }
      this.#spans.set(file, spans);
    }
    return spans;
  }
}

function fileOf(desc: Locatable): DescFile {
  switch (desc.kind) {
    case "file":
      return desc;
    case "field":
    case "oneof":
      return desc.parent.file;
    case "enum_value":
      return desc.parent.file;
    case "rpc":
      return desc.parent.file;
    default:
      return desc.file;
  }
}

function pathOf(desc: Locatable): number[] {
  switch (desc.kind) {
    case "file":
      return desc.proto.syntax === "editions" ? [FILE_EDITION] : [FILE_SYNTAX];
    case "message":
      return desc.parent
        ? [...pathOf(desc.parent), MESSAGE_NESTED, desc.parent.proto.nestedType.indexOf(desc.proto)]
        : [FILE_MESSAGE, desc.file.proto.messageType.indexOf(desc.proto)];
    case "enum":
      return desc.parent
        ? [...pathOf(desc.parent), MESSAGE_ENUM, desc.parent.proto.enumType.indexOf(desc.proto)]
        : [FILE_ENUM, desc.file.proto.enumType.indexOf(desc.proto)];
    case "enum_value":
      return [...pathOf(desc.parent), ENUM_VALUE, desc.parent.proto.value.indexOf(desc.proto)];
    case "field":
      return [...pathOf(desc.parent), MESSAGE_FIELD, desc.parent.proto.field.indexOf(desc.proto)];
    case "oneof":
      return [
        ...pathOf(desc.parent),
        MESSAGE_ONEOF,
        desc.parent.proto.oneofDecl.indexOf(desc.proto),
      ];
    case "extension":
      return desc.parent
        ? [
            ...pathOf(desc.parent),
            MESSAGE_EXTENSION,
            desc.parent.proto.extension.indexOf(desc.proto),
          ]
        : [FILE_EXTENSION, desc.file.proto.extension.indexOf(desc.proto)];
    case "service":
      return [FILE_SERVICE, desc.file.proto.service.indexOf(desc.proto)];
    case "rpc":
      return [...pathOf(desc.parent), SERVICE_METHOD, desc.parent.proto.method.indexOf(desc.proto)];
  }
}
