// Attacks held by child processes: their sockets and file descriptors are not the test's, and
// their CPU can be given the lowest priority. A child prints one line once its attack is under
// way, keeps attacking until its stdin closes, then prints its report and exits.

export interface Attack {
  /** Ends the attack and closes every connection it opened; resolves its report. */
  stop(): Promise<string>;
}

/** `nice` value for an attacker whose own CPU use must not count against vimanad. */
export const LOWEST_PRIORITY = 19;

/** Starts `script` (in this folder) with `args`; resolves once it says its attack is under way. */
export async function startAttackChild(
  [script, ...args]: string[],
  nice?: number,
): Promise<Attack> {
  const command = [process.execPath, `${import.meta.dir}/${script}`, ...args];
  const child = Bun.spawn(nice === undefined ? command : ["nice", "-n", String(nice), ...command], {
    stdout: "pipe",
    stderr: "inherit",
    stdin: "pipe",
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const readUntil = async (stop: () => boolean) => {
    while (!stop()) {
      const { value, done } = await reader.read();
      if (done) return false;
      text += decoder.decode(value, { stream: true });
    }
    return true;
  };
  if (!(await readUntil(() => text.includes("\n")))) {
    throw new Error(`${script} ${args.join(" ")}: exited early (${await child.exited})`);
  }
  return {
    async stop() {
      child.stdin.end();
      await readUntil(() => false);
      await child.exited;
      return text.trim().replaceAll("\n", ", ");
    },
  };
}
