// Developer clusters: `bun run restart` (a fresh cluster with the latest builds) and
// `bun run hotswap` (new builds into the running one), on minikube or the local cluster.
export { hotswapLocal, type LocalHotswapResult, restartLocal } from "./local-driver.ts";
export { hotswapMinikube, restartMinikube } from "./minikube-driver.ts";
export { StepFailed, Steps, shellQuote } from "./steps.ts";
