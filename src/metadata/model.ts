// The Metadata model: which gRPC services an image serves, and how each method's protobuf
// messages map onto the component's values (ref §4.1). Its binary form is the original's
// `work.runtime.Metadata` (see testdata/metadata.proto), extended with the MAP coding.

/** The whole Metadata layer of an image. */
export interface Metadata {
  services: GrpcService[];
}

export interface GrpcService {
  /** Fully-qualified service name, e.g. `foo.bar.AdderService`. */
  name: string;
  /** Keyed by proto method name, e.g. `AddFloats`. */
  methods: Map<string, GrpcMethod>;
}

export interface GrpcMethod {
  /** The component's top-level export that implements the method, e.g. `add-floats`. */
  function: string;
  /** Recorded but not acted upon: every method is served as unary. */
  arity: GrpcArity;
  /** A message: only its `subfields` matter. */
  request?: Field;
  response?: Field;
}

/**
 * One node of a message's shape: a message field, an enum case, a oneof variant, or a map's key
 * or value. Number and name of a whole request/response message are ignored.
 */
export interface Field {
  /**
   * Proto field number; for an enum case, the case's number (a negative int32 case number is
   * written as its uint32 bit pattern, e.g. 4294967295 for -1).
   */
  number: number;
  /** Record field, enum case or variant case name as in WIT: kebab-case, without `%`. */
  name: string;
  /**
   * A message's fields, an enum's cases, a oneof's variants, or a map's key (number 1) and
   * value (number 2).
   */
  subfields: Field[];
  /** Absent for enum cases, and for a whole request/response message. */
  coding?: Coding;
}

/** The proto `oneof coding`: exactly one of the two, as on the wire. */
export type Coding = { scalar: ScalarCoding } | { compound: CompoundCoding };

/**
 * Codings are open enums: an unknown number survives decoding and encoding, so the codec can
 * name it in its build error instead of the Metadata decoder rejecting the whole image.
 */
export type ScalarCoding = number;
export type CompoundCoding = number;
export type GrpcArity = number;

export const GrpcArity = {
  UNARY: 0,
  SERVER_STREAMING: 1,
  CLIENT_STREAMING: 2,
  BIDI_STREAMING: 3,
} as const;

/** Scalar protobuf types, in the order that gives their number `t` in `4·t + kind`. */
const scalarTypes = [
  "BYTES",
  "STRING_UTF8",
  /** A proto `string` whose bytes are not checked for UTF-8; invalid sequences become U+FFFD. */
  "STRING_PERMISSIVE",
  "BOOL",
  "INT32",
  "SINT32",
  "SFIXED32",
  "UINT32",
  "FIXED32",
  "INT64",
  "SINT64",
  "SFIXED64",
  "UINT64",
  "FIXED64",
  "FLOAT",
  "DOUBLE",
] as const;
export type ScalarType = (typeof scalarTypes)[number];

/**
 * How a scalar field is present, in the order that gives `kind` in `4·t + kind`:
 * IMPLICIT — proto3 singular, the default is not sent (value `T`);
 * PACKED — repeated, one length-delimited run (value `list<T>`);
 * EXPLICIT — presence-tracked (value `option<T>`);
 * EXPANDED — repeated, one tag per element (value `list<T>`).
 */
const scalarKinds = ["IMPLICIT", "PACKED", "EXPLICIT", "EXPANDED"] as const;
export type ScalarKind = (typeof scalarKinds)[number];

/** Bytes and strings cannot be packed: these three numbers are reserved. */
type ReservedScalarCoding = "BYTES_PACKED" | "STRING_UTF8_PACKED" | "STRING_PERMISSIVE_PACKED";
export type ScalarCodingName = Exclude<`${ScalarType}_${ScalarKind}`, ReservedScalarCoding>;

const reservedScalarCodings: ReadonlySet<string> = new Set<ReservedScalarCoding>([
  "BYTES_PACKED",
  "STRING_UTF8_PACKED",
  "STRING_PERMISSIVE_PACKED",
]);

/** Every scalar coding by name, e.g. `ScalarCoding.FLOAT_IMPLICIT` (56). */
export const ScalarCoding: Readonly<Record<ScalarCodingName, ScalarCoding>> = Object.freeze(
  Object.fromEntries(
    scalarTypes.flatMap((type, t) =>
      scalarKinds
        .map((kind, k) => [`${type}_${kind}`, 4 * t + k] as const)
        .filter(([name]) => !reservedScalarCodings.has(name)),
    ),
  ) as Record<ScalarCodingName, ScalarCoding>,
);

/** The type and kind a scalar coding stands for, or undefined for unknown/reserved numbers. */
export function scalarCodingParts(
  coding: ScalarCoding,
): { type: ScalarType; kind: ScalarKind } | undefined {
  if (!Number.isInteger(coding) || coding < 0 || coding > 63) return undefined;
  const type = scalarTypes[coding >>> 2];
  const kind = scalarKinds[coding & 3];
  if (!type || !kind || reservedScalarCodings.has(`${type}_${kind}`)) return undefined;
  return { type, kind };
}

/**
 * Codings with subfields. The low two bits follow the scalar kinds where they apply: 2 is
 * "explicit" (an option), 3 is "one tag per element" (a list).
 *
 * MAP (new here, absent from the original): a proto `map<K, V>` field, on the wire a repeated
 * entry message `{ K key = 1; V value = 2; }`, as the component value `list<tuple<K, V>>`.
 * Its two subfields are the key Field (number 1: an IMPLICIT scalar coding of an integer, bool
 * or string type) and the value Field (number 2: an IMPLICIT scalar coding, ENUM_IMPLICIT with
 * its cases, or MESSAGE with its fields). A MESSAGE value is a bare `record`, not an option:
 * map values are never absent, and a missing one decodes as the record of defaults.
 * Decoding keeps the last value of a repeated key, at the position of the key's first entry.
 */
export const CompoundCoding = {
  /** `enum`; the case numbered 0 is the default and is not sent. Cases are the subfields. */
  ENUM_IMPLICIT: 0,
  /** `list<enum>`, one length-delimited run. */
  ENUM_PACKED: 1,
  /** `option<enum>`. */
  ENUM_EXPLICIT: 2,
  /** `list<enum>`, one tag per element. */
  ENUM_EXPANDED: 3,
  /** `option<record>`; the record's fields are the subfields. */
  MESSAGE: 6,
  /** `list<record>`. */
  MESSAGE_EXPANDED: 7,
  /** `option<variant>`: one record slot whose variants (subfields) are proto fields. */
  ONEOF: 8,
  /** `list<tuple<K, V>>` for a proto map; see above. */
  MAP: 11,
} as const;
export type CompoundCodingName = keyof typeof CompoundCoding;

/**
 * Field trees deeper than this are refused, by the Metadata decoder and by the codec: nothing
 * recursive then runs deeper than protobuf's own default recursion limit.
 */
export const MAX_FIELD_NESTING = 100;
