import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";

/** Provider arguments from config: a kubeconfig secret if given, otherwise the named context. */
export function kubernetesProviderArgs(config: Pick<StackConfig, "kubernetes" | "secrets">): k8s.ProviderArgs {
    if (config.secrets.kubeconfig !== undefined) {
        return { kubeconfig: config.secrets.kubeconfig, context: config.kubernetes.context };
    }
    return { context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfigPath };
}

/**
 * The stack's one Kubernetes provider. Every Kubernetes resource gets it explicitly (and the stack
 * files disable the default provider), so a deployment can never land on whatever cluster the
 * ambient kubeconfig happens to point at.
 */
export function newKubernetesProvider(config: StackConfig, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(config.stack, kubernetesProviderArgs(config), opts);
}
