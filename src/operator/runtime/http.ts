// The probe and metrics endpoints: `/healthz` and `/readyz` on the health address, Prometheus
// text on `/metrics` at the metrics address. Addresses are `host:port` or `:port` (all
// interfaces); "0" turns an endpoint off.
import type { Metrics } from "./metrics.ts";

export function parseBindAddress(flag: string, value: string): { hostname: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(value);
  if (!match) throw new Error(`${flag}: expected HOST:PORT or :PORT, got "${value}"`);
  return { hostname: match[1] || "0.0.0.0", port: Number(match[2]) };
}

export interface Endpoints {
  healthPort: number | undefined;
  metricsPort: number | undefined;
  stop(): void;
}

export function serveEndpoints(options: {
  healthAddress: string;
  metricsAddress: string;
  ready: () => boolean;
  metrics: Metrics;
}): Endpoints {
  const servers: ReturnType<typeof Bun.serve>[] = [];
  let healthPort: number | undefined;
  let metricsPort: number | undefined;
  if (options.healthAddress !== "0") {
    const server = Bun.serve({
      ...parseBindAddress("--health-probe-bind-address", options.healthAddress),
      fetch(request) {
        const path = new URL(request.url).pathname;
        if (path === "/healthz") return new Response("ok\n");
        if (path === "/readyz") {
          return options.ready()
            ? new Response("ok\n")
            : new Response("caches not synced\n", { status: 503 });
        }
        return new Response("not found\n", { status: 404 });
      },
    });
    servers.push(server);
    healthPort = server.port;
  }
  if (options.metricsAddress !== "0") {
    const server = Bun.serve({
      ...parseBindAddress("--metrics-bind-address", options.metricsAddress),
      fetch(request) {
        if (new URL(request.url).pathname !== "/metrics") {
          return new Response("not found\n", { status: 404 });
        }
        return new Response(options.metrics.render(), {
          headers: { "content-type": "text/plain; version=0.0.4" },
        });
      },
    });
    servers.push(server);
    metricsPort = server.port;
  }
  return {
    healthPort,
    metricsPort,
    stop() {
      for (const server of servers) server.stop(true);
    },
  };
}
