import { describe, expect, test } from "bun:test";
import { CallFailure } from "../host/index.ts";
import { Status } from "./status.ts";
import { componentStatus } from "./typed-errors.ts";

const site = { pod: "p", component: "c", exportName: "say-hello" };

describe("componentStatus", () => {
  test("a status record thrown by jco's glue, inside the host's CallFailure", () => {
    const record = { code: "invalid-argument", message: "name is required" };
    const failure = new CallFailure("error", site, "[object Object]", { cause: record });
    const status = componentStatus(failure);
    expect(status?.code).toBe(Status.INVALID_ARGUMENT);
    expect(status?.message).toBe("name is required");
  });

  test("an older glue's ComponentError carries it as payload", () => {
    const error = Object.assign(new Error("ComponentError"), {
      payload: { code: "unauthenticated", message: "who are you?" },
    });
    expect(componentStatus(new CallFailure("error", site, "x", { cause: error }))?.code).toBe(
      Status.UNAUTHENTICATED,
    );
    expect(componentStatus({ code: "cancelled", message: "" })?.code).toBe(Status.CANCELLED);
  });

  test("traps and other exceptions are not statuses", () => {
    const trap = new CallFailure("trap", site, "unreachable", {
      cause: new WebAssembly.RuntimeError("unreachable"),
    });
    expect(componentStatus(trap)).toBeUndefined();
    expect(componentStatus(new Error("boom"))).toBeUndefined();
    expect(componentStatus({ code: "ok", message: "" })).toBeUndefined();
    expect(componentStatus({ code: "internal" })).toBeUndefined();
    expect(componentStatus("invalid-argument")).toBeUndefined();
  });
});
