// The validated, typed settings of one stack, and the pure function that builds them from raw config.
// Every rule lives in config/ so that a bad stack file fails before any resource is registered, with one
// message per problem naming the config key and the fix: one module per config section, read from here.

import { CentralSettings, readCentral } from "./central";
import { EdgeAlertingSettings, readEdgeAlerting } from "./alertRouting";
import { ConfigError, PROJECT, RawConfig, Reader } from "./reader";
import { Role, readIdentity } from "./identity";
import {
    CreatedStorageClassSettings,
    KubernetesSettings,
    readCreatedStorageClass,
    readKubernetes,
    readStorageClass,
} from "./kubernetes";
import { LoadBalancerSettings, readLoadBalancer } from "./loadBalancer";
import { ObjectStorageSettings, readObjectStorage } from "./objectStorage";
import { PrometheusSettings, readPrometheus } from "./prometheus";
import { GrpcTlsSettings, readGrpcTls } from "./grpcTls";
import { KubePrometheusStackSettings, readKubePrometheusStack } from "./kubePrometheusStack";
import { ImageSettings, readImages } from "./images";

export { ConfigError, PROJECT, RawConfig };
export { CentralSettings };
export type {
    Role,
    KubernetesSettings,
    LoadBalancerSettings,
    ObjectStorageSettings,
    PrometheusSettings,
    GrpcTlsSettings,
    KubePrometheusStackSettings,
    ImageSettings,
};
export { BLOCK_DURATION } from "./prometheus";
export { endpointProblem } from "./objectStorage";
export { DEFAULT_KPS_RELEASE, chartFileProblems } from "./kubePrometheusStack";
export type { ChartSource } from "./kubePrometheusStack";

export interface ClusterSettings {
    /** Cluster name: the `cluster` external label, unique across stacks. */
    clusterName: string;
    role: Role;
    /** Addresses of the cluster's nodes (none may be the LB address; on the central cluster, more than one needs loadBalancer.l2AnnouncerNode). */
    nodeIps: string[];
    kubernetes: KubernetesSettings;
    /** StorageClass for every PVC (Longhorn in the lab). */
    storageClass: string;
    /** Set when the stack creates `storageClass` itself (Longhorn, reclaimPolicy Retain). */
    createStorageClass?: CreatedStorageClassSettings;
    loadBalancer: LoadBalancerSettings;
    objectStorage: ObjectStorageSettings;
    prometheus: PrometheusSettings;
    /** Whether the cluster runs a Thanos Query on its pinned address (edges: the central Query dials it). */
    exposeEdgeQuery: boolean;
    /** mTLS on the sidecars' gRPC (edges). */
    grpcTls: GrpcTlsSettings;
    /** Where this cluster's Prometheus sends alerts (edges: every central Alertmanager replica). */
    alerting: EdgeAlertingSettings;
    /** The kube-prometheus-stack release: installed, or an existing one taken over. */
    kubePrometheusStack: KubePrometheusStackSettings;
    /** Where every image the plan pulls comes from: upstream, or one mirror (air-gapped). */
    images: ImageSettings;
    /** The Thanos control plane's settings; present exactly on the central stack. */
    central?: CentralSettings;
}

/** What the raw config must hold besides the settings: which secrets are present. */
export interface PresentSecrets {
    kubeconfig: boolean;
}

/**
 * Validates a stack's raw config into settings, or throws a ConfigError listing every problem.
 * Pure: the Pulumi-facing loader in ./index.ts calls it before any resource exists.
 */
export function parseClusterSettings(raw: RawConfig, secrets: PresentSecrets): ClusterSettings {
    const r = new Reader(raw);
    for (const section of ["kubernetes", "loadBalancer", "objectStorage", "prometheus"]) {
        r.object(section);
    }

    const { clusterName, role, nodeIps } = readIdentity(r);
    const kubernetes = readKubernetes(r, secrets.kubeconfig);
    const storageClass = readStorageClass(r);
    const createStorageClass = readCreatedStorageClass(r, storageClass, nodeIps.length);

    const loadBalancer = readLoadBalancer(r, role, nodeIps);
    const objectStorage = readObjectStorage(r);
    const prometheus = readPrometheus(r);
    const grpcTls = readGrpcTls(r, role);
    const alerting = readEdgeAlerting(r, role === "edge");
    const kubePrometheusStack = readKubePrometheusStack(r);
    const images = readImages(r);
    let central: CentralSettings | undefined;
    if (role === "central") {
        central = readCentral(r, objectStorage.bucket || undefined, objectStorage.identities);
    } else if (raw.central !== undefined) {
        r.problem(
            "central",
            "is set on an edge stack: only the central stack (role: central) runs the Thanos control plane; remove it or set role to central",
        );
        r.skip("central");
    }

    // Every key no reader above read is unknown (a typo, or a setting at the wrong level).
    r.unknownKeyProblems();
    if (r.problems.length > 0) {
        throw new ConfigError(r.problems);
    }
    return {
        clusterName: clusterName!,
        role,
        nodeIps,
        kubernetes,
        storageClass,
        ...(createStorageClass !== undefined ? { createStorageClass } : {}),
        loadBalancer,
        objectStorage,
        prometheus,
        exposeEdgeQuery: role === "edge",
        grpcTls,
        alerting,
        kubePrometheusStack,
        images,
        ...(central !== undefined ? { central } : {}),
    };
}
