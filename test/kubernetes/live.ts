// Clusters and API servers the fixtures started in this test run: stopped at the end of the run
// (test/preload.ts), killed if the run is interrupted or exits early.
import { killAllSync } from "../../minikube/local/index.ts";

interface Running {
  readonly stateDir: string;
  stop(): Promise<void>;
}

const running = new Set<Running>();

export function trackRunning(entry: Running): () => void {
  running.add(entry);
  return () => running.delete(entry);
}

/** Stops everything still running; shared instances end here. */
export async function stopKubernetesFixtures(): Promise<void> {
  await Promise.all([...running].map((entry) => entry.stop()));
  running.clear();
}

/** Kills everything without waiting: for "exit" and signal handlers. */
export function killKubernetesFixturesSync(): void {
  for (const entry of running) killAllSync(entry.stateDir);
  running.clear();
}
