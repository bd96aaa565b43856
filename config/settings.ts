// The validated, typed settings of one stack, and the pure function that builds them from raw config.
// Every rule lives here so that a bad stack file fails before any resource is registered, with one
// message per problem naming the config key and the fix.

import {
    HOUR_MS,
    formatHours,
    formatPrometheusSize,
    isDns1123Label,
    isDnsHostName,
    parseDuration,
    parseIPv4,
    parseIPv4Cidr,
    parsePrometheusSize,
    parseStorageQuantity,
    reservedIPv4Reason,
    bucketNameProblem,
} from "./units";
import { CentralSettings, readCentral } from "./central";
import { EdgeAlertingSettings, readEdgeAlerting } from "./alertRouting";
import { ConfigError, PROJECT, RawConfig, Reader } from "./reader";
import { AlertingSettings, readAlerting } from "./alerting";
import { caBundleProblems } from "./certificates";
import { CERTIFICATE_WARNING_DAYS } from "../components/alertRules";

export { ConfigError, PROJECT, RawConfig };
export { CentralSettings };

export type Role = "central" | "edge";

/** Prometheus TSDB block duration. Thanos requires min = max = 2h when the sidecar uploads. */
export const BLOCK_DURATION = "2h";
const BLOCK_DURATION_MS = 2 * HOUR_MS;
/** Thanos' sidecar docs: local retention must not be below 3x the block duration. */
const MIN_RETENTION_MS = 3 * BLOCK_DURATION_MS;
/** Share of the PVC that size-based retention may fill: the rest is headroom for WAL replay and head compaction. */
const MAX_RETENTION_SIZE_SHARE = 0.9;
const DEFAULT_RETENTION_SIZE_SHARE = 0.8;

export interface KubernetesSettings {
    /** kubeconfig context to deploy to; required unless a kubeconfig secret is given. */
    context?: string;
    /** Path of the kubeconfig file holding the context; the provider's default search path when unset. */
    kubeconfigPath?: string;
}

export interface LoadBalancerSettings {
    /** The cluster's pinned LoadBalancer address: the sidecars' on an edge, Query's and Grafana's on the central cluster. */
    ip: string;
    /** Whether this stack owns the Cilium LB IPAM pool and L2 announcement policy for `pool`. */
    manageCiliumIpam: boolean;
    /** API version of CiliumLoadBalancerIPPool: v2alpha1 is served by Cilium 1.15-1.18, v2 from 1.18. */
    ciliumIpPoolApiVersion: "cilium.io/v2alpha1" | "cilium.io/v2";
    /** First and last address of this cluster's share of the lab's LB range. */
    pool: { start: string; stop: string };
    /** Node interfaces (regular expressions) that answer ARP for the pool; every interface when empty. */
    l2Interfaces: string[];
    /**
     * The one node (its kubernetes.io/hostname) that answers ARP for the pinned address. Services
     * sharing an address run one L2 lease each, so on a multi-node cluster two nodes could answer
     * for it; pinning the announcement to one node makes every lease land on it. Unset: any node.
     */
    l2AnnouncerNode?: string;
    /** Source CIDRs allowed to reach the sidecars' gRPC through the LoadBalancer (the central cluster's egress). */
    sidecarSourceRanges: string[];
}

export interface ObjectStorageSettings {
    /** S3 endpoint as host:port, without scheme (Thanos' `endpoint`). */
    endpoint: string;
    /** The metrics bucket; Thanos owns everything in it. */
    bucket: string;
    /** S3 region; omitted from the objstore config when unset. */
    region?: string;
    /** Plain http to the endpoint (Thanos' `insecure`). */
    insecure: boolean;
    /** Skip TLS certificate verification (Thanos' `http_config.insecure_skip_verify`). */
    insecureSkipVerify: boolean;
    /** PEM CA bundle that signs the object store's https certificate (a private CA). */
    caBundle?: string;
}

