// TypeScript shapes of the messages in api.proto, with the field names of the protocol.
// Decoded messages have every proto3 default filled in: "" for strings, 0 for numbers, [] for
// repeated fields, null for an absent message field, bigint for int64.

export interface VersionRequest {
  version: string;
}

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}
