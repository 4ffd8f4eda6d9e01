// Container logs: what Vimana pods print, in the files kubelet reads (`kubectl logs`).
export {
  ContainerLogs,
  type ContainerLogsOptions,
  containerLogPath,
  criLogLine,
  type OutputLine,
} from "./container-logs.ts";
