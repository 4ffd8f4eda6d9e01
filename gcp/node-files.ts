// What the production node image holds besides Debian: vimanad's unit and containerd's config
// (ref §9.3), and the shell script that installs them on the temporary VM.

/** containerd on GCE comes up late; vimanad waits for its socket rather than failing. */
export const productionUnit = `[Unit]
Description=Vimana Work Runtime Service
Requires=containerd.service
After=containerd.service

[Service]
Type=exec
ExecStartPre=/bin/sh -c 'for i in $(seq 60); do [ -S /run/containerd/containerd.sock ] && exit 0; sleep 1; done; exit 1'
ExecStart=/usr/bin/vimanad

[Install]
WantedBy=multi-user.target
`;

export const containerdConfig = `version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
`;

/** Run on the VM as its OS Login user, the three files already in /tmp. */
export const installScript = [
  "set -eu",
  "sudo apt-get update -q",
  "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q cloud-init containerd",
  "sudo install -m 0755 /tmp/vimanad /usr/bin/vimanad",
  "sudo install -m 0644 /tmp/vimanad.service /etc/systemd/system/vimanad.service",
  "sudo install -D -m 0644 /tmp/config.toml /etc/containerd/config.toml",
  "sudo systemctl daemon-reload",
  "sudo systemctl enable vimanad.service",
  "rm /tmp/vimanad /tmp/vimanad.service /tmp/config.toml",
].join("\n");