export interface PrometheusSettings {
    /** Prometheus replicas; Query deduplicates them on `prometheus_replica`. */
    replicas: number;
    /** Global scrape interval. */
    scrapeInterval: string;
    /** Local TSDB retention (time). */
    retention: string;
    /** Local TSDB retention (size), below the PVC size. */
    retentionSize: string;
    /** PVC size per replica. */
    storageSize: string;
    /** Longest object-store outage that must lose no data: blocks wait on local disk until uploaded. */
    objectStoreOutageToSurvive: string;
    /** External labels besides `cluster` (region, environment, ...). */
    externalLabels: Record<string, string>;
    /** Alerts turned off, components not scraped, and where the runbooks are. */
    alerting: AlertingSettings;
}

/** Labels the program sets itself, or that Prometheus, the operator or Thanos use: not settable. */
const RESERVED_LABELS = ["cluster", "prometheus", "prometheus_replica", "rule_replica", "ruler_cluster", "replica"];

export interface GrpcTlsSettings {
    /** mTLS between the central Query and this cluster's sidecars (edges). */
    enabled: boolean;
    /** Lifetime of the sidecar's server and Query's client certificate. */
    validityDays: number;
    /** `pulumi up` replaces a certificate this many days before it expires. */
    renewBeforeDays: number;
    /** Lifetime of the edge's CA (edges) or of the deployment CA (central). */
    caValidityDays: number;
    /**
     * Edges: PEM of the deployment CA (the central stack's output deploymentCaCertificate), the
     * only issuer whose client certificates the sidecars accept. Unset: no client is accepted yet.
     */
    clientCaCertificate?: string;
}

export interface KubePrometheusStackSettings {
    /** Helm release name: ours by default, or the name of the existing release to take over. */
    releaseName: string;
    /** Take over an existing release (and its namespace) in `monitoring` with Pulumi's import, instead of installing. */
    adopt: boolean;
}

export interface ClusterSettings {
    /** Cluster name: the `cluster` external label, unique across stacks. */
    clusterName: string;
    role: Role;
    /** Addresses of the cluster's nodes (none may be the LB address; more than one needs loadBalancer.l2AnnouncerNode). */
    nodeIps: string[];
    kubernetes: KubernetesSettings;
    /** StorageClass for every PVC (Longhorn in the lab). */
    storageClass: string;
    loadBalancer: LoadBalancerSettings;
    objectStorage: ObjectStorageSettings;
    prometheus: PrometheusSettings;
    /** Whether the sidecars get per-replica LoadBalancer Services (edges: the central Query dials in). */
    exposeSidecars: boolean;
    /** mTLS on the sidecars' gRPC (edges). */
    grpcTls: GrpcTlsSettings;
    /** Where this cluster's Prometheus sends alerts (edges: every central Alertmanager replica). */
    alerting: EdgeAlertingSettings;
    /** The kube-prometheus-stack release: installed, or an existing one taken over. */
    kubePrometheusStack: KubePrometheusStackSettings;
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

    // Identity.
    const clusterName = r.string("clusterName", "set it to the cluster's name, e.g. cluster-02");
    if (clusterName !== undefined && !isDns1123Label(clusterName)) {
        r.problem(
            "clusterName",
            `must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters, starting and ending alphanumeric); got "${clusterName}"`,
        );
    }
    const roleText = r.string("role", "set it to central (cluster-01) or edge");
    if (roleText !== undefined && roleText !== "central" && roleText !== "edge") {
        r.problem("role", `must be central or edge; got "${roleText}"`);
    }
    const role: Role = roleText === "central" ? "central" : "edge";
    const nodeIps = readNodeIps(r);

    // Kubernetes access: an explicit context or a kubeconfig secret, never the ambient default.
    const context = r.optionalString("kubernetes.context", "name the kubeconfig context of this cluster");
    const kubeconfigPath = r.optionalString("kubernetes.kubeconfigPath", "give the path of the kubeconfig file");
    if (context === undefined && !secrets.kubeconfig) {
        r.problem(
            "kubernetes.context",
            `is required unless the secret ${r.key("kubeconfig")} is set: run \`pulumi config set --path kubernetes.context <context>\` or \`pulumi config set --secret kubeconfig < kubeconfig.yaml\``,
        );
    }

