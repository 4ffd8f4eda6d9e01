#!/usr/bin/env bun
// vimana-operator: runs the controllers (the default), or writes what installing it needs: the
// CRDs, the manifests, the container image.
import { runOperatorCli } from "./cli.ts";

process.exitCode = await runOperatorCli(process.argv.slice(2));
