/** Runs kubectl with `kubeconfig`; resolves stdout, or throws with the command and its stderr. */
export async function runKubectl(
  kubectl: string,
  kubeconfig: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const child = Bun.spawn([kubectl, `--kubeconfig=${kubeconfig}`, ...args], {
    stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${code}):\n${err}${out}`);
  return out;
}