    const storageClass = r.string("storageClass", "name the StorageClass for PVCs", "longhorn");
    if (!isDns1123Subdomain(storageClass)) {
        r.problem("storageClass", `must be a StorageClass name (DNS-1123 subdomain); got "${storageClass}"`);
    }

    const loadBalancer = readLoadBalancer(r, role, nodeIps);
    const objectStorage = readObjectStorage(r);
    const prometheus = readPrometheus(r);
    const grpcTls = readGrpcTls(r, role);
    const alerting = readEdgeAlerting(r, role === "edge");
    const kubePrometheusStack = readKubePrometheusStack(r);
    let central: CentralSettings | undefined;
    if (role === "central") {
        central = readCentral(r, objectStorage.bucket || undefined);
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
        kubernetes: { context, kubeconfigPath },
        storageClass,
        loadBalancer,
        objectStorage,
        prometheus,
        exposeSidecars: role === "edge",
        grpcTls,
        alerting,
        kubePrometheusStack,
        ...(central !== undefined ? { central } : {}),
    };
}

function isDns1123Subdomain(text: string): boolean {
    return text.length <= 253 && text.split(".").every(isDns1123Label);
}

/**
 * `nodeIps`, the list of the cluster's node addresses; `nodeIp` (one address) is still read, as a
 * one-node list, so older stack files keep working.
 */
function readNodeIps(r: Reader): string[] {
    const hasList = r.lookupValue("nodeIps") !== undefined && r.lookupValue("nodeIps") !== null;
    const hasSingle = r.lookupValue("nodeIp") !== undefined && r.lookupValue("nodeIp") !== null;
    if (hasList && hasSingle) {
        r.problem("nodeIp", "is set together with nodeIps: keep only nodeIps (the list of every node's address)");
        return [];
    }
    if (hasSingle) {
        const nodeIp = r.string("nodeIp", "");
        if (nodeIp === undefined) return [];
        if (parseIPv4(nodeIp) === undefined)
            r.problem("nodeIp", `must be an IPv4 address like 192.168.101.196; got "${nodeIp}"`);
        return [nodeIp];
    }
    const nodeIps = r.stringList("nodeIps", "list the addresses of the cluster's nodes, e.g. [192.168.101.196]");
    if (hasList && nodeIps.length === 0)
        r.problem("nodeIps", "must list at least one node address, e.g. [192.168.101.196]");
    for (const [i, ip] of nodeIps.entries()) {
        if (parseIPv4(ip) === undefined)
            r.problem(`nodeIps[${i}]`, `must be an IPv4 address like 192.168.101.196; got "${ip}"`);
    }
    const repeated = nodeIps.filter((ip, i) => nodeIps.indexOf(ip) !== i);
    if (repeated.length > 0) r.problem("nodeIps", `lists ${[...new Set(repeated)].join(", ")} more than once`);
    return nodeIps;
}

