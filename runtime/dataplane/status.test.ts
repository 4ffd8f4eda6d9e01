import { expect, test } from "bun:test";
import { encodeGrpcMessage, GrpcError, httpStatusOf, Status, statusNames } from "./status.ts";
import { parseGrpcTimeout } from "./timeout.ts";

test("grpc-message: visible ASCII as is; %, controls and UTF-8 bytes percent-encoded", () => {
  expect(encodeGrpcMessage("unknown method Nope for service a.B")).toBe(
    "unknown method Nope for service a.B",
  );
  expect(encodeGrpcMessage("100% done\n")).toBe("100%25 done%0A");
  expect(encodeGrpcMessage("größe ✓")).toBe("gr%C3%B6%C3%9Fe %E2%9C%93");
  expect(decodeURIComponent(encodeGrpcMessage("größe ✓ 100%"))).toBe("größe ✓ 100%");
});

test("gRPC codes map to HTTP statuses as google.rpc.Code documents", () => {
  expect(statusNames[Status.INVALID_ARGUMENT]).toBe("INVALID_ARGUMENT");
  const http = Object.fromEntries(statusNames.map((name) => [name, httpStatusOf(Status[name])]));
  expect(http).toEqual({
    OK: 200,
    CANCELLED: 499,
    UNKNOWN: 500,
    INVALID_ARGUMENT: 400,
    DEADLINE_EXCEEDED: 504,
    NOT_FOUND: 404,
    ALREADY_EXISTS: 409,
    PERMISSION_DENIED: 403,
    RESOURCE_EXHAUSTED: 429,
    FAILED_PRECONDITION: 400,
    ABORTED: 409,
    OUT_OF_RANGE: 400,
    UNIMPLEMENTED: 501,
    INTERNAL: 500,
    UNAVAILABLE: 503,
    DATA_LOSS: 500,
    UNAUTHENTICATED: 401,
  });
});

test("grpc-timeout: 1 to 8 digits and a unit; anything else is INTERNAL", () => {
  expect(parseGrpcTimeout("2H")).toBe(7_200_000);
  expect(parseGrpcTimeout("3M")).toBe(180_000);
  expect(parseGrpcTimeout("99999999S")).toBe(99_999_999_000);
  expect(parseGrpcTimeout("250m")).toBe(250);
  expect(parseGrpcTimeout("1500u")).toBe(1.5);
  expect(parseGrpcTimeout("5000000n")).toBe(5);
  for (const bad of ["", "5", "m", "123456789m", "1.5S", "-1S", "5s", " 5S"]) {
    let thrown: unknown;
    try {
      parseGrpcTimeout(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrpcError);
    expect(thrown).toMatchObject({
      code: Status.INTERNAL,
      message: `malformed grpc-timeout: ${JSON.stringify(bad)}`,
    });
  }
});
