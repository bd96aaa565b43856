// What no mixin has: alerts about the clusters as a whole. Per cluster, on its own Prometheus (so a
// cluster cut off from the central one still knows): the cluster's Query has stopped reaching one of
// its sidecars (partial answers), the central Query has stopped reaching an edge's Query, and its
// sidecars have stopped uploading blocks; plus the expiry of the cluster's mTLS certificates as
// recorded series. Across clusters, in the Ruler through Query with partial responses allowed (one
// unreachable edge must not stop the evaluation that reports it): a cluster whose metrics vanished,
// and a certificate of any cluster expiring within 30 days.

import { CLUSTER_LABEL } from "../names";
import { THANOS_JOBS } from "./thanosMixin";
import { RecordingRule, RuleGroup, RunbookLinks, alert } from "./types";

/**
 * The cross-cluster mTLS certificates whose expiry is recorded, by their `certificate` label. Each
 * cluster records what it holds: an edge its server CA and certificate and the client CA it trusts
 * (its copy of the deployment CA, from its own config); the central cluster the deployment CA and
 * Query's client certificate. docs/runbooks.md says, per label, what renews it.
 */
export const CERTIFICATES = {
    /** An edge's own CA, which signs its sidecars' server certificate (the central Query trusts it). */
    sidecarCa: "sidecar-ca",
    /** An edge's sidecars' server certificate. */
    sidecarServer: "sidecar-server",
    /** The deployment CA as an edge trusts it (grpcTls.clientCaCertificate): the last-expiring CA of that PEM. */
    sidecarClientCa: "sidecar-client-ca",
    /** The central stack's deployment CA, which signs Query's client certificate. */
    deploymentCa: "deployment-ca",
    /** Query's client certificate (central). */
    queryClient: "query-client",
} as const;

/** A gRPC mTLS certificate of this cluster and when it stops being valid. */
export interface CertificateExpiry {
    /** Which one: a value of CERTIFICATES. */
    certificate: string;
    /** notAfter, in seconds since the epoch. */
    notAfterSeconds: number;
}

/** notAfter of each certificate, from the @pulumi/tls provider's RFC 3339 validityEndTime. */
export function certificateExpiries(validityEnd: Record<string, string>): CertificateExpiry[] {
    return Object.entries(validityEnd).map(([certificate, end]) => {
        const ms = Date.parse(end);
        if (Number.isNaN(ms))
            throw new Error(`certificate ${certificate}: validityEndTime "${end}" is not an RFC 3339 time`);
        return { certificate, notAfterSeconds: Math.floor(ms / 1000) };
    });
}

/** The recorded series: one per certificate, value = notAfter (Unix seconds). */
export const CERTIFICATE_EXPIRY_METRIC = "thanos_multicluster_certificate_expiry_timestamp_seconds";
export const CERTIFICATE_WARNING_DAYS = 30;
/** A sidecar uploads a block every 2h; one more hour of slack before anyone is woken. */
export const UPLOAD_SILENCE_HOURS = 3;

/**
 * Recording rules that turn the certificates' notAfter, known when `pulumi up` issues them, into
 * series: a renewal changes the certificate and so the rule; Query sees them with the `cluster` label.
 */
export function certificateRecordingRules(certificates: CertificateExpiry[]): RecordingRule[] {
    return certificates.map((c) => ({
        record: CERTIFICATE_EXPIRY_METRIC,
        expr: `vector(${Math.floor(c.notAfterSeconds)})`,
        labels: { certificate: c.certificate },
    }));
}

/** The group recording the certificates' expiry; none without certificates. */
export function certificateRuleGroups(certificates: CertificateExpiry[]): RuleGroup[] {
    const labels = certificates.map((c) => c.certificate);
    const repeated = labels.filter((l, i) => labels.indexOf(l) !== i);
    // Two rules writing one series would collide at every evaluation.
    if (repeated.length > 0) throw new Error(`certificate ${repeated[0]} is recorded twice`);
    if (certificates.length === 0) return [];
    return [{ name: "thanos-multicluster.certificates", rules: certificateRecordingRules(certificates) }];
}

/** The Info calls a Thanos gRPC server answered, per pod: Query calls every endpoint's Info API every 5s. */
function infoCallsServed(job: string): string {
    return `rate(grpc_server_handled_total{job="${job}", grpc_service="thanos.info.Info", grpc_method="Info", grpc_code="OK"}[5m])`;
}

/**
 * The per-cluster groups, for every cluster's own Prometheus (a PrometheusRule). `edgeQuery`: the
 * cluster runs an edge Query on its address (edges), which the central Query must reach.
 */