function readLoadBalancer(r: Reader, role: Role, nodeIps: string[]): LoadBalancerSettings {
    const purpose = role === "edge" ? "the sidecars' pinned address" : "Query's and Grafana's pinned address";
    const ip = r.string("loadBalancer.ip", `set it to ${purpose}, e.g. 192.168.101.211`);
    const manageCiliumIpam = r.boolean("loadBalancer.manageCiliumIpam", true);
    const apiVersion = r.string("loadBalancer.ciliumIpPoolApiVersion", "", "cilium.io/v2alpha1");
    if (apiVersion !== "cilium.io/v2alpha1" && apiVersion !== "cilium.io/v2") {
        r.problem(
            "loadBalancer.ciliumIpPoolApiVersion",
            `must be cilium.io/v2alpha1 (Cilium 1.15-1.18) or cilium.io/v2 (Cilium 1.18+); got "${apiVersion}"`,
        );
    }
    const start = r.string(
        "loadBalancer.pool.start",
        "set the first address of this cluster's LB pool, e.g. 192.168.101.211",
    );
    const stop = r.string(
        "loadBalancer.pool.stop",
        "set the last address of this cluster's LB pool, e.g. 192.168.101.211",
    );
    const l2Interfaces = r.stringList("loadBalancer.l2Interfaces", "", []);
    for (const [i, pattern] of l2Interfaces.entries()) {
        try {
            new RegExp(pattern);
        } catch {
            r.problem(`loadBalancer.l2Interfaces[${i}]`, `is not a valid regular expression: "${pattern}"`);
        }
    }
    const sidecarSourceRanges = r.stringList(
        "loadBalancer.sidecarSourceRanges",
        "list the CIDRs the central Query connects from, e.g. [192.168.101.194/32]",
        role === "edge" ? undefined : [],
    );
    if (
        role === "edge" &&
        sidecarSourceRanges.length === 0 &&
        r.problems.every((p) => !p.includes("sidecarSourceRanges"))
    ) {
        r.problem(
            "loadBalancer.sidecarSourceRanges",
            "must not be empty on an edge: an open list exposes the sidecars' StoreAPI to every host; list the central cluster's egress CIDRs",
        );
    }
    for (const [i, cidr] of sidecarSourceRanges.entries()) {
        if (parseIPv4Cidr(cidr) === undefined) {
            r.problem(
                `loadBalancer.sidecarSourceRanges[${i}]`,
                `must be an IPv4 CIDR with no host bits set, like 192.168.101.194/32; got "${cidr}"`,
            );
        }
    }

    const ipAddress = ip === undefined ? undefined : parseIPv4(ip);
    const startAddress = start === undefined ? undefined : parseIPv4(start);
    const stopAddress = stop === undefined ? undefined : parseIPv4(stop);
    if (ip !== undefined && ipAddress === undefined)
        r.problem("loadBalancer.ip", `must be an IPv4 address like 192.168.101.211; got "${ip}"`);
    if (start !== undefined && startAddress === undefined)
        r.problem("loadBalancer.pool.start", `must be an IPv4 address; got "${start}"`);
    if (stop !== undefined && stopAddress === undefined)
        r.problem("loadBalancer.pool.stop", `must be an IPv4 address; got "${stop}"`);
    if (startAddress !== undefined && stopAddress !== undefined && startAddress > stopAddress) {
        r.problem(
            "loadBalancer.pool.start",
            `(${start}) must not be above loadBalancer.pool.stop (${stop}); swap them`,
        );
    }
    if (ipAddress !== undefined) {
        if (
            startAddress !== undefined &&
            stopAddress !== undefined &&
            (ipAddress < startAddress || ipAddress > stopAddress)
        ) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) lies outside the pool ${start}-${stop}: Cilium LB IPAM can only assign addresses from the pool; pick an address inside it or widen the pool`,
            );
        }
        const reserved = reservedIPv4Reason(ipAddress);
        if (reserved !== undefined) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) ${reserved} and cannot be a LoadBalancer address; pick a host address of the lab network`,
            );
        }
        if (nodeIps.some((nodeIp) => parseIPv4(nodeIp) === ipAddress)) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) is a node's address (nodeIps): the LB address must be a free address that only Cilium announces`,
            );
        }
    }
    const l2AnnouncerNode = r.optionalString(
        "loadBalancer.l2AnnouncerNode",
        "name the node (its kubernetes.io/hostname label) that announces the address",
    );
    if (l2AnnouncerNode !== undefined && !isDns1123Subdomain(l2AnnouncerNode)) {
        r.problem("loadBalancer.l2AnnouncerNode", `must be a node name (DNS-1123 subdomain); got "${l2AnnouncerNode}"`);
    }
    if (nodeIps.length > 1 && l2AnnouncerNode === undefined && manageCiliumIpam) {
        r.problem(
            "loadBalancer.l2AnnouncerNode",
            `is required with ${nodeIps.length} nodes in nodeIps: the Services sharing ${ip ?? "the pinned address"} each run their own L2 announcement lease, so two nodes could answer ARP for it; name the one node that announces it (\`kubectl get nodes\`)`,
        );
    }
    return {
        ip: ip ?? "",
        manageCiliumIpam,
        ciliumIpPoolApiVersion: apiVersion === "cilium.io/v2" ? "cilium.io/v2" : "cilium.io/v2alpha1",
        pool: { start: start ?? "", stop: stop ?? "" },
        l2Interfaces,
        ...(l2AnnouncerNode !== undefined ? { l2AnnouncerNode } : {}),
        sidecarSourceRanges,
    };
}

