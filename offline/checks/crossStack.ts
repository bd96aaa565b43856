// The invariants that hold across all stacks of one deployment: unique cluster labels, 2h blocks
// and enough local retention everywhere, mTLS that verifies clients (and the trust between the
// stacks, trust.ts), exactly one compactor per bucket, and the central control plane wired to every
// edge: its Thanos Query a strict endpoint of the central Query, dialled as it serves, every replica label
// deduplicated, retention and timeouts that agree.

import { ThanosComponentName } from "../../components/thanosFlags";
import { parseDuration } from "../../config/units";
import { Finding, RenderedPlan, kpsValues, objectName, setting, thanosContainers } from "./renderedPlan";
import { checkQueryTiers, queryReaders } from "./queryTiers";
import { readDocument } from "./thanosConfigs";
import { checkTrust } from "./trust";

const HOUR = 3600 * 1000;

function one(flags: Map<string, (string | undefined)[]>, name: string): string | undefined {
    return flags.get(name)?.[0];
}

function ms(duration: string | undefined): number | undefined {
    return duration === undefined ? undefined : duration === "0d" ? Infinity : parseDuration(duration);
}

/** The invariants that hold across all stacks of one deployment. */
export function checkInvariants(plans: RenderedPlan[]): Finding[] {
    const findings: Finding[] = [];
    const add = (stack: string, object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack, object, field, message });

    // Cluster labels: the only thing telling clusters apart in Query.
    const clusters = new Map<string, string>();
    for (const plan of plans) {
        const label = kpsValues(plan)?.prometheus?.prometheusSpec?.externalLabels?.cluster;
        if (label === undefined) {
            add(
                plan.stack,
                "HelmRelease/kube-prometheus-stack",
                "prometheus.prometheusSpec.externalLabels.cluster",
                "every Prometheus needs a cluster label",
            );
            continue;
        }
        const other = clusters.get(label);
        if (other !== undefined)
            add(
                plan.stack,
                "HelmRelease/kube-prometheus-stack",
                "prometheus.prometheusSpec.externalLabels.cluster",
                `"${label}" is also ${other}'s cluster label`,
            );
        clusters.set(label, plan.stack);
    }

    // Blocks and local retention.
    for (const plan of plans) {
        const spec = kpsValues(plan)?.prometheus?.prometheusSpec;
        if (spec === undefined) continue;
        const object = "HelmRelease/kube-prometheus-stack";
        if (spec.thanos?.blockSize !== "2h")
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.thanos.blockSize",
                `must be 2h (min = max block duration for the sidecar); got ${spec.thanos?.blockSize}`,
            );
        const retention = ms(spec.retention);
        const outage = ms(setting(plan, "prometheus")?.objectStoreOutageToSurvive ?? "24h");
        if (retention === undefined || retention < 6 * HOUR)
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.retention",
                `must be at least 6h (3x the block duration); got ${spec.retention}`,
            );
        else if (outage !== undefined && retention < outage + 4 * HOUR) {
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.retention",
                `${spec.retention} does not outlast the object-store outage to survive (${setting(plan, "prometheus")?.objectStoreOutageToSurvive ?? "24h"}) plus two blocks`,
            );
        }
    }

    // mTLS on an edge Query's gRPC server: a server certificate without a client CA lets any TLS client in.
    for (const plan of plans) {
        for (const { object, component, flags } of thanosContainers(plan)) {
            if (component !== "query" || flags.get("grpc-server-tls-cert") === undefined) continue;
            if ((flags.get("grpc-server-tls-client-ca")?.[0] ?? "") === "")
                add(
                    plan.stack,
                    objectName(object),
                    "--grpc-server-tls-client-ca",
                    "TLS without a client CA verifies no client: set the CA that signed the central Query's certificate",
                );
        }
    }

    findings.push(...checkTrust(plans));

    // The control plane.
    const centrals = plans.filter((p) => p.outputs.role === "central");
    const compactorsByBucket = new Map<string, string[]>();
    for (const plan of plans) {
        for (const { object, component } of thanosContainers(plan)) {
            if (component !== "compact") continue;
            const bucket = setting(plan, "objectStorage")?.bucket ?? plan.outputs.objstore?.bucket;
            compactorsByBucket.set(bucket, [
                ...(compactorsByBucket.get(bucket) ?? []),
                `${plan.stack}/${objectName(object)}`,
            ]);
        }
    }
    const buckets = new Set(plans.map((p) => p.outputs.objstore?.bucket).filter((b) => b !== undefined));
    for (const bucket of buckets) {
        const compactors = compactorsByBucket.get(bucket) ?? [];
        if (compactors.length !== 1)
            add(
                "(all)",
                `bucket ${bucket}`,
                "compactor",
                `needs exactly one compactor across all stacks; found ${compactors.length}${compactors.length ? `: ${compactors.join(", ")}` : ""}`,
            );
    }

    for (const central of centrals) {
        const thanos = thanosContainers(central);
        const byComponent = (c: ThanosComponentName) => thanos.filter((t) => t.component === c);
        // The top Query; past central.query.maxEdgesPerQuery edges it reads mid-tier Queries, and an
        // edge's entries are in the file of the mid tier that reads it (queryTiers.ts).
        const readers = queryReaders(central);
        const query = readers[0];
        if (query === undefined) {
            add(central.stack, "(stack)", "query", "the central stack runs no Thanos Query");
            continue;
        }
        const queryName = query.name;
        const replicaLabels = query.flags.get("query.replica-label") ?? [];
        const endpointFile = readDocument(central, query.object, query.container, query.flags, "endpoint.sd-config");
        if (endpointFile === undefined)
            add(central.stack, queryName, query.where, "Query reads no endpoint file: it would query no store at all");
        findings.push(...checkQueryTiers(central, plans));
        const readerOf = new Map<string, { reader: (typeof readers)[number]; endpoint: Record<string, any> }>();
        for (const reader of readers)
            for (const endpoint of reader.endpoints)
                if (!readerOf.has(endpoint.address)) readerOf.set(endpoint.address, { reader, endpoint });

        // Every edge's Query wired, strictly. In a preview an edge's address is unknown until it is
        // deployed: nothing to check against yet.
        for (const edge of plans.filter(
            (p) =>
                p.outputs.role === "edge" &&
                typeof p.outputs.queryEndpoint === "string" &&
                /^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(p.outputs.queryEndpoint),
        )) {
            for (const address of [edge.outputs.queryEndpoint as string]) {
                const read = readerOf.get(address);
                if (read === undefined) {
                    add(central.stack, queryName, query.where, `does not read ${edge.stack}'s Query ${address}`);
                    continue;
                }
                const { reader, endpoint } = read;
                const endpointsField = reader.where;
                if (endpoint.strict !== true)
                    add(
                        central.stack,
                        reader.name,
                        endpointsField,
                        `${edge.stack}'s Query ${address} must be strict, or an unreachable edge silently vanishes from results`,
                    );
                const edgeTls = edge.outputs.grpcTls?.enabled === true;
                const mounts: string[] = (reader.container.volumeMounts ?? []).map(
                    (m: Record<string, any>) => m.mountPath,
                );
                // Thanos v0.42.4's key; anything else is silently ignored (checkThanosConfigs reports it).
                const tlsConfig = endpoint.client_config?.tls_config;
                if (edgeTls && tlsConfig?.enabled !== true) {
                    add(
                        central.stack,
                        reader.name,
                        endpointsField,
                        `${edge.stack} requires mTLS on ${address}, but Query dials it in plain gRPC`,
                    );
                } else if (edgeTls) {
                    for (const file of ["ca_file", "cert_file", "key_file"]) {
                        const value: string | undefined = tlsConfig[file];
                        if (value === undefined || !mounts.some((m) => value.startsWith(`${m}/`))) {
                            add(
                                central.stack,
                                reader.name,
                                `${endpointsField} ${address} ${file}`,
                                `${value ?? "(unset)"} is not in a volume mounted into Query`,
                            );
                        }
                    }
                    if (endpoint.client_config.server_name !== edge.outputs.grpcTls.serverName) {
                        add(
                            central.stack,
                            reader.name,
                            `${endpointsField} ${address} server_name`,
                            `must be ${edge.outputs.grpcTls.serverName}, the name in ${edge.stack}'s server certificate`,
                        );
                    }
                } else if (tlsConfig?.enabled === true) {
                    add(
                        central.stack,
                        reader.name,
                        endpointsField,
                        `${edge.stack} serves plain gRPC on ${address}, but Query dials it with TLS`,
                    );
                }
            }
            for (const label of edge.outputs.replicaLabels ?? []) {
                if (!replicaLabels.includes(label))
                    add(
                        central.stack,
                        queryName,
                        "--query.replica-label",
                        `does not deduplicate ${edge.stack}'s replica label ${label}`,
                    );
            }
        }
        // Replica labels: Prometheus', the Ruler's, the Compactor's.
        for (const plan of plans) {
            const label = kpsValues(plan)?.prometheus?.prometheusSpec?.replicaExternalLabelName;
            if (label !== undefined && !replicaLabels.includes(label))
                add(
                    central.stack,
                    queryName,
                    "--query.replica-label",
                    `does not deduplicate ${plan.stack}'s Prometheus replica label ${label}`,
                );
        }
        for (const ruler of byComponent("rule")) {
            const replicaLabel = (ruler.flags.get("label") ?? [])
                .map((l) => l ?? "")
                .find((l) => l.includes("$(POD_NAME)"))
                ?.split("=")[0];
            const where = objectName(ruler.object);
            if (replicaLabel === undefined) add(central.stack, where, "--label", "the Ruler needs a per-replica label");
            else {
                if (!replicaLabels.includes(replicaLabel))
                    add(
                        central.stack,
                        queryName,
                        "--query.replica-label",
                        `does not deduplicate the Ruler's replica label ${replicaLabel}`,
                    );
                if (!(ruler.flags.get("alert.label-drop") ?? []).includes(replicaLabel))
                    add(
                        central.stack,
                        where,
                        "--alert.label-drop",
                        `must drop ${replicaLabel}, or Alertmanager gets each alert once per replica`,
                    );
            }
            if (one(ruler.flags, "tsdb.block-duration") !== "2h")
                add(central.stack, where, "--tsdb.block-duration", "must be 2h, like every Prometheus");
        }
        for (const compactor of byComponent("compact")) {
            const where = objectName(compactor.object);
            for (const label of compactor.flags.get("deduplication.replica-label") ?? []) {
                if (!replicaLabels.includes(label ?? ""))
                    add(
                        central.stack,
                        where,
                        "--deduplication.replica-label",
                        `${label} is not one of Query's replica labels`,
                    );
            }
            if (!compactor.flags.has("wait"))
                add(central.stack, where, "--wait", "the compactor must run continuously");
            const raw = ms(one(compactor.flags, "retention.resolution-raw"));
            const fiveMinutes = ms(one(compactor.flags, "retention.resolution-5m"));
            if (raw === undefined || raw < 40 * HOUR)
                add(
                    central.stack,
                    where,
                    "--retention.resolution-raw",
                    "must be at least 40h (raw blocks are downsampled at 40h)",
                );
            if (fiveMinutes === undefined || fiveMinutes < 240 * HOUR)
                add(
                    central.stack,
                    where,
                    "--retention.resolution-5m",
                    "must be at least 10d (5m blocks are downsampled at 10d)",
                );
            const deleteDelay = ms(one(compactor.flags, "delete-delay"));
            for (const store of byComponent("store")) {
                const ignore = ms(one(store.flags, "ignore-deletion-marks-delay"));
                if (deleteDelay === undefined || ignore === undefined || ignore >= deleteDelay) {
                    add(
                        central.stack,
                        objectName(store.object),
                        "--ignore-deletion-marks-delay",
                        "must be below the compactor's --delete-delay, or the store serves blocks the compactor already deleted",
                    );
                }
            }
        }
        const timeout = ms(one(query.flags, "query.timeout"));
        const storeTimeout = ms(one(query.flags, "store.response-timeout"));
        if (timeout === undefined || storeTimeout === undefined || storeTimeout === 0 || timeout <= storeTimeout) {
            add(
                central.stack,
                queryName,
                "--query.timeout",
                "must be above a non-zero --store.response-timeout, so a slow store is dropped before the query times out",
            );
        }
    }
    return findings;
}
