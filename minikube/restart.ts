// bun run restart [--driver minikube|local] [--dry-run] [-- extra minikube args]
import { main } from "./cli.ts";

const usage = `Usage: bun run restart [--driver minikube|local] [--dry-run] [--no-build] [--no-gateway] [-- MINIKUBE-ARGS…]

A fresh cluster with the latest local builds (docs/restart.md). Builds dist/vimanad and
dist/vimana-operator (bun run build), then:

--driver minikube (the default; needs minikube, docker, helm, kubectl on PATH):
  starts a registry on localhost:5000 if none answers; deletes the old minikube cluster; starts
  stock minikube (docker driver, containerd, the registry as an insecure one; MINIKUBE-ARGS
  appended); copies vimanad, its systemd unit and config into the node and starts it; points
  kubelet at vimanad's socket and restarts it; installs Envoy Gateway with helm; pushes the
  operator image and applies its manifests; waits until the node, gateway and operator are ready.
--driver local (Linux, root, no Docker): the same on the local cluster of \`bun run cluster\`:
  stops the one in the state directory, starts a fresh one with this vimanad (and Envoy Gateway
  in host mode), pushes the operator image to its registry and installs the operator in it
  (host network).

Each step prints its commands; a failing step says which, why, and what to run to clean up.

Options:
  --driver minikube|local  where the cluster runs (default minikube)
  --dry-run                print every command without running any
  --no-build               use dist/ as it is instead of running bun run build
  --registry-port PORT     minikube: the host's registry port (default 5000)
  --state-dir DIR          local: the cluster's state (default ~/.local/state/vimana/cluster)
  --no-gateway             local: without Envoy Gateway (as bun run cluster up --no-gateway)
  --help                   print this`;

process.exit(await main("restart", process.argv.slice(2), usage));
