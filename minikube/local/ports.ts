/**
 * A loopback TCP port that was free a moment ago. Another process may take it before the
 * service binds it; the cluster's services are started once, so a collision shows in its log.
 */
export function freePort(hostname = "127.0.0.1"): number {
  const listener = Bun.listen({ hostname, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