/** Our release name when none is configured. */
export const DEFAULT_KPS_RELEASE = "kube-prometheus-stack";

function readKubePrometheusStack(r: Reader): KubePrometheusStackSettings {
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

function readGrpcTls(r: Reader, role: Role): GrpcTlsSettings {
    r.object("grpcTls");
    const enabled = r.boolean("grpcTls.enabled", false);
    const validityDays = r.integer("grpcTls.validityDays", 365);
    const renewBeforeDays = r.integer("grpcTls.renewBeforeDays", 45);
    const caValidityDays = r.integer("grpcTls.caValidityDays", 3650);
    if (enabled && role === "central") {
        r.problem(
            "grpcTls.enabled",
            "is for edges: the central Query reaches its own sidecars in-cluster (NetworkPolicy-restricted); each edge's grpcTls sets up its link to the central Query",
        );
    }
    // A routine `pulumi up` renews a certificate within renewBeforeDays of its expiry, before
    // CrossClusterCertificateExpiring fires (CERTIFICATE_WARNING_DAYS); when it fires, `pulumi up` renews it.
    const minRenewBefore = CERTIFICATE_WARNING_DAYS + 1;
    if (validityDays <= minRenewBefore)
        r.problem(
            "grpcTls.validityDays",
            `must be at least ${minRenewBefore + 1} (got ${validityDays}): certificates are renewed more than ${CERTIFICATE_WARNING_DAYS} days before they expire (grpcTls.renewBeforeDays)`,
        );
    else if (renewBeforeDays < minRenewBefore || renewBeforeDays >= validityDays) {
        r.problem(
            "grpcTls.renewBeforeDays",
            `must be between ${minRenewBefore} and grpcTls.validityDays - 1 (got ${renewBeforeDays}): \`pulumi up\` replaces a certificate this long before it expires, and CrossClusterCertificateExpiring fires ${CERTIFICATE_WARNING_DAYS} days before: a routine \`pulumi up\` must be able to renew it first, and the alert's fix must renew it`,
        );
    }
    if (caValidityDays <= validityDays)
        r.problem(
            "grpcTls.caValidityDays",
            `must exceed grpcTls.validityDays (got ${caValidityDays}): the CA must outlive the certificates it signs`,
        );
    const clientCaCertificate = r.optionalString(
        "grpcTls.clientCaCertificate",
        "paste the central stack's deploymentCaCertificate output (PEM)",
    );
    if (clientCaCertificate !== undefined) {
        if (role === "central") {
            r.problem(
                "grpcTls.clientCaCertificate",
                "is for edges: the central stack generates the deployment CA itself (output deploymentCaCertificate); remove it here",
            );
        } else if (
            !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(clientCaCertificate.trim() + "\n")
        ) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "must be a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----): `pulumi stack output -s cluster-01 deploymentCaCertificate > deployment-ca.pem`, then `pulumi config set --path grpcTls.clientCaCertificate < deployment-ca.pem`",
            );
        } else if (/PRIVATE KEY/.test(clientCaCertificate)) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "holds a private key: only the deployment CA's certificate belongs here; the key never leaves the central stack",
            );
        } else {
            for (const problem of caBundleProblems(clientCaCertificate))
                r.problem(
                    "grpcTls.clientCaCertificate",
                    `${problem}: it must be the central stack's deploymentCaCertificate output (\`pulumi stack output -s cluster-01 deploymentCaCertificate > deployment-ca.pem\`), during a rotation followed by the new one`,
                );
        }
    }
    return {
        enabled,
        validityDays,
        renewBeforeDays,
        caValidityDays,
        ...(clientCaCertificate !== undefined ? { clientCaCertificate } : {}),
    };
}

