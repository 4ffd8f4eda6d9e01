// HTTP/2 conformance of a pod server: h2spec (every generic, HPACK and RFC 7540 case, 145 in
// v2.2.1) against the adder, each case's expected and actual frames in the failure message.
// Issue #17: vimanad's own HTTP/2 layer must pass every case; Bun's node:http2 fails 10.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureH2spec, H2SPEC_VERSION } from "../../scripts/go-tools.ts";
import { ComponentHost } from "../host/index.ts";
import { type PodServer, startPodServer } from "./index.ts";
import { examplePod } from "./testdata/pods.ts";

/** Seconds h2spec waits for an expected frame before it calls a case failed. */
const CASE_TIMEOUT_S = 2;
const CASES = 145;

let scratch: string;
let h2spec: string;
let adder: PodServer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-dataplane-h2spec-"));
  // bun run test builds it first; alone, this file builds it (a minute, once).
  h2spec = await ensureH2spec((line) => console.log(line));
  const host = new ComponentHost({ cacheDir: scratch, log: () => {} });
  adder = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log: () => {},
    ...(await examplePod(host, "adder-wat")),
  });
}, 300_000);

afterAll(async () => {
  await adder?.stop(0);
  await rm(scratch, { recursive: true, force: true });
});

interface CaseResult {
  /** `http2/6.7 #2`: h2spec's package and section, and the case's number in it. */
  id: string;
  description: string;
  /** Undefined when the case passed. */
  failure?: { expected: string[]; actual: string };
}

/**
 * The cases of an h2spec JUnit report. h2spec writes a case's frames unescaped (innerxml) and,
 * for every failure, an <error> whose last line is what it got and the lines before it what it
 * wanted (its reporter's type switch never matches its *TestError, so <failure> never appears;
 * both are read).
 */
function parseReport(xml: string): CaseResult[] {
  const results: CaseResult[] = [];
  const suites = /<testsuite\b[^>]*\bpackage="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g;
  for (const [, section, body] of xml.matchAll(suites)) {
    let n = 0;
    const cases = /<testcase\b[^>]*\bclassname="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
    for (const [, description, content] of (body ?? "").matchAll(cases)) {
      n += 1;
      const result: CaseResult = { id: `${section} #${n}`, description: xmlText(description) };
      const failure = /<failure>Expect:\n([\s\S]*)\nActual:\n([\s\S]*)<\/failure>/.exec(
        content ?? "",
      );
      const error = /<error>([\s\S]*)<\/error>/.exec(content ?? "");
      if (failure) {
        result.failure = { expected: (failure[1] ?? "").split("\n"), actual: failure[2] ?? "" };
      } else if (error) {
        const lines = (error[1] ?? "").split("\n");
        result.failure = { expected: lines.slice(0, -1), actual: lines.at(-1) ?? "" };
      }
      results.push(result);
    }
  }
  return results;
}

/** An XML attribute's text (Go's encoding/xml escapes quotes as &#34;). */
function xmlText(text = ""): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#\d+|\w+);/g, (entity, name: string) =>
    name.startsWith("#") ? String.fromCharCode(Number(name.slice(1))) : (named[name] ?? entity),
  );
}

/** One line per failed case, printable: h2spec's text, with its PING payload's NULs shown. */
function describeFailure({ id, description, failure }: CaseResult): string {
  const show = (text: string) => text.replaceAll("\0", "\\0");
  return `${id} ${description}: expected ${failure?.expected.map(show).join(" or ")}; got ${show(failure?.actual ?? "")}`;
}

test(`h2spec ${H2SPEC_VERSION}: every case passes against a pod server`, async () => {
  const report = join(scratch, "h2spec.xml");
  const child = Bun.spawn(
    [
      h2spec,
      "-h",
      "127.0.0.1",
      "-p",
      String(adder.port),
      "--path",
      "/foo.bar.AdderService/AddFloats",
      "-o",
      String(CASE_TIMEOUT_S),
      "-j",
      report,
    ],
    { stdout: "pipe", stderr: "pipe", timeout: 120_000 },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const summary = /(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed/.exec(stdout);
  if (!summary || !(await Bun.file(report).exists())) {
    throw new Error(`h2spec did not finish (exit ${code}):\n${stdout.slice(-2000)}${stderr}`);
  }
  const cases = parseReport(await Bun.file(report).text());
  // Every case was run and read: a report parsed short would pass by omission.
  expect(cases.length).toBe(CASES);
  expect(cases.filter((c) => c.failure).length).toBe(Number(summary[4]));
  expect(cases.filter((c) => c.failure).map(describeFailure)).toEqual([]);
  expect(code).toBe(0);
}, 150_000);
