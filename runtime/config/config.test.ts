// parseConfig: the flood limits as flags and config keys, and the reasons bad values are refused
// (the daemon suite covers the other flags through the executable).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, ConfigError, defaults, parseConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "vimana-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]): Config {
  const parsed = parseConfig(argv);
  if (parsed.kind !== "run") throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.config;
}

function refusal(argv: string[]): string {
  try {
    parseConfig(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("flood limits", () => {
  test("defaults", () => {
    const config = run([]);
    expect(config.maxContinuationFrames).toBe(64);
    expect(config.resetBudget).toEqual({ burst: 200, perSecond: 100 });
    expect(config.refusalBudget).toEqual({ burst: 100, perSecond: 10 });
    expect(config.emptyFrameBudget).toEqual({ burst: 1000, perSecond: 100 });
    expect([config.floodStrikes, config.floodHoldMs]).toEqual([5, 1000]);
    expect(config).toMatchObject({ ...defaults, ipamPlugin: config.ipamPlugin });
  });

  test("from flags, and from the config file with the command line winning", () => {
    expect(
      run([
        "--max-continuation-frames=8",
        "--reset-budget=50/20",
        "--refusal-budget",
        "10/1",
        "--empty-frame-budget=100/10",
        "--flood-strikes=2",
        "--flood-hold-ms=250",
      ]),
    ).toMatchObject({
      maxContinuationFrames: 8,
      resetBudget: { burst: 50, perSecond: 20 },
      refusalBudget: { burst: 10, perSecond: 1 },
      emptyFrameBudget: { burst: 100, perSecond: 10 },
      floodStrikes: 2,
      floodHoldMs: 250,
    });
    const file = join(dir, "floods.json");
    writeFileSync(
      file,
      JSON.stringify({
        resetBudget: { burst: 30, perSecond: 3 },
        refusalBudget: "7/2",
        floodHoldMs: 400,
      }),
    );
    expect(run([`--config=${file}`, "--flood-hold-ms=600"])).toMatchObject({
      resetBudget: { burst: 30, perSecond: 3 },
      refusalBudget: { burst: 7, perSecond: 2 },
      floodHoldMs: 600,
    });
  });

  test("bad values are refused, naming the key", () => {
    expect(refusal(["--reset-budget=200"])).toBe(
      'resetBudget: expected BURST/PER_SECOND (e.g. 200/100) or { "burst": B, "perSecond": R }, got "200"',
    );
    expect(refusal(["--empty-frame-budget=0/10"])).toBe(
      "emptyFrameBudget: expected a whole number of at least 1, got 0",
    );
    expect(refusal(["--flood-hold-ms=-5"])).toBe(
      "floodHoldMs: expected a whole number of at least 1, got -5",
    );
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ refusalBudget: { burst: 5, rate: 1 } }));
    expect(refusal([`--config=${file}`])).toStartWith("refusalBudget: expected BURST/PER_SECOND");
    writeFileSync(file, JSON.stringify({ refusalBudget: { burst: 5, perSecond: 0.5 } }));
    expect(refusal([`--config=${file}`])).toBe(
      "refusalBudget.perSecond: expected a whole number of at least 1, got 0.5",
    );
  });
});
