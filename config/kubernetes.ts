// How the program reaches the cluster (`kubernetes`), and the StorageClass of its volumes.

import { Reader } from "./reader";
import { isDns1123Subdomain } from "./units";

export interface KubernetesSettings {
    /** kubeconfig context to deploy to; required unless a kubeconfig secret is given. */
    context?: string;
    /** Path of the kubeconfig file holding the context; the provider's default search path when unset. */
    kubeconfigPath?: string;
}

/** Kubernetes access: an explicit context or a kubeconfig secret, never the ambient default. */
export function readKubernetes(r: Reader, hasKubeconfigSecret: boolean): KubernetesSettings {
    const context = r.optionalString("kubernetes.context", "name the kubeconfig context of this cluster");
    const kubeconfigPath = r.optionalString("kubernetes.kubeconfigPath", "give the path of the kubeconfig file");
    if (context === undefined && !hasKubeconfigSecret) {
        r.problem(
            "kubernetes.context",
            `is required unless the secret ${r.key("kubeconfig")} is set: run \`pulumi config set --path kubernetes.context <context>\` or \`pulumi config set --secret kubeconfig < kubeconfig.yaml\``,
        );
    }
    return { context, kubeconfigPath };
}

/** `storageClass`: the StorageClass of every PVC. */
export function readStorageClass(r: Reader): string {
    const storageClass = r.string("storageClass", "name the StorageClass for PVCs", "longhorn");
    if (!isDns1123Subdomain(storageClass)) {
        r.problem("storageClass", `must be a StorageClass name (DNS-1123 subdomain); got "${storageClass}"`);
    }
    return storageClass;
}
