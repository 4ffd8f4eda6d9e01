// docs/commands.md is generated from the commands themselves; a stale page fails here with the
// command that regenerates it.
import { expect, test } from "bun:test";
import { commandsPage, commandsPagePath, regenerate } from "./docs-commands.ts";

test("docs/commands.md matches every command's --help", async () => {
  const committed = await Bun.file(commandsPagePath).text();
  const generated = await commandsPage();
  if (committed !== generated) {
    const lines = [committed.split("\n"), generated.split("\n")] as const;
    const differs = lines[0].findIndex((line, i) => line !== lines[1][i]);
    const at = differs === -1 ? lines[0].length : differs;
    throw new Error(
      `docs/commands.md is stale: run \`${regenerate}\` and commit it.\n` +
        `First difference, line ${at + 1}:\n  page:  ${lines[0][at]}\n  code:  ${lines[1][at]}`,
    );
  }
  expect(generated).toContain("## vimana");
}, 120_000);
