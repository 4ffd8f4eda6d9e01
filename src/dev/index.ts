// `vimana dev`: a project's Domains, Servers and Components served on one local gateway port,
// routed as the cluster routes, with hot reload that swaps versions without dropping a call.
// docs/dev.md describes the project file and the output.

export { ArtifactBuilder, generatedDir, protoImports, worldName } from "./artifacts.ts";
export { DevError, type DevOptions, type DevServer, startDev } from "./dev.ts";
export { progressTicker } from "./progress.ts";
export { loadProject, type Project, ProjectError, parseProject } from "./project.ts";
