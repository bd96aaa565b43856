import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BLOCK_DURATION, ClusterSettings } from "../config";
import {
    CLUSTER_LABEL,
    KUBE_PROMETHEUS_STACK,
    NODE_EXPORTER_NAMESPACE,
    PROMETHEUS_REPLICA_LABEL,
} from "./names";

/** Thanos image of the sidecar: the one kube-prometheus-stack 88.5.3 ships, pinned so a chart bump cannot change it unseen. */
export const THANOS_VERSION = "v0.42.4";
export const THANOS_IMAGE = `quay.io/thanos/thanos:${THANOS_VERSION}`;

interface ResourceRequirements {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
}

/** The subset of the chart's values that we set, typed so a misspelt key fails to compile. */
export interface KubePrometheusStackValues {
    fullnameOverride: string;
    alertmanager: { enabled: boolean };
    grafana: { enabled: boolean };
    "prometheus-node-exporter": { namespaceOverride: string };
    prometheus: {
        enabled: boolean;
        podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
        thanosService: { enabled: boolean };
        thanosServiceExternal: { enabled: boolean };
        prometheusSpec: {
            replicas: number;
            scrapeInterval: string;
            evaluationInterval: string;
            externalLabels: Record<string, string>;
            replicaExternalLabelName: string;
            retention: string;
            retentionSize: string;
            disableCompaction: boolean;
            walCompression: boolean;
            podAntiAffinity: "soft" | "hard" | "";
            podAntiAffinityTopologyKey: string;
            resources: ResourceRequirements;
            serviceMonitorSelectorNilUsesHelmValues: boolean;
            podMonitorSelectorNilUsesHelmValues: boolean;
            ruleSelectorNilUsesHelmValues: boolean;
            probeSelectorNilUsesHelmValues: boolean;
            scrapeConfigSelectorNilUsesHelmValues: boolean;
            storageSpec: {
                volumeClaimTemplate: {
                    spec: {
                        storageClassName: string;
                        accessModes: string[];
                        resources: { requests: { storage: string } };
                    };
                };
            };
            thanos: {
                image: string;
                version: string;
                blockSize: string;
                objectStorageConfig: { existingSecret: { name: string; key: string } };
                resources: ResourceRequirements;
            };
        };
    };
}

/** Where the chart finds the objstore config: a Secret we create, never values inlined in the release. */
export interface ObjstoreSecretRef {
    name: string;
    key: string;
}

/**
 * kube-prometheus-stack values for one cluster's monitoring base: Prometheus HA with the Thanos
 * sidecar shipping 2h blocks to the metrics bucket.
 */
export function kubePrometheusStackValues(settings: ClusterSettings, objstore: ObjstoreSecretRef): KubePrometheusStackValues {
    const prometheus = settings.prometheus;
    return {
        // Short, fixed object names: the per-replica sidecar Services select pods by name.
        fullnameOverride: KUBE_PROMETHEUS_STACK.fullname,
        // Edges ship metrics only; the central cluster's Alertmanager and Grafana are the control plane's.
        alertmanager: { enabled: false },
        grafana: { enabled: false },
        "prometheus-node-exporter": { namespaceOverride: NODE_EXPORTER_NAMESPACE },
        prometheus: {
            enabled: true,
            podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
            // The chart's sidecar Services would put both replicas behind one address; Query must see
            // each replica separately, so the SidecarLoadBalancer component exposes them instead.
            thanosService: { enabled: false },
            thanosServiceExternal: { enabled: false },
            prometheusSpec: {
                replicas: prometheus.replicas,
                scrapeInterval: prometheus.scrapeInterval,
                evaluationInterval: prometheus.scrapeInterval,
                // `cluster` is the one label that tells clusters apart in Query; the operator adds
                // `prometheus` and `prometheus_replica` itself.
                externalLabels: { [CLUSTER_LABEL]: settings.clusterName },
                replicaExternalLabelName: PROMETHEUS_REPLICA_LABEL,
                retention: prometheus.retention,
                retentionSize: prometheus.retentionSize,
                // Thanos needs Prometheus to leave compaction to the compactor (min = max block duration).
                disableCompaction: true,
                walCompression: true,
                // Soft: a single-node cluster still runs both replicas; on more nodes they spread.
                podAntiAffinity: "soft",
                podAntiAffinityTopologyKey: "kubernetes.io/hostname",
                resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
                // Pick up every ServiceMonitor, PodMonitor, rule and probe in the cluster, not only the chart's.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                storageSpec: {
                    volumeClaimTemplate: {
                        spec: {
                            storageClassName: settings.storageClass,
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: prometheus.storageSize } },
                        },
                    },
                },
                thanos: {
                    image: THANOS_IMAGE,
                    version: THANOS_VERSION,
                    blockSize: BLOCK_DURATION,
                    objectStorageConfig: { existingSecret: { name: objstore.name, key: objstore.key } },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                },
            },
        },
    };
}

export interface KubePrometheusStackArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** Namespace of the release (Prometheus, the operator, kube-state-metrics). */
    namespace: pulumi.Input<string>;
    /** The validated cluster settings. */
    settings: ClusterSettings;
    /** The objstore Secret the sidecar reads. */
    objstore: { name: pulumi.Input<string>; key: string };
    /** Resources the release must wait for (the node exporter's namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** kube-prometheus-stack as one Helm release, pinned with its repository. */
export class KubePrometheusStack extends pulumi.ComponentResource {
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;
    /** The values passed to the chart. */
    public readonly values: pulumi.Output<KubePrometheusStackValues>;

    constructor(name: string, args: KubePrometheusStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:KubePrometheusStack", name, {}, opts);
        this.values = pulumi
            .output(args.objstore.name)
            .apply((secretName) => kubePrometheusStackValues(args.settings, { name: secretName, key: args.objstore.key }));
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: KUBE_PROMETHEUS_STACK.release,
                chart: KUBE_PROMETHEUS_STACK.chart,
                version: KUBE_PROMETHEUS_STACK.version,
                repositoryOpts: { repo: KUBE_PROMETHEUS_STACK.repository },
                namespace: args.namespace,
                values: this.values,
                // The operator's CRDs and webhook take a while on a cold cluster.
                timeout: 900,
                maxHistory: 10,
            },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
