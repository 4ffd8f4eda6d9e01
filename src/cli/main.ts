#!/usr/bin/env bun
// The `vimana` command line (`bun src/cli/main.ts …`, or `vimana …` once installed).
import { runCli } from "./cli.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
