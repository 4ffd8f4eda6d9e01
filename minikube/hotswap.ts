// bun run hotswap [--driver minikube|local] [--dry-run]
import { main } from "./cli.ts";

const usage = `Usage: bun run hotswap [--driver minikube|local] [--dry-run] [--no-build]

New builds into the running cluster in seconds (docs/restart.md): rebuilds dist/vimanad and
dist/vimana-operator (bun run build), starts the new vimanad with --takeover beside the running
one (it takes the sockets and every pod over; pods and calls survive), pushes the operator image
tagged with the build id and rolls the operator's Deployment to it. Prints how long each part
took. Fails with the \`bun run restart\` hint when no cluster runs.

Options:
  --driver minikube|local  where the cluster runs (default minikube)
  --dry-run                print every command without running any
  --no-build               use dist/ as it is instead of running bun run build
  --registry-port PORT     minikube: the host's registry port (default 5000)
  --state-dir DIR          local: the cluster's state (default ~/.local/state/vimana/cluster)
  --help                   print this`;

process.exit(await main("hotswap", process.argv.slice(2), usage));
