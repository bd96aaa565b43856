// Names and ports that several components (and the central stack, later) must agree on. The
// in-cluster names follow from the chart's naming rules for the values we set, so they live here
// once instead of being re-derived wherever a selector or URL needs them.

/** Namespace of everything we run, except the node exporter. */
export const MONITORING_NAMESPACE = "monitoring";
/** The node exporter needs host namespaces and hostPath mounts: it gets a namespace labelled privileged. */
export const NODE_EXPORTER_NAMESPACE = "monitoring-node-exporter";

/** Labels every object we declare carries; the Cilium pool and L2 policy select Services by the first. */
export const PART_OF_LABEL = { "app.kubernetes.io/part-of": "thanos-multicluster" };
export const MANAGED_BY_LABEL = { "app.kubernetes.io/managed-by": "pulumi" };

export const KUBE_PROMETHEUS_STACK = {
    release: "kube-prometheus-stack",
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repository: "https://prometheus-community.github.io/helm-charts",
    /** `fullnameOverride`: the chart names its objects after it (it truncates to 26 characters). */
    fullname: "kps",
};

/** The Prometheus CR the chart creates is `<fullname>-prometheus`; the operator's StatefulSet is `prometheus-<cr>`. */
export const PROMETHEUS_CR_NAME = `${KUBE_PROMETHEUS_STACK.fullname}-prometheus`;
export const PROMETHEUS_SERVICE_NAME = PROMETHEUS_CR_NAME;
export const PROMETHEUS_PORT = 9090;

/** Pod name of a Prometheus replica, as the StatefulSet controller labels it (`statefulset.kubernetes.io/pod-name`). */
export function prometheusPodName(replica: number): string {
    return `prometheus-${PROMETHEUS_CR_NAME}-${replica}`;
}

/** The Alertmanager CR the chart creates is `<fullname>-alertmanager`; its pods are `alertmanager-<cr>-<i>`. */
export const ALERTMANAGER_CR_NAME = `${KUBE_PROMETHEUS_STACK.fullname}-alertmanager`;
export const ALERTMANAGER_PORT = 9093;

export function alertmanagerPodName(replica: number): string {
    return `alertmanager-${ALERTMANAGER_CR_NAME}-${replica}`;
}

/** The operator's labels on the Alertmanager pods of our Alertmanager CR (the chart's Service selects them so). */
export const ALERTMANAGER_POD_SELECTOR = {
    "app.kubernetes.io/name": "alertmanager",
    alertmanager: ALERTMANAGER_CR_NAME,
};
/** Alertmanager's gossip port (TCP and UDP) between replicas. */
export const ALERTMANAGER_CLUSTER_PORT = 9094;

/** The operator's labels on the Prometheus pods of our Prometheus CR. */
export const PROMETHEUS_POD_SELECTOR = {
    "app.kubernetes.io/name": "prometheus",
    "operator.prometheus.io/name": PROMETHEUS_CR_NAME,
};
/** The Grafana chart's labels on its pods. */
export const GRAFANA_POD_SELECTOR = { "app.kubernetes.io/name": "grafana" };
/** The Grafana subchart's Service (`<release>-grafana`), on GRAFANA_PORT. */
export const GRAFANA_SERVICE_NAME = `${KUBE_PROMETHEUS_STACK.release}-grafana`;
/** The operator's headless Service of every Alertmanager pod: `<pod>.alertmanager-operated` resolves one replica. */
export const ALERTMANAGER_OPERATED_SERVICE = "alertmanager-operated";

/** The external label the operator sets to the pod name; Query deduplicates on it. */
export const PROMETHEUS_REPLICA_LABEL = "prometheus_replica";
/** The external label that tells clusters apart. */
export const CLUSTER_LABEL = "cluster";

/** The sidecar's container ports, as the operator names them. */
export const SIDECAR_GRPC_PORT_NAME = "grpc";
export const SIDECAR_GRPC_PORT = 10901;