function readObjectStorage(r: Reader): ObjectStorageSettings {
    const endpoint = r.string(
        "objectStorage.endpoint",
        "set the S3 endpoint as host:port, e.g. s3.minio.miribit.lab:80",
    );
    if (endpoint !== undefined) {
        const problem = endpointProblem(endpoint);
        if (problem !== undefined) r.problem("objectStorage.endpoint", problem);
    }
    const bucket = r.string("objectStorage.bucket", "name the metrics bucket, e.g. thanos-bucket");
    if (bucket !== undefined) {
        const problem = bucketNameProblem(bucket);
        if (problem !== undefined) r.problem("objectStorage.bucket", problem);
    }
    const region = r.optionalString("objectStorage.region", "name the S3 region, e.g. us-east-1");
    const insecure = r.boolean("objectStorage.insecure", false);
    const insecureSkipVerify = r.boolean("objectStorage.insecureSkipVerify", false);
    const allowInsecure = r.boolean("objectStorage.allowInsecureTransport", false);
    if ((insecure || insecureSkipVerify) && !allowInsecure) {
        const what = [
            insecure ? "objectStorage.insecure (plain http: credentials and metrics travel unencrypted)" : "",
            insecureSkipVerify ? "objectStorage.insecureSkipVerify (any certificate is accepted)" : "",
        ]
            .filter((s) => s !== "")
            .join(" and ");
        r.problem(
            "objectStorage.allowInsecureTransport",
            `must be true to accept ${what}: set \`pulumi config set --path objectStorage.allowInsecureTransport true\` to opt in, or serve the object store over https with a trusted certificate and set those keys to false`,
        );
    }
    const caBundle = r.optionalString(
        "objectStorage.caBundle",
        "paste the PEM CA bundle of the object store's certificate",
    );
    if (caBundle !== undefined) {
        if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(caBundle.trim() + "\n")) {
            r.problem(
                "objectStorage.caBundle",
                "must be PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
            );
        }
        if (insecure)
            r.problem(
                "objectStorage.caBundle",
                "is set while objectStorage.insecure is true: plain http uses no certificate; serve https or drop the bundle",
            );
        if (insecureSkipVerify)
            r.problem(
                "objectStorage.caBundle",
                "is set while objectStorage.insecureSkipVerify is true: the bundle would never be checked; set insecureSkipVerify to false",
            );
    }
    return {
        endpoint: endpoint ?? "",
        bucket: bucket ?? "",
        region,
        insecure,
        insecureSkipVerify,
        ...(caBundle !== undefined ? { caBundle } : {}),
    };
}

/** Thanos' S3 `endpoint` is host:port with no scheme and no path; minio-go rejects anything else at start-up. */
export function endpointProblem(endpoint: string): string | undefined {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(endpoint)) {
        return `must not have a scheme ("${endpoint}"): write host:port, e.g. s3.minio.miribit.lab:80, and choose http with objectStorage.insecure`;
    }
    const match = /^([^:/]+):([0-9]+)$/.exec(endpoint);
    if (!match) {
        return `must be host:port with no path, e.g. s3.minio.miribit.lab:80; got "${endpoint}"`;
    }
    const [, host, port] = match;
    if (!isDnsHostName(host) && parseIPv4(host) === undefined) {
        return `has an invalid host "${host}": use a DNS name or an IPv4 address`;
    }
    if (Number(port) < 1 || Number(port) > 65535) {
        return `has port ${port} outside 1-65535`;
    }
    return undefined;
}

