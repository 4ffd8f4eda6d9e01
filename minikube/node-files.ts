// What restart puts into the minikube node for vimanad: the executable (one file per build, so
// that a hotswap never overwrites the running one), a templated systemd unit whose instance is
// the build id, and vimanad's config.

/** The node's name for the host, where the local registry answers (minikube's own alias). */
export const NODE_REGISTRY_HOST = "host.minikube.internal";
export const NODE_BINARY_DIR = "/usr/local/lib/vimana";
export const NODE_UNIT_PATH = "/etc/systemd/system/vimanad@.service";
export const NODE_CONFIG_PATH = "/etc/vimana/config.json";
/** The build id of the vimanad the node runs (hotswap reads it to retire the old one). */
export const NODE_BUILD_FILE = "/etc/vimana/build";
export const NODE_VIMANAD_SOCKET = "/run/vimana/vimanad.sock";
export const NODE_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
/** Where kubeadm and minikube name kubelet's runtime endpoint. */
export const KUBELET_RUNTIME_FILES = [
  "/var/lib/kubelet/kubeadm-flags.env",
  "/var/lib/kubelet/config.yaml",
  "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
];

export function nodeBinary(buildId: string): string {
  return `${NODE_BINARY_DIR}/vimanad-${buildId}`;
}

export function vimanadUnitName(buildId: string): string {
  return `vimanad@${buildId}.service`;
}

/**
 * Every instance starts with --takeover: the first finds no vimanad and starts on its own, a
 * later one takes the sockets and pods over from the one running, which then exits 0 (no
 * Restart=: a takeover that is called off must not be retried in a loop).
 */
export function vimanadUnit(): string {
  return `[Unit]
Description=Vimana Work Runtime Service (build %i)
Requires=containerd.service
After=containerd.service

[Service]
Type=exec
ExecStart=${NODE_BINARY_DIR}/vimanad-%i --config=${NODE_CONFIG_PATH} --takeover

[Install]
WantedBy=multi-user.target
`;
}

/**
 * vimanad's settings in the node: the local registry over plain HTTP, and pod addresses from
 * CNI host-local on a subnet beside kindnet's (10.244.0.0/16), on the node's eth0, so that
 * other pods (Envoy's) reach them through the node.
 */
export function vimanadConfig(registry: string): string {
  return `${JSON.stringify(
    {
      incoming: NODE_VIMANAD_SOCKET,
      downstream: NODE_CONTAINERD_SOCKET,
      insecureRegistries: [registry],
      ipam: "host-local",
      ipamNetworkName: "vimana",
      networkInterface: "eth0",
      podIps: "10.245.0.0/24",
    },
    null,
    2,
  )}\n`;
}

/** sh -c script: kubelet → vimanad's socket in every file that names containerd's, restarted. */
export function pointKubeletScript(): string {
  const files = KUBELET_RUNTIME_FILES.join(" ");
  return `for f in ${files}; do if [ -f "$f" ]; then sed -i 's#\\(unix://\\)\\{0,1\\}${NODE_CONTAINERD_SOCKET}#unix://${NODE_VIMANAD_SOCKET}#g' "$f"; fi; done && systemctl daemon-reload && systemctl restart kubelet`;
}