/**
 * LoadBalancer port of replica i's sidecar. The replicas share one address, so each needs its own
 * port; 10 apart leaves room for a replica's HTTP port should it ever be exposed next to its gRPC.
 */
export function sidecarLoadBalancerPort(replica: number): number {
    return SIDECAR_GRPC_PORT + 10 * replica;
}

export const OBJSTORE_SECRET = { name: "thanos-objstore", key: "objstore.yml" };

/** The objstore Secret of a central Thanos component (store-gateway, compactor, ruler): its own identity. */
export function objstoreSecretName(component: string): string {
    return `${OBJSTORE_SECRET.name}-${component}`;
}

/**
 * The object store's CA bundle (https with a private CA). Mounted at the path the operator gives
 * a Prometheus `configMaps` entry, in our Thanos components too, so one objstore config serves all.
 */
export const OBJSTORE_CA = {
    configMap: "thanos-objstore-ca",
    key: "ca.crt",
    volume: "configmap-thanos-objstore-ca",
    mountPath: "/etc/prometheus/configmaps/thanos-objstore-ca",
};
export const OBJSTORE_CA_FILE = `${OBJSTORE_CA.mountPath}/${OBJSTORE_CA.key}`;

/** In-cluster URL of the chart's Prometheus Service. */
export const PROMETHEUS_URL = `http://${PROMETHEUS_SERVICE_NAME}.${MONITORING_NAMESPACE}.svc:${PROMETHEUS_PORT}`;

/**
 * The sidecar's TLS material (edges with grpcTls): CA (verifies Query's client certificate),
 * server certificate and key. Mounted where the operator mounts a Prometheus `secrets` entry.
 */
export const SIDECAR_TLS = {
    secret: "thanos-sidecar-tls",
    volume: "secret-thanos-sidecar-tls",
    mountPath: "/etc/prometheus/secrets/thanos-sidecar-tls",
    ca: "ca.crt",
    cert: "tls.crt",
    key: "tls.key",
};

/** DNS name in the sidecar's server certificate; Query checks it (`server_name`). */
export function sidecarServerName(clusterName: string): string {
    return `thanos-sidecar.${clusterName}`;
}

/** Query's endpoint file (`--endpoint.sd-config-file`): a ConfigMap mounted into Query, re-read every reload interval. */
export const QUERY_ENDPOINTS_CONFIGMAP = "thanos-query-endpoints";
export const QUERY_ENDPOINTS_KEY = "endpoints.yaml";

/**
 * Grafana's Thanos Query datasource, the one every dashboard queries. Dashboards refer to it by
 * uid, so its URL may change (to a query-frontend, say) without touching any dashboard.
 */
export const THANOS_DATASOURCE = { type: "prometheus", uid: "thanos" } as const;

/** The label the Grafana dashboard sidecar selects ConfigMaps by (the chart's default, stated). */
export const GRAFANA_DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;
/** The ConfigMap annotation naming the Grafana folder a dashboard goes into. */
export const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

/**
 * The job label of each Thanos component, as the PodMonitors set it: the names the Thanos mixin's
 * alerts and dashboards expect, and what our rules and dashboards select.
 */
export const THANOS_JOBS = {
    sidecar: "thanos-sidecar",
    query: "thanos-query",
    queryFrontend: "thanos-query-frontend",
    store: "thanos-store",
    compact: "thanos-compact",
    rule: "thanos-rule",
} as const;

/** The central front door's DaemonSet, ConfigMap and LoadBalancer Service (components/frontDoor.ts). */
export const FRONT_DOOR_NAME = "frontdoor";
/** The router pods' labels (NetworkPolicies and the Alertmanager L7 rule select them by these). */
export const FRONT_DOOR_POD_SELECTOR = {
    "app.kubernetes.io/name": "haproxy",
    "app.kubernetes.io/component": FRONT_DOOR_NAME,
    ...PART_OF_LABEL,
};