function readPrometheus(r: Reader): PrometheusSettings {
    const replicas = r.integer("prometheus.replicas", 2);
    if (replicas < 2) {
        r.problem(
            "prometheus.replicas",
            `must be at least 2 (got ${replicas}): with one replica a restart or node loss leaves a gap that Query cannot fill from the other replica`,
        );
    }
    const scrapeInterval = r.string("prometheus.scrapeInterval", "", "30s");
    if (parseDuration(scrapeInterval) === undefined) {
        r.problem("prometheus.scrapeInterval", `must be a Prometheus duration like 30s; got "${scrapeInterval}"`);
    }

    const retention = r.string("prometheus.retention", "", "2d");
    const outage = r.string("prometheus.objectStoreOutageToSurvive", "", "24h");
    const retentionMs = parseDuration(retention);
    const outageMs = parseDuration(outage);
    if (retentionMs === undefined)
        r.problem("prometheus.retention", `must be a Prometheus duration like 2d or 48h; got "${retention}"`);
    if (outageMs === undefined)
        r.problem("prometheus.objectStoreOutageToSurvive", `must be a Prometheus duration like 24h; got "${outage}"`);
    if (retentionMs !== undefined) {
        // A block is cut up to 1.5 block durations after its start and then waits for the object
        // store; it must outlive the outage plus that age, with one more block of margin.
        const neededForOutage = outageMs === undefined ? 0 : outageMs + 2 * BLOCK_DURATION_MS;
        if (retentionMs < MIN_RETENTION_MS && neededForOutage <= MIN_RETENTION_MS) {
            r.problem(
                "prometheus.retention",
                `(${retention}) must be at least 6h: Thanos requires local retention of 3x the ${BLOCK_DURATION} block duration so the sidecar can upload every block`,
            );
        } else if (retentionMs < neededForOutage) {
            r.problem(
                "prometheus.retention",
                `(${retention}) must be at least ${formatHours(neededForOutage)} to survive an object-store outage of ${outage} (prometheus.objectStoreOutageToSurvive) plus two ${BLOCK_DURATION} blocks: Prometheus deletes old blocks whether or not the sidecar uploaded them; raise the retention or lower the outage to survive`,
            );
        }
    }

    const storageSize = r.string("prometheus.storageSize", "", "50Gi");
    const storageBytes = parseStorageQuantity(storageSize);
    if (storageBytes === undefined || storageBytes === 0) {
        r.problem("prometheus.storageSize", `must be a Kubernetes storage quantity like 50Gi; got "${storageSize}"`);
    }
    const defaultRetentionSize =
        storageBytes === undefined ? "1GB" : formatPrometheusSize(storageBytes * DEFAULT_RETENTION_SIZE_SHARE);
    const retentionSize = r.string("prometheus.retentionSize", "", defaultRetentionSize);
    const retentionBytes = parsePrometheusSize(retentionSize);
    if (retentionBytes === undefined) {
        r.problem(
            "prometheus.retentionSize",
            `must be a Prometheus size like 40GB (units B, KB, MB, GB, TB; powers of 1024); got "${retentionSize}"`,
        );
    } else if (storageBytes !== undefined && retentionBytes > storageBytes * MAX_RETENTION_SIZE_SHARE) {
        r.problem(
            "prometheus.retentionSize",
            `(${retentionSize}) must be at most 90% of prometheus.storageSize (${storageSize}), i.e. ${formatPrometheusSize(storageBytes * MAX_RETENTION_SIZE_SHARE)}: a full volume stops Prometheus; lower it or grow the PVC`,
        );
    }
    const externalLabels: Record<string, string> = {};
    const rawLabels = r.lookupValue("prometheus.externalLabels");
    if (rawLabels !== undefined && rawLabels !== null) {
        if (typeof rawLabels !== "object" || Array.isArray(rawLabels)) {
            r.problem("prometheus.externalLabels", "must be a map of label names to values, e.g. { region: lab }");
        } else {
            for (const [name, value] of Object.entries(rawLabels as Record<string, unknown>)) {
                const key = `prometheus.externalLabels.${name}`;
                if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith("__")) {
                    r.problem(
                        key,
                        `is not a label name Prometheus accepts ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")`,
                    );
                } else if (RESERVED_LABELS.includes(name)) {
                    r.problem(
                        key,
                        `is set by the program or used as a replica label (${RESERVED_LABELS.join(", ")}): a second value would break deduplication or the cluster label; choose another name`,
                    );
                } else if (typeof value !== "string" || value === "") {
                    r.problem(key, `must be a non-empty string; got ${JSON.stringify(value)}`);
                } else {
                    externalLabels[name] = value;
                }
            }
        }
    }
    const alerting = readAlerting(r);
    return {
        replicas,
        scrapeInterval,
        retention,
        retentionSize,
        storageSize,
        objectStoreOutageToSurvive: outage,
        externalLabels,
        alerting,
    };
}