export function clusterRuleGroups(
    links: RunbookLinks,
    certificates: CertificateExpiry[] = [],
    options: { edgeQuery: boolean } = { edgeQuery: true },
): RuleGroup[] {
    const sidecar = `job="${THANOS_JOBS.sidecar}"`;
    const query = `job="${THANOS_JOBS.query}"`;
    const silence = UPLOAD_SILENCE_HOURS * 3600;
    const groups: RuleGroup[] = [
        {
            name: "thanos-multicluster.cluster",
            rules: [
                alert(links, {
                    name: "ClusterPartialResponse",
                    // The cluster's own Query (the central one, or an edge's) dials each sidecar: none of
                    // its Info calls answered in 5 minutes, and that Query's answers about this cluster
                    // lack this replica (a partial-response warning; the other replica fills in). (Query's
                    // own thanos_store_nodes_grpc_connections keeps counting a strict endpoint that
                    // fails, with its last labels, so it cannot tell.)
                    expr: `up{${sidecar}} == 1 unless on (namespace, pod) (sum by (namespace, pod) (${infoCallsServed(THANOS_JOBS.sidecar)}) > 0)`,
                    for: "5m",
                    severity: "warning",
                    summary: "This cluster's Thanos Query has not reached this sidecar for 10 minutes.",
                    description:
                        "Queries about this cluster are answered without this Prometheus replica, with a partial-response warning: the network policy, the sidecar's gRPC or its DNS name stop the cluster's Query.",
                }),
                ...(options.edgeQuery
                    ? [
                          alert(links, {
                              name: "ClusterUnreachableFromQuery",
                              // The central Query dials the edge's one address; its connection lands on one
                              // edge Query pod, so the calls are counted over the edge Query's pods together.
                              // None in 5 minutes while an edge Query is up: the network path, the
                              // LoadBalancer and its L2 announcement, the source ranges or mTLS stop the
                              // central Query. (No edge Query up is ThanosQueryIsDown.)
                              expr: `sum(up{${query}}) > 0 unless sum(${infoCallsServed(THANOS_JOBS.query)}) > 0`,
                              for: "5m",
                              severity: "warning",
                              summary: "The central Thanos Query has not reached this edge's Query for 10 minutes.",
                              description:
                                  "The central Query made no successful call to this edge's Thanos Query: this cluster's recent data is missing from global queries (a partial-response warning there); the edge's own query API still answers.",
                          }),
                      ]
                    : []),
                alert(links, {
                    name: "ClusterBlocksNotUploaded",
                    // last_successful_upload_time is 0 until a sidecar's first upload, which comes
                    // about 3h after Prometheus starts: hence the process age.
                    expr: `(time() - max by (namespace, pod) (thanos_objstore_bucket_last_successful_upload_time{${sidecar}}) > ${silence}) and on (namespace, pod) (time() - max by (namespace, pod) (process_start_time_seconds{${sidecar}}) > ${silence})`,
                    for: "5m",
                    severity: "critical",
                    summary: `A Thanos sidecar has uploaded no block for more than ${UPLOAD_SILENCE_HOURS}h.`,
                    description:
                        "Prometheus cuts a block every 2h; blocks not uploaded are deleted after the local retention, and their data is lost.",
                }),
            ],
        },
    ];
    return [...groups, ...certificateRuleGroups(certificates)];
}

/** The Ruler's groups: the watchdog, and the cross-cluster alerts (partial responses allowed). */
export function globalRuleGroups(links: RunbookLinks, clusters: string[]): RuleGroup[] {
    return [
        {
            name: "thanos-multicluster.watchdog",
            rules: [
                alert(links, {
                    name: "ThanosRulerWatchdog",
                    expr: "vector(1)",
                    severity: "none",
                    summary:
                        "Always firing: if it stops arriving, the Ruler, Query or the Alertmanager path is broken.",
                    description: "A dead man's switch for the Ruler's path to Alertmanager.",
                }),
            ],
        },
        {
            name: "thanos-multicluster.clusters",
            // With the default (abort), one unreachable edge fails the whole evaluation, and the
            // alert meant for it never fires.
            partial_response_strategy: "warn",
            rules: [
                ...clusters.map((cluster) =>
                    alert(links, {
                        name: "ClusterMetricsMissing",
                        expr: `absent_over_time(up{${CLUSTER_LABEL}="${cluster}"}[5m])`,
                        for: "5m",
                        severity: "critical",
                        labels: { [CLUSTER_LABEL]: cluster },
                        summary: `No metrics from ${cluster} have reached Thanos Query for 10 minutes.`,
                        description: `Query has no \`up\` series with ${CLUSTER_LABEL}="${cluster}": its Prometheus, its sidecars or the path from the central cluster to them is down.`,
                    }),
                ),
                alert(links, {
                    name: "CrossClusterCertificateExpiring",
                    // Every cluster records its own certificates (the edges theirs and the client CA
                    // they trust, the central one the deployment CA and Query's client certificate);
                    // grpcTls.renewBeforeDays > 30 lets a routine `pulumi up` renew them first.
                    expr: `min by (${CLUSTER_LABEL}, certificate) (${CERTIFICATE_EXPIRY_METRIC}) - time() < ${CERTIFICATE_WARNING_DAYS} * 86400`,
                    for: "10m",
                    severity: "warning",
                    summary: `Certificate {{ $labels.certificate }} of {{ $labels.${CLUSTER_LABEL} }} expires in {{ $value | humanizeDuration }}.`,
                    description: `When it expires, the central Query can no longer read that edge (${CERTIFICATES.sidecarCa}, ${CERTIFICATES.sidecarServer}, ${CERTIFICATES.sidecarClientCa}) or any edge at all (${CERTIFICATES.deploymentCa}, ${CERTIFICATES.queryClient}). The runbook names the stacks to update, in order.`,
                }),
            ],
        },
    ];
}
