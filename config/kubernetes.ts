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

/** `createStorageClass`: the stack creates `storageClass` itself, on Longhorn, with reclaimPolicy Retain. */
export interface CreatedStorageClassSettings {
    /** Longhorn replicas of each volume (`numberOfReplicas`). */
    numberOfReplicas: number;
}

/** Longhorn's installation creates (and keeps) a StorageClass of this name itself. */
export const LONGHORN_OWN_STORAGE_CLASS = "longhorn";

/**
 * `createStorageClass` (optional): unset, `storageClass` names a class that exists already, with
 * whatever reclaim policy it has. Longhorn places each replica of a volume on its own node unless
 * its Replica Node Level Soft Anti-Affinity setting is on, so more replicas than nodes leaves every
 * volume degraded: the default is one per node, at most 3.
 */
export function readCreatedStorageClass(
    r: Reader,
    storageClass: string,
    nodeCount: number,
): CreatedStorageClassSettings | undefined {
    r.object("createStorageClass");
    if (!r.has("createStorageClass")) return undefined;
    const numberOfReplicas = r.integer("createStorageClass.numberOfReplicas", Math.max(1, Math.min(3, nodeCount)));
    if (numberOfReplicas < 1)
        r.problem("createStorageClass.numberOfReplicas", `must be at least 1; got ${numberOfReplicas}`);
    else if (nodeCount > 0 && numberOfReplicas > nodeCount)
        r.problem(
            "createStorageClass.numberOfReplicas",
            `is ${numberOfReplicas}, more than the ${nodeCount} node(s) of nodeIps: Longhorn puts each replica on its own node, so every volume would stay degraded; set it to ${nodeCount} or less`,
        );
    if (storageClass === LONGHORN_OWN_STORAGE_CLASS)
        r.problem(
            "storageClass",
            `is "${LONGHORN_OWN_STORAGE_CLASS}", the StorageClass Longhorn's installation creates, while createStorageClass asks this stack to create it: name a class of its own (e.g. monitoring-retain), or remove createStorageClass`,
        );
    return { numberOfReplicas };
}
