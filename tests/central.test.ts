import { expect } from "chai";
import * as crypto from "crypto";
import * as yaml from "js-yaml";
import { StackRun, StackRunError, isSecretMarker } from "../offline/runStack";
import { StackOutputsByName } from "../offline/mockEngine";
import {
    FIFTH_EDGE,
    TEST_SECRETS,
    byType,
    committedEdgeOutputs,
    k8sObject,
    runCommittedStack,
    stackFile,
    withFifthEdge,
    withStackFiles,
} from "./helpers";

// Expected values from the seed and the Thanos docs, written out by hand.
const CENTRAL_IP = "192.168.101.210";
/** One per edge: its Thanos Query on the edge's pinned address (contract 4). */
const EDGE_ENDPOINTS = ["192.168.101.211:10901", "192.168.101.212:10901", "192.168.101.213:10901"];
const HOURS: Record<string, number> = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, y: 365 * 24 };

function hours(duration: string): number {
    let total = 0;
    for (const m of duration.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g))
        total += m[2] === "ms" ? 0 : Number(m[1]) * HOURS[m[2]];
    return total;
}

/** The values of a flag in a container's args (`--name=value`, repeated). */
function flag(args: string[], name: string): string[] {
    return args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
}

function thanosArgs(run: StackRun, kind: "Deployment" | "StatefulSet", name: string): string[] {
    return k8sObject(run, kind, name).spec.template.spec.containers[0].args;
}

