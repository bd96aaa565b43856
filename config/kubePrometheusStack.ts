// The kube-prometheus-stack Helm release (`kubePrometheusStack`): installed, or an existing one taken over.

import { Reader } from "./reader";
import { isDns1123Label } from "./units";

export interface KubePrometheusStackSettings {
    /** Helm release name: ours by default, or the name of the existing release to take over. */
    releaseName: string;
    /** Take over an existing release (and its namespace) in `monitoring` with Pulumi's import, instead of installing. */
    adopt: boolean;
}

/** Our release name when none is configured. */
export const DEFAULT_KPS_RELEASE = "kube-prometheus-stack";

export function readKubePrometheusStack(r: Reader): KubePrometheusStackSettings {
    r.object("kubePrometheusStack");
    const releaseName = r.string("kubePrometheusStack.releaseName", "", DEFAULT_KPS_RELEASE);
    // Helm's limit: a DNS-1123 label of at most 53 characters.
    if (!isDns1123Label(releaseName) || releaseName.length > 53) {
        r.problem(
            "kubePrometheusStack.releaseName",
            `must be a Helm release name (DNS-1123 label, at most 53 characters); got "${releaseName}"`,
        );
    }
    const adopt = r.boolean("kubePrometheusStack.adopt", false);
    return { releaseName, adopt };
}
