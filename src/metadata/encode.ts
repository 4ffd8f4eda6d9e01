import type { Field, GrpcMethod, GrpcService, Metadata } from "./model.ts";
import { WireWriter } from "./wire.ts";

/**
 * Encodes Metadata in the binary form of `work.runtime.Metadata`, fields in number order and
 * defaults omitted as proto3 does, so the original runtime and protoc read it.
 */
export function encodeMetadata(metadata: Metadata): Uint8Array {
  const writer = new WireWriter();
  metadata.services.forEach((service, i) => {
    writer.lengthDelimited(1, writeService(service, `service[${i}]`));
  });
  return writer.finish();
}

function writeService(service: GrpcService, path: string): Uint8Array {
  const writer = new WireWriter();
  if (service.name !== "") writer.string(1, service.name);
  let i = 0;
  for (const [name, method] of service.methods) {
    const entry = new WireWriter()
      .string(1, name)
      .lengthDelimited(2, writeMethod(method, `${path}.methods[${i++}].value`));
    writer.lengthDelimited(2, entry.finish());
  }
  return writer.finish();
}

function writeMethod(method: GrpcMethod, path: string): Uint8Array {
  const writer = new WireWriter();
  if (method.function !== "") writer.string(1, method.function);
  if (method.arity !== 0) writer.int32(2, int32(method.arity, `${path}.arity`));
  if (method.request) writer.lengthDelimited(3, writeField(method.request, `${path}.request`));
  if (method.response) writer.lengthDelimited(4, writeField(method.response, `${path}.response`));
  return writer.finish();
}

function writeField(field: Field, path: string): Uint8Array {
  const writer = new WireWriter();
  if (field.number !== 0) writer.uint32(1, uint32(field.number, `${path}.number`));
  if (field.name !== "") writer.string(2, field.name);
  field.subfields.forEach((subfield, i) => {
    writer.lengthDelimited(3, writeField(subfield, `${path}.subfields[${i}]`));
  });
  if (field.coding && "scalar" in field.coding) {
    writer.int32(4, int32(field.coding.scalar, `${path}.scalar_coding`));
  } else if (field.coding) {
    writer.int32(5, int32(field.coding.compound, `${path}.compound_coding`));
  }
  return writer.finish();
}

function uint32(value: number, path: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`Cannot encode metadata: ${path} is ${value}, not a uint32`);
  }
  return value;
}

function int32(value: number, path: string): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
    throw new Error(`Cannot encode metadata: ${path} is ${value}, not an int32`);
  }
  return value;
}