/** Query's endpoint file, as Thanos would read it from the mounted ConfigMap. */
function endpointFile(run: StackRun): { endpoints: Record<string, any>[] } {
    const args = thanosArgs(run, "Deployment", "thanos-query");
    expect(flag(args, "endpoint.sd-config-file")).to.deep.equal(["/etc/thanos/endpoints/endpoints.yaml"]);
    return yaml.load(k8sObject(run, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"]) as {
        endpoints: Record<string, any>[];
    };
}

function kpsValues(run: StackRun): Record<string, any> {
    return (byType(run, "kubernetes:helm.sh/v3:Release")[0].inputs as any).values;
}

let edgeOutputs: StackOutputsByName;
let central: StackRun;

async function runCentral(
    overrides: Record<string, unknown> = {},
    edges: StackOutputsByName = edgeOutputs,
): Promise<StackRun> {
    return runCommittedStack("cluster-01", overrides, edges);
}

async function centralFailure(overrides: Record<string, unknown>, edges: StackOutputsByName): Promise<string> {
    try {
        await runCentral(overrides, edges);
    } catch (err) {
        expect(err).to.be.instanceOf(StackRunError);
        return (err as Error).message;
    }
    throw new Error("expected the central stack to fail");
}

describe("central stack: the Thanos control plane", () => {
    before(async () => {
        edgeOutputs = await committedEdgeOutputs();
        central = await runCentral();
    });

    describe("Query", () => {
        it("reads every edge's Query, one strict entry per edge, from an endpoint file it re-reads", () => {
            const args = thanosArgs(central, "Deployment", "thanos-query");
            expect(args[0]).to.equal("query");
            expect(flag(args, "endpoint.sd-config")).to.deep.equal([]);
            expect(flag(args, "endpoint.sd-config-reload-interval")).to.have.lengthOf(1);
            const pod = k8sObject(central, "Deployment", "thanos-query").spec.template.spec;
            expect(pod.volumes).to.deep.include({ name: "endpoints", configMap: { name: "thanos-query-endpoints" } });
            expect(pod.containers[0].volumeMounts).to.deep.include({
                name: "endpoints",
                mountPath: "/etc/thanos/endpoints",
                readOnly: true,
            });
            const endpoints = endpointFile(central).endpoints;
            for (const address of EDGE_ENDPOINTS) {
                expect(
                    endpoints.filter((e) => e.address === address),
                    address,
                ).to.have.lengthOf(1);
                const endpoint = endpoints.find((e) => e.address === address);
                expect(endpoint?.strict, address).to.equal(true);
            }
            // Nothing else of an edge: one entry per edge.
            const addresses = endpoints.map((e) => e.address);
            expect(addresses.filter((a) => a.startsWith("192.168.101."))).to.have.members(EDGE_ENDPOINTS);
            // The local replicas, the Store Gateway and the Ruler are wired too.
            expect(addresses).to.include.members([
                "prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:10901",
                "prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:10901",
                "thanos-store-0.thanos-store.monitoring.svc.cluster.local:10901",
                "thanos-ruler-0.thanos-ruler.monitoring.svc.cluster.local:10901",
            ]);
            // No deprecated discovery flag.
            for (const deprecated of ["endpoint", "endpoint-strict", "store", "store.sd-files"])
                expect(flag(args, deprecated)).to.deep.equal([]);
        });

        it("deduplicates Prometheus and Ruler replicas, downsamples automatically, times out stores before the query", () => {
            const args = thanosArgs(central, "Deployment", "thanos-query");
            expect(flag(args, "query.replica-label")).to.have.members(["prometheus_replica", "rule_replica"]);
            expect(args).to.include("--query.auto-downsampling");
            const [timeout] = flag(args, "query.timeout");
            const [storeTimeout] = flag(args, "store.response-timeout");
            expect(hours(timeout)).to.be.greaterThan(hours(storeTimeout));
            expect(hours(storeTimeout)).to.be.greaterThan(0);
            expect(flag(args, "http-address")).to.deep.equal(["0.0.0.0:9090"]);
        });

        it("dials every edge over mTLS with its own client certificate, verifying each edge against that edge's CA", () => {
            const endpoints = endpointFile(central).endpoints;
            for (const address of EDGE_ENDPOINTS) {
                const cluster = `cluster-0${Number(address.split(":")[0].split(".")[3]) - 209}`;
                // Thanos v0.42.4, cmd/thanos/endpointset.go: endpointSettings.ClientConfig is `client_config`.
                expect(endpoints.find((e) => e.address === address)!.client_config, address).to.deep.equal({
                    server_name: `thanos-sidecar.${cluster}`,
                    tls_config: {
                        enabled: true,
                        ca_file: `/etc/thanos/tls/edges/${cluster}/ca.crt`,
                        cert_file: "/etc/thanos/tls/client/tls.crt",
                        key_file: "/etc/thanos/tls/client/tls.key",
                        min_version: "1.3",
                    },
                });
            }
            // In-cluster endpoints stay plain.
            expect(endpoints.find((e) => e.address.startsWith("thanos-store-0"))).to.deep.equal({
                address: "thanos-store-0.thanos-store.monitoring.svc.cluster.local:10901",
                strict: false,
            });
            const pod = k8sObject(central, "Deployment", "thanos-query").spec.template.spec;
            // One projected volume, whatever the number of edges.
            const tlsVolumes = pod.volumes.filter((v: any) => v.name !== "endpoints");
            expect(tlsVolumes).to.have.lengthOf(1);
            expect(pod.containers[0].volumeMounts).to.deep.include({
                name: tlsVolumes[0].name,
                mountPath: "/etc/thanos/tls",
                readOnly: true,
            });
            const sources = tlsVolumes[0].projected.sources;
            expect(sources[0]).to.deep.equal({
                secret: {
                    name: "thanos-query-client-tls",
                    items: [
                        { key: "tls.crt", path: "client/tls.crt" },
                        { key: "tls.key", path: "client/tls.key" },
                    ],
                },
            });
            for (const cluster of ["cluster-02", "cluster-03", "cluster-04"]) {
                expect(sources).to.deep.include({
                    configMap: {
                        name: `thanos-query-edge-ca-${cluster}`,
                        items: [{ key: "ca.crt", path: `edges/${cluster}/ca.crt` }],
                        optional: true,
                    },
                });
                const edge = edgeOutputs[`miribit/thanos-multicluster/${cluster}`].outputs as any;
                expect(k8sObject(central, "ConfigMap", `thanos-query-edge-ca-${cluster}`).data).to.deep.equal({
                    "ca.crt": edge.grpcTls.caCertificate,
                });
            }
            // The client key is generated here, in a Secret; no edge gave it.
            const client = k8sObject(central, "Secret", "thanos-query-client-tls");
            expect(isSecretMarker(client.stringData)).to.equal(true);
            expect(Object.keys((client.stringData as any).value).sort()).to.deep.equal(["tls.crt", "tls.key"]);
        });

        it("runs 2+ replicas and answers on the central address, port 9090, through the front door", () => {
            expect(k8sObject(central, "Deployment", "thanos-query").spec.replicas).to.be.at.least(2);
            const lb = k8sObject(central, "Service", "frontdoor");
            expect(lb.spec.type).to.equal("LoadBalancer");
            expect(lb.metadata.annotations["lbipam.cilium.io/ips"]).to.equal(CENTRAL_IP);
            expect(lb.spec.ports[0]).to.deep.equal({ name: "query", port: 9090, targetPort: 9090, protocol: "TCP" });
            // The router's port 9090 leads to Query's in-cluster Service (not the query-frontend).
            const config = k8sObject(central, "ConfigMap", "frontdoor").data["haproxy.cfg"];
            expect(config).to.contain("server query thanos-query.monitoring.svc.cluster.local:9090 ");
            expect(central.outputs.queryUrl).to.equal(`http://${CENTRAL_IP}:9090`);
        });
    });

    describe("Store Gateway", () => {
        it("reads the bucket with a PVC, an index cache from config, and ignores deletion marks after half the delete delay", () => {
            const sts = k8sObject(central, "StatefulSet", "thanos-store");
            const args = sts.spec.template.spec.containers[0].args;
            expect(args[0]).to.equal("store");
            expect(flag(args, "objstore.config-file")).to.deep.equal(["/etc/thanos/objstore/objstore.yml"]);
            // --index-cache.config replaces --index-cache-size (which Thanos ignores once a config is given).
            expect(flag(args, "index-cache-size")).to.deep.equal([]);
            expect(flag(args, "index-cache.config").map((c) => JSON.parse(c))).to.deep.equal([
                { type: "IN-MEMORY", config: { max_size: "1GB" } },
            ]);
            expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal("monitoring-retain");
            const [compactorDelay] = flag(thanosArgs(central, "StatefulSet", "thanos-compactor"), "delete-delay");
            const [ignoreDelay] = flag(args, "ignore-deletion-marks-delay");
            expect(hours(ignoreDelay)).to.equal(hours(compactorDelay) / 2);
        });

        it("has a memory limit that covers its index cache and chunk pool", () => {
            const container = k8sObject(central, "StatefulSet", "thanos-store").spec.template.spec.containers[0];
            const limitMi = Number(/^([0-9]+)Mi$/.exec(container.resources.limits.memory)![1]);
            // 1GB index cache + 2GB chunk pool + 512MB caching bucket (the default), in MiB.
            expect(limitMi).to.be.greaterThan(1024 + 2048 + 512);
        });
    });

    describe("Compactor", () => {
        it("is a single-replica StatefulSet with a PVC that waits, downsamples and applies retention", () => {
            const sts = k8sObject(central, "StatefulSet", "thanos-compactor");
            expect(sts.spec.replicas).to.equal(1);
            expect(sts.spec.volumeClaimTemplates).to.have.lengthOf(1);
            const args = sts.spec.template.spec.containers[0].args;
            expect(args[0]).to.equal("compact");
            expect(args).to.include("--wait");
            expect(args).not.to.include("--downsampling.disable");
            expect(hours(flag(args, "retention.resolution-raw")[0])).to.be.at.least(40);
            expect(hours(flag(args, "retention.resolution-5m")[0])).to.be.at.least(240);
            expect(flag(args, "retention.resolution-1h")).to.have.lengthOf(1);
            expect(flag(args, "delete-delay")).to.have.lengthOf(1);
        });

        it("exists exactly once across all four stacks", async () => {
            let compactors = 0;
            for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
                const run = await runCommittedStack(stack);
                compactors += run.resources.filter((r) =>
                    JSON.stringify((r.inputs as any).spec?.template?.spec?.containers?.[0]?.args ?? []).startsWith(
                        '["compact"',
                    ),
                ).length;
            }
            compactors += central.resources.filter((r) =>
                JSON.stringify((r.inputs as any).spec?.template?.spec?.containers?.[0]?.args ?? []).startsWith(
                    '["compact"',
                ),
            ).length;
            expect(compactors).to.equal(1);
        });
    });

    describe("Ruler", () => {
        it("labels its series, drops its replica label from alerts, queries Query and alerts every Alertmanager replica", () => {
            const sts = k8sObject(central, "StatefulSet", "thanos-ruler");
            expect(sts.spec.replicas).to.be.at.least(2);
            const args = sts.spec.template.spec.containers[0].args;
            expect(args[0]).to.equal("rule");
            expect(flag(args, "label")).to.have.members(['ruler_cluster="cluster-01"', 'rule_replica="$(POD_NAME)"']);
            expect(flag(args, "alert.label-drop")).to.deep.equal(["rule_replica"]);
            expect(flag(args, "query")).to.deep.equal(["thanos-query.monitoring.svc.cluster.local:9090"]);
            expect(flag(args, "alertmanagers.url")).to.deep.equal(
                [0, 1, 2].map(
                    (i) =>
                        `http://alertmanager-kps-alertmanager-${i}.alertmanager-operated.monitoring.svc.cluster.local:9093`,
                ),
            );
            expect(flag(args, "objstore.config-file")).to.deep.equal(["/etc/thanos/objstore/objstore.yml"]);
            const env = sts.spec.template.spec.containers[0].env;
            expect(env).to.deep.include({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
        });

        it("loads rules from a ConfigMap, rolls when they change, and alerts on any cluster missing from Query", () => {
            const configMap = k8sObject(central, "ConfigMap", "thanos-ruler-rules");
            const text = configMap.data["thanos-multicluster.yaml"];
            const rules = (yaml.load(text) as any).groups.flatMap((g: any) => g.rules);
            const missing = rules
                .filter((r: any) => r.alert === "ClusterMetricsMissing")
                .map((r: any) => r.labels.cluster);
            expect(missing).to.have.members(["cluster-01", "cluster-02", "cluster-03", "cluster-04"]);
            const sts = k8sObject(central, "StatefulSet", "thanos-ruler");
            expect(sts.spec.template.metadata.annotations["checksum/rules"]).to.equal(
                crypto.createHash("sha256").update(text).digest("hex"),
            );
            expect(sts.spec.template.spec.volumes).to.deep.include({
                name: "rules",
                configMap: { name: "thanos-ruler-rules" },
            });
            expect(flag(sts.spec.template.spec.containers[0].args, "rule-file")).to.deep.equal([
                "/etc/thanos/rules/*.yaml",
            ]);
        });
    });

    it("keeps replica labels consistent across Prometheus, Ruler, Query and Compactor", () => {
        const queryLabels = flag(thanosArgs(central, "Deployment", "thanos-query"), "query.replica-label");
        const prometheusLabel = kpsValues(central).prometheus.prometheusSpec.replicaExternalLabelName;
        expect(queryLabels).to.include(prometheusLabel);
        for (const edge of Object.values(edgeOutputs)) {
            for (const label of edge.outputs.replicaLabels as string[]) expect(queryLabels).to.include(label);
        }
        const rulerArgs = thanosArgs(central, "StatefulSet", "thanos-ruler");
        const rulerReplicaLabel = flag(rulerArgs, "label")
            .find((l) => l.includes("$(POD_NAME)"))!
            .split("=")[0];
        expect(queryLabels).to.include(rulerReplicaLabel);
        expect(flag(rulerArgs, "alert.label-drop")).to.include(rulerReplicaLabel);
        // The compactor does not deduplicate; if it ever does, it must use the same labels.
        for (const label of flag(
            thanosArgs(central, "StatefulSet", "thanos-compactor"),
            "deduplication.replica-label",
        )) {
            expect(queryLabels).to.include(label);
        }
    });

    it("Prometheus scrapes every Thanos component and sidecar through PodMonitors that select them", () => {
        expect(kpsValues(central).prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues).to.equal(false);
        const monitors = central.resources.filter((r) => r.type.endsWith(":PodMonitor")).map((r) => r.inputs as any);
        for (const [kind, name, job] of [
            ["Deployment", "thanos-query", "thanos-query"],
            ["StatefulSet", "thanos-store", "thanos-store"],
            ["StatefulSet", "thanos-compactor", "thanos-compact"],
            ["StatefulSet", "thanos-ruler", "thanos-rule"],
        ] as const) {
            const pod = k8sObject(central, kind, name).spec.template;
            const monitor = monitors.find((m) =>
                Object.entries(m.spec.selector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v),
            );
            expect(monitor, name).to.not.equal(undefined);
            const endpoint = monitor.spec.podMetricsEndpoints[0];
            expect(pod.spec.containers[0].ports.map((p: any) => p.name)).to.include(endpoint.port);
            expect(endpoint.relabelings).to.deep.equal([{ targetLabel: "job", replacement: job }]);
        }
        const sidecar = monitors.find((m) => m.metadata.name === "thanos-sidecar");
        expect(sidecar.spec.selector.matchLabels).to.deep.equal({
            "app.kubernetes.io/name": "prometheus",
            "operator.prometheus.io/name": "kps-prometheus",
        });
        expect(sidecar.spec.podMetricsEndpoints[0].port).to.equal("http");
    });

    it("every Thanos component reads its own objstore Secret, none the sidecars'", () => {
        for (const [name, secret] of [
            ["thanos-store", "thanos-objstore-store-gateway"],
            ["thanos-compactor", "thanos-objstore-compactor"],
            ["thanos-ruler", "thanos-objstore-ruler"],
        ] as const) {
            k8sObject(central, "Secret", secret);
            const volumes = k8sObject(central, "StatefulSet", name).spec.template.spec.volumes;
            expect(volumes.find((v: any) => v.name === "objstore").secret.secretName, name).to.equal(secret);
        }
    });

    describe("Alertmanager and Grafana", () => {
        it("runs Alertmanager with 3 replicas on Longhorn", () => {
            const am = kpsValues(central).alertmanager;
            expect(am.enabled).to.equal(true);
            expect(am.alertmanagerSpec.replicas).to.equal(3);
            expect(am.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName).to.equal("monitoring-retain");
            expect(central.outputs.alertmanagerUrl).to.equal(
                "http://kps-alertmanager.monitoring.svc.cluster.local:9093",
            );
        });

        it("gives Grafana the query-frontend in front of Thanos Query as its one default datasource, uid thanos", () => {
            const grafana = kpsValues(central).grafana;
            expect(grafana.enabled).to.equal(true);
            expect(grafana.sidecar.datasources.defaultDatasourceEnabled).to.equal(false);
            const defaults = grafana.additionalDataSources.filter((d: any) => d.isDefault);
            expect(defaults).to.have.lengthOf(1);
            expect(defaults[0].url).to.equal("http://thanos-query-frontend.monitoring.svc.cluster.local:9090");
            expect(defaults[0].uid).to.equal("thanos");
            // The URL points at the frontend Service this stack declares, which selects the frontend's pods.
            const service = k8sObject(central, "Service", "thanos-query-frontend");
            expect(service.spec.ports.map((p: any) => p.port)).to.include(9090);
            const frontend = k8sObject(central, "Deployment", "thanos-query-frontend");
            expect(frontend.spec.template.metadata.labels).to.include(service.spec.selector);
        });

        it("installs no Grafana `helm test` pod, which runs as root in a namespace that enforces restricted", () => {
            expect(kpsValues(central).grafana.testFramework).to.deep.equal({ enabled: false });
            const monitoring = k8sObject(central, "Namespace", "monitoring");
            expect(monitoring.metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
        });

        it("reads Grafana's admin password from a generated Secret, and exports it nowhere", () => {
            const grafana = kpsValues(central).grafana;
            expect(grafana.admin).to.deep.equal({
                existingSecret: "grafana-admin",
                userKey: "admin-user",
                passwordKey: "admin-password",
            });
            const secret = k8sObject(central, "Secret", "grafana-admin");
            expect(isSecretMarker(secret.stringData)).to.equal(true);
            const password = (secret.stringData as any).value["admin-password"];
            expect(password).to.be.a("string").with.length.at.least(32);
            expect(JSON.stringify(kpsValues(central))).not.to.contain(password);
            // No stack output holds it, secret or not: it stays in the Secret and the stack's state.
            expect(Object.keys(central.outputs)).not.to.include("grafanaAdminPassword");
            expect(JSON.stringify(central.outputs)).not.to.contain(password);
            // One for Grafana, one per MinIO identity of this stack (sidecars, Store Gateway, Compactor, Ruler).
            expect(byType(central, "random:index/randomPassword:RandomPassword")).to.have.lengthOf(5);
        });

        it("answers on the central address, port 3000, through the front door; its own Service stays in-cluster", () => {
            expect(kpsValues(central).grafana.service).to.deep.equal({ type: "ClusterIP", port: 3000 });
            const lb = k8sObject(central, "Service", "frontdoor");
            expect(lb.spec.ports[1]).to.deep.equal({ name: "grafana", port: 3000, targetPort: 3000, protocol: "TCP" });
            const config = k8sObject(central, "ConfigMap", "frontdoor").data["haproxy.cfg"];
            expect(config).to.contain(
                "server grafana kube-prometheus-stack-grafana.monitoring.svc.cluster.local:3000 ",
            );
            // The front door carries the label the Cilium pool selects.
            const pool = central.resources.find((r) => r.type.endsWith(":CiliumLoadBalancerIPPool"))!.inputs as any;
            for (const [key, value] of Object.entries(pool.spec.serviceSelector.matchLabels))
                expect(lb.metadata.labels[key]).to.equal(value);
            expect(central.outputs.grafanaUrl).to.equal(`http://${CENTRAL_IP}:3000`);
        });
    });

    describe("MinIO buckets", () => {
        it("creates the three buckets apart, through a provider pointed at MinIO", () => {
            const buckets = byType(central, "aws:s3/bucket:Bucket").map((r) => (r.inputs as any).bucket);
            expect(buckets).to.have.members(["thanos-bucket", "longhorn-backups", "opensearch-logs"]);
            const [provider] = byType(central, "pulumi:providers:aws");
            const inputs = provider.inputs as any;
            expect(JSON.parse(inputs.endpoints)).to.deep.equal([{ s3: "http://s3.minio.miribit.lab:80" }]);
            expect(inputs.s3UsePathStyle).to.equal("true");
            expect(inputs.skipCredentialsValidation).to.equal("true");
            expect(inputs.skipRequestingAccountId).to.equal("true");
            for (const r of byType(central, "aws:s3/bucket:Bucket")) expect(r.provider).to.equal(provider.urn);
            for (const key of ["accessKey", "secretKey"]) expect(isSecretMarker(inputs[key]), key).to.equal(true);
            expect(central.outputs.buckets).to.deep.equal({
                metrics: "thanos-bucket",
                longhornBackups: "longhorn-backups",
                opensearchLogs: "opensearch-logs",
            });
        });

        it("expires no current object in the metrics bucket: its only lifecycle rule ends noncurrent versions", () => {
            for (const r of byType(central, "aws:s3/bucket:Bucket"))
                expect(r.inputs).not.to.have.property("lifecycleRules");
            const rules = byType(central, "minio:index/ilmPolicy:IlmPolicy").flatMap((r) => (r.inputs as any).rules);
            expect(rules).to.have.lengthOf(1);
            // "DeleteMarker" removes expired delete markers only; no day count expires current objects.
            expect(rules[0].expiration).to.equal("DeleteMarker");
        });

        it("leaves the buckets alone when the stack does not manage them", async () => {
            const centralConfig = stackFile("cluster-01").config["thanos-multicluster:central"] as any;
            const run = await runCentral({
                "thanos-multicluster:central": {
                    ...centralConfig,
                    buckets: { ...centralConfig.buckets, manage: false },
                },
                // Per-role identities are MinIO users this stack creates: without the buckets, one shared key.
                "thanos-multicluster:objectStorage": {
                    ...(stackFile("cluster-01").config["thanos-multicluster:objectStorage"] as object),
                    identities: "shared",
                },
            });
            expect(byType(run, "aws:s3/bucket:Bucket")).to.deep.equal([]);
            expect(run.resources.filter((r) => r.type.startsWith("minio:"))).to.deep.equal([]);
        });
    });

    it("exports the endpoints Query is wired to", () => {
        const endpoints = central.outputs.queryEndpoints as { address: string; strict: boolean; source: string }[];
        for (const address of EDGE_ENDPOINTS)
            expect(endpoints.find((e) => e.address === address)?.strict, address).to.equal(true);
        expect(JSON.stringify(central.outputs)).not.to.contain(TEST_SECRETS.objectStorageSecretKey);
    });

    describe("edges read through StackReferences", () => {
        it("references each edge by its fully qualified name", () => {
            const refs = byType(central, "pulumi:pulumi:StackReference").map((r) => (r.inputs as any).name);
            expect(refs).to.deep.equal([
                "miribit/thanos-multicluster/cluster-02",
                "miribit/thanos-multicluster/cluster-03",
                "miribit/thanos-multicluster/cluster-04",
            ]);
        });

        it("a missing edge stack fails naming it", async () => {
            const { ["miribit/thanos-multicluster/cluster-03"]: _missing, ...others } = edgeOutputs;
            const message = await centralFailure({}, others);
            expect(message).to.contain("miribit/thanos-multicluster/cluster-03");
        });

        it("an edge stack with no outputs yet fails, saying to deploy it first", async () => {
            const message = await centralFailure(
                {},
                { ...edgeOutputs, "miribit/thanos-multicluster/cluster-04": { outputs: {} } },
            );
            expect(message).to.contain(
                "edge stack miribit/thanos-multicluster/cluster-04 exports no contractVersion: it has not been deployed yet",
            );
            expect(message).to.contain("pulumi up -s cluster-04");
        });

        it("an edge on another contract version fails, naming both versions", async () => {
            const outdated = { ...edgeOutputs["miribit/thanos-multicluster/cluster-02"].outputs, contractVersion: 0 };
            const message = await centralFailure(
                {},
                { ...edgeOutputs, "miribit/thanos-multicluster/cluster-02": { outputs: outdated } },
            );
            expect(message).to.contain(
                "edge stack miribit/thanos-multicluster/cluster-02 exports contract version 0, but this program reads version 4",
            );
        });

        it("an edge missing a contract output fails naming the output", async () => {
            const { queryEndpoint: _dropped, ...partial } =
                edgeOutputs["miribit/thanos-multicluster/cluster-02"].outputs;
            const message = await centralFailure(
                {},
                { ...edgeOutputs, "miribit/thanos-multicluster/cluster-02": { outputs: partial } },
            );
            expect(message).to.contain("queryEndpoint");
            expect(message).to.contain("miribit/thanos-multicluster/cluster-02");
        });

        it("an edge shipping to another bucket fails: its blocks would never be compacted", async () => {
            const other = {
                ...edgeOutputs["miribit/thanos-multicluster/cluster-03"].outputs,
                objstore: { bucket: "other-bucket", endpoint: "s3.minio.miribit.lab:80" },
            };
            const message = await centralFailure(
                {},
                { ...edgeOutputs, "miribit/thanos-multicluster/cluster-03": { outputs: other } },
            );
            expect(message).to.contain("edge stack miribit/thanos-multicluster/cluster-03: output objstore");
            expect(message).to.contain("never be compacted");
        });

        it("two edges with one cluster name fail", async () => {
            const clash = {
                ...edgeOutputs["miribit/thanos-multicluster/cluster-04"].outputs,
                clusterName: "cluster-03",
                externalLabels: { cluster: "cluster-03" },
            };
            const message = await centralFailure(
                {},
                { ...edgeOutputs, "miribit/thanos-multicluster/cluster-04": { outputs: clash } },
            );
            expect(message).to.contain('both call their cluster "cluster-03"');
        });

        it("a fifth edge added by its stack config and one central entry is wired", async () => {
            const fifth = await runCommittedStack("cluster-02", FIFTH_EDGE);
            const central = {
                "thanos-multicluster:central": withFifthEdge(
                    stackFile("cluster-01").config["thanos-multicluster:central"] as any,
                ),
            };
            // The fifth edge's stack file sits next to the others, as the central stack checks.
            const fifthFile = { ...stackFile("cluster-02").config, ...FIFTH_EDGE };
            const run = await withStackFiles({ "cluster-05": fifthFile, "cluster-01": central }, () =>
                runCentral(central, {
                    ...edgeOutputs,
                    "miribit/thanos-multicluster/cluster-05": { outputs: fifth.outputs },
                }),
            );
            const endpoints = endpointFile(run).endpoints;
            for (const address of ["192.168.101.214:10901"]) {
                const endpoint = endpoints.find((e: any) => e.address === address)!;
                expect(endpoint.strict, address).to.equal(true);
                expect(endpoint.client_config.server_name).to.equal("thanos-sidecar.cluster-05");
            }
            expect(k8sObject(run, "ConfigMap", "thanos-query-edge-ca-cluster-05").metadata.namespace).to.equal(
                "monitoring",
            );
            const rules = k8sObject(run, "ConfigMap", "thanos-ruler-rules").data["thanos-multicluster.yaml"];
            expect(rules).to.contain('cluster=\\"cluster-05\\"');
        });
    });
});
