import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { StackRun, isSecretMarker } from "../offline/runStack";
import { deployOrder } from "../offline/stacks";
import {
    TEST_SECRETS,
    byType,
    committedEdgeOutputs,
    k8sObject,
    runCommittedStack,
    stackFile,
    withStackFiles,
} from "./helpers";

// Expected values come from the architecture seed, written out here by hand.
const EDGES = [
    { stack: "cluster-02", lbIp: "192.168.101.211", nodeIp: "192.168.101.196" },
    { stack: "cluster-03", lbIp: "192.168.101.212", nodeIp: "192.168.101.197" },
    { stack: "cluster-04", lbIp: "192.168.101.213", nodeIp: "192.168.101.198" },
];
const CENTRAL = { stack: "cluster-01", lbIp: "192.168.101.210" };
const CENTRAL_NODE_CIDR = "192.168.101.194/32";
const HOUR = 3600 * 1000;

function hours(duration: string): number {
    const units: Record<string, number> = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168 };
    let total = 0;
    for (const m of duration.matchAll(/([0-9]+)([smhdw])/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

function kpsRelease(run: StackRun): Record<string, any> {
    const releases = byType(run, "kubernetes:helm.sh/v3:Release");
    expect(releases).to.have.lengthOf(1);
    return releases[0].inputs as Record<string, any>;
}

const runs = new Map<string, StackRun>();
async function stackRun(stack: string): Promise<StackRun> {
    if (!runs.has(stack)) {
        const edges = stack === CENTRAL.stack ? await committedEdgeOutputs() : {};
        runs.set(stack, await runCommittedStack(stack, {}, edges));
    }
    return runs.get(stack)!;
}

function commonChecks(stack: string) {
    it("registers every Kubernetes resource through the stack's own provider, for its own context", async () => {
        const run = await stackRun(stack);
        const providers = byType(run, "pulumi:providers:kubernetes");
        expect(providers).to.have.lengthOf(1);
        expect(providers[0].inputs.context).to.equal(stack);
        const k8sResources = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        expect(k8sResources.length).to.be.greaterThan(3);
        for (const r of k8sResources) {
            expect(r.provider, `${r.type} ${r.name}`).to.equal(providers[0].urn);
        }
    });

    it("gives every resource and every Kubernetes object a unique name", async () => {
        const run = await stackRun(stack);
        const urns = run.resources.map((r) => r.urn);
        expect(new Set(urns).size).to.equal(urns.length);
        const typeAndName = run.resources.map((r) => `${r.type}::${r.name}`);
        expect(new Set(typeAndName).size, "the real engine rejects a repeated type and name").to.equal(
            typeAndName.length,
        );
        const objects = run.resources
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release")
            .map(
                (r) =>
                    `${r.inputs.apiVersion}/${r.inputs.kind}/${(r.inputs as any).metadata?.namespace ?? ""}/${(r.inputs as any).metadata?.name}`,
            );
        expect(new Set(objects).size).to.equal(objects.length);
    });

    it("creates the monitoring namespace and a privileged one for the node exporter", async () => {
        const run = await stackRun(stack);
        const monitoring = k8sObject(run, "Namespace", "monitoring");
        expect(monitoring.metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
        expect(monitoring.metadata.labels["pod-security.kubernetes.io/warn"]).to.equal("restricted");
        const nodeExporter = k8sObject(run, "Namespace", "monitoring-node-exporter");
        expect(nodeExporter.metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("privileged");
        expect(kpsRelease(run).values["prometheus-node-exporter"].namespaceOverride).to.equal(
            "monitoring-node-exporter",
        );
    });

    it("creates the objstore Secret for thanos-bucket, its contents secret", async () => {
        const run = await stackRun(stack);
        const secret = k8sObject(run, "Secret", "thanos-objstore");
        expect(secret.metadata.namespace).to.equal("monitoring");
        expect(isSecretMarker(secret.stringData), "stringData must be a secret").to.equal(true);
        const contents = (secret.stringData as any).value["objstore.yml"];
        const objstore = yaml.load(contents) as Record<string, any>;
        expect(objstore.type).to.equal("S3");
        expect(objstore.config).to.include({
            bucket: "thanos-bucket",
            endpoint: "s3.minio.miribit.lab:80",
            insecure: true,
            // Its own identity (objectStorage.identities: perRole), the key generated in this stack.
            access_key: `thanos-sidecar-${stack}`,
            bucket_lookup_type: "path",
        });
        expect(objstore.config.secret_key).to.be.a("string").with.lengthOf(40);
        expect(Object.values(TEST_SECRETS)).not.to.include(objstore.config.secret_key);
        expect(objstore.config.http_config.insecure_skip_verify).to.equal(true);
    });

    it("installs kube-prometheus-stack 88.5.3 from its repository, the sidecar reading the Secret by reference", async () => {
        const run = await stackRun(stack);
        const release = kpsRelease(run);
        expect(release.chart).to.equal("kube-prometheus-stack");
        expect(release.version).to.equal("88.5.3");
        expect(release.repositoryOpts.repo).to.equal("https://prometheus-community.github.io/helm-charts");
        expect(release.namespace).to.equal("monitoring");
        const thanos = release.values.prometheus.prometheusSpec.thanos;
        expect(thanos.objectStorageConfig).to.deep.equal({
            existingSecret: { name: "thanos-objstore", key: "objstore.yml" },
        });
        expect(thanos.image).to.equal("quay.io/thanos/thanos:v0.42.4");
        const valuesText = JSON.stringify(release.values);
        for (const secret of Object.values(TEST_SECRETS)) expect(valuesText).not.to.contain(secret);
    });

    it("runs Prometheus HA: 2 replicas, cluster label, replica label kept, 30s scrapes, 2h blocks", async () => {
        const spec = kpsRelease(await stackRun(stack)).values.prometheus.prometheusSpec;
        expect(spec.replicas).to.equal(2);
        expect(spec.externalLabels).to.deep.equal({ cluster: stack });
        // Keeping the operator's default replica label is what lets Query deduplicate.
        expect(spec.replicaExternalLabelName).to.equal("prometheus_replica");
        expect(spec.scrapeInterval).to.equal("30s");
        expect(spec.thanos.blockSize).to.equal("2h");
        expect(spec.disableCompaction).to.equal(true);
    });

    it("keeps blocks locally through a 24h object-store outage, within a Longhorn PVC", async () => {
        const spec = kpsRelease(await stackRun(stack)).values.prometheus.prometheusSpec;
        // 24h outage, plus the up to 3h a block takes to be cut, plus margin.
        expect(hours(spec.retention) * HOUR).to.be.at.least(28 * HOUR);
        const pvc = spec.storageSpec.volumeClaimTemplate.spec;
        expect(pvc.storageClassName).to.equal("monitoring-retain");
        const pvcGi = Number(/^([0-9]+)Gi$/.exec(pvc.resources.requests.storage)![1]);
        const retentionGB = Number(/^([0-9]+)GB$/.exec(spec.retentionSize)![1]);
        expect(retentionGB).to.be.below(pvcGi);
    });

    it("exports the outputs contract", async () => {
        const outputs = (await stackRun(stack)).outputs;
        expect(outputs.contractVersion).to.equal(4);
        expect(outputs.clusterName).to.equal(stack);
        expect(outputs.externalLabels).to.deep.equal({ cluster: stack });
        expect(outputs.replicaLabels).to.deep.equal(["prometheus_replica"]);
        expect(outputs.objstore).to.deep.equal({ bucket: "thanos-bucket", endpoint: "s3.minio.miribit.lab:80" });
        expect(outputs.prometheusUrl).to.equal("http://kps-prometheus.monitoring.svc:9090");
        // No stack exports a secret but an edge's sidecar identity, which the central stack needs to create
        // its MinIO user: Grafana's admin password stays in its Secret (docs/security.md).
        const run = await stackRun(stack);
        expect(run.secretOutputNames).to.deep.equal(run.outputs.role === "edge" ? ["objstoreIdentity"] : []);
    });
}

describe("edge stacks", () => {
    it("are every committed edge stack: the checks below cover each one", () => {
        expect(EDGES.map((e) => e.stack)).to.deep.equal(
            deployOrder()
                .filter((s) => s.role === "edge")
                .map((s) => s.name),
        );
    });

    for (const edge of EDGES) {
        describe(edge.stack, () => {
            commonChecks(edge.stack);

            it("turns Grafana and Alertmanager off", async () => {
                const values = kpsRelease(await stackRun(edge.stack)).values;
                expect(values.grafana.enabled).to.equal(false);
                expect(values.alertmanager.enabled).to.equal(false);
            });

            it("exposes its Thanos Query, 2 replicas, through exactly one LoadBalancer Service on the pinned IP, with no sharing key", async () => {
                const run = await stackRun(edge.stack);
                const loadBalancers = byType(run, "kubernetes:core/v1:Service").filter(
                    (r) => (r.inputs as any).spec?.type === "LoadBalancer",
                );
                expect(loadBalancers).to.have.lengthOf(1);
                const svc = k8sObject(run, "Service", "thanos-query-lb");
                expect(svc.metadata.namespace).to.equal("monitoring");
                expect(svc.metadata.annotations).to.deep.equal({ "lbipam.cilium.io/ips": edge.lbIp });
                expect(svc.spec.selector).to.deep.equal({
                    "app.kubernetes.io/name": "thanos",
                    "app.kubernetes.io/component": "query",
                    "app.kubernetes.io/part-of": "thanos-multicluster",
                });
                expect(svc.spec.ports).to.deep.equal([
                    { name: "grpc", port: 10901, targetPort: "grpc", protocol: "TCP" },
                    { name: "http", port: 9090, targetPort: "http", protocol: "TCP" },
                ]);
                // One set of source ranges for both ports: the union (the NetworkPolicy narrows each port).
                expect(svc.spec.loadBalancerSourceRanges).to.deep.equal([CENTRAL_NODE_CIDR, "192.168.101.0/24"]);
                // Local is incompatible with L2 announcements; NodePorts would bypass the source ranges.
                expect(svc.spec.externalTrafficPolicy).to.equal("Cluster");
                expect(svc.spec.allocateLoadBalancerNodePorts).to.equal(false);
                const deployment = k8sObject(run, "Deployment", "thanos-query");
                expect(deployment.spec.replicas).to.equal(2);
                expect(deployment.spec.template.metadata.labels).to.include(svc.spec.selector);
                expect(
                    deployment.spec.template.spec.affinity.podAntiAffinity
                        .preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
                ).to.equal("kubernetes.io/hostname");
                const pdb = k8sObject(run, "PodDisruptionBudget", "thanos-query");
                expect(pdb.spec).to.deep.equal({ maxUnavailable: 1, selector: { matchLabels: svc.spec.selector } });
            });

            it("reads its own sidecars in-cluster, strictly, without deduplicating, and serves mTLS to the central Query", async () => {
                const run = await stackRun(edge.stack);
                const container = k8sObject(run, "Deployment", "thanos-query").spec.template.spec.containers[0];
                const args: string[] = container.args;
                expect(args.filter((a) => a.startsWith("--query.replica-label"))).to.deep.equal([]);
                expect(args).to.include("--query.partial-response");
                expect(args).to.include.members([
                    "--grpc-server-tls-cert=/etc/thanos/grpc-server/tls.crt",
                    "--grpc-server-tls-key=/etc/thanos/grpc-server/tls.key",
                    "--grpc-server-tls-client-ca=/etc/thanos/grpc-server/ca.crt",
                ]);
                const volumes = k8sObject(run, "Deployment", "thanos-query").spec.template.spec.volumes;
                expect(volumes).to.deep.include({
                    name: "grpc-server-tls",
                    secret: { secretName: "thanos-sidecar-tls" },
                });
                const file = yaml.load(
                    k8sObject(run, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"],
                ) as any;
                expect(file).to.deep.equal({
                    endpoints: [0, 1].map((i) => ({
                        address: `prometheus-kps-prometheus-${i}.prometheus-operated.monitoring.svc:10901`,
                        strict: true,
                    })),
                });
                // The sidecars serve plain gRPC now: the edge Query took their mTLS over.
                const values = kpsRelease(run).values;
                expect(values.prometheus.prometheusSpec.thanos.grpcServerTlsConfig).to.equal(undefined);
            });

            it("manages the Cilium pool and L2 announcements for exactly the pinned IP, selecting our Services", async () => {
                const run = await stackRun(edge.stack);
                const pools = run.resources.filter((r) => r.type.endsWith(":CiliumLoadBalancerIPPool"));
                const policies = run.resources.filter((r) => r.type.endsWith(":CiliumL2AnnouncementPolicy"));
                expect(pools).to.have.lengthOf(1);
                expect(policies).to.have.lengthOf(1);
                const pool = pools[0].inputs as any;
                expect(pool.spec.blocks).to.deep.equal([{ start: edge.lbIp, stop: edge.lbIp }]);
                expect((policies[0].inputs as any).spec.loadBalancerIPs).to.equal(true);
                // One Service holds the address, so one lease: the policy pins no node.
                expect((policies[0].inputs as any).spec.nodeSelector).to.equal(undefined);
                for (const selector of [pool.spec.serviceSelector, (policies[0].inputs as any).spec.serviceSelector]) {
                    for (const name of ["thanos-query-lb"]) {
                        const labels = k8sObject(run, "Service", name).metadata.labels;
                        for (const [key, value] of Object.entries(selector.matchLabels))
                            expect(labels[key]).to.equal(value);
                    }
                }
            });

            it("lets only the edge Query reach the sidecars, and narrows the edge Query's ports to their own source ranges", async () => {
                const run = await stackRun(edge.stack);
                const policy = k8sObject(run, "NetworkPolicy", "prometheus");
                const grpcRule = policy.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 10901));
                expect(grpcRule.ports).to.deep.equal([{ protocol: "TCP", port: 10901 }]);
                expect(grpcRule.from).to.deep.equal([
                    {
                        podSelector: {
                            matchLabels: {
                                "app.kubernetes.io/name": "thanos",
                                "app.kubernetes.io/component": "query",
                                "app.kubernetes.io/part-of": "thanos-multicluster",
                            },
                        },
                    },
                ]);
                const query = k8sObject(run, "NetworkPolicy", "thanos-query");
                const rule = (port: number) => query.spec.ingress.find((r: any) => r.ports[0].port === port);
                // No node address in an ipBlock: Cilium would not match it (policy-cidr-match-mode).
                expect(rule(10901).from).to.deep.equal([{ ipBlock: { cidr: CENTRAL_NODE_CIDR } }]);
                expect(rule(9090).from).to.deep.equal([{ ipBlock: { cidr: "192.168.101.0/24" } }, { podSelector: {} }]);
                const fromNodes = k8sObject(run, "CiliumNetworkPolicy", "thanos-query-from-nodes");
                expect(fromNodes.apiVersion).to.equal("cilium.io/v2");
                expect(fromNodes.spec.endpointSelector.matchLabels).to.deep.equal(query.spec.podSelector.matchLabels);
                expect(fromNodes.spec.ingress).to.deep.equal([
                    {
                        fromEntities: ["host", "remote-node"],
                        toPorts: [
                            {
                                ports: [
                                    { port: "10901", protocol: "TCP" },
                                    { port: "9090", protocol: "TCP" },
                                ],
                            },
                        ],
                    },
                ]);
            });

            it("exports its Query's gRPC endpoint from the Service's assigned address", async () => {
                const outputs = (await stackRun(edge.stack)).outputs;
                expect(outputs.role).to.equal("edge");
                expect(outputs.queryEndpoint).to.equal(`${edge.lbIp}:10901`);
                expect(outputs).not.to.have.property("sidecarEndpoints");
            });
        });
    }

    it("a third Prometheus replica is a third strict endpoint of the edge Query, behind the same one Service", async () => {
        const run = await runCommittedStack("cluster-02", {
            "thanos-multicluster:prometheus": {
                replicas: 3,
                retention: "2d",
                objectStoreOutageToSurvive: "24h",
                storageSize: "50Gi",
            },
        });
        const file = yaml.load(k8sObject(run, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"]) as any;
        expect(file.endpoints.map((e: any) => e.address)).to.deep.equal(
            [0, 1, 2].map((i) => `prometheus-kps-prometheus-${i}.prometheus-operated.monitoring.svc:10901`),
        );
        expect(run.outputs.queryEndpoint).to.equal("192.168.101.211:10901");
    });

    it("leaves the Cilium objects alone where the stack does not manage them", async () => {
        const run = await runCommittedStack("cluster-03", {
            "thanos-multicluster:loadBalancer": {
                ip: "192.168.101.212",
                manageCiliumIpam: false,
                pool: { start: "192.168.101.212", stop: "192.168.101.212" },
                grpcSourceRanges: [CENTRAL_NODE_CIDR],
                httpSourceRanges: ["192.168.101.0/24"],
            },
        });
        expect(
            run.resources.filter((r) => r.type.includes("cilium.io") && !r.type.endsWith(":CiliumNetworkPolicy")),
        ).to.deep.equal([]);
        expect(run.outputs.queryEndpoint).to.equal("192.168.101.212:10901");
    });
});

describe("central stack: the monitoring base", () => {
    commonChecks(CENTRAL.stack);

    it("reaches its own sidecars in-cluster: no sidecar LoadBalancer, no edge Query endpoint", async () => {
        const run = await stackRun(CENTRAL.stack);
        const sidecarServices = byType(run, "kubernetes:core/v1:Service").filter((r) =>
            JSON.stringify(r.inputs).includes("prometheus-kps-prometheus"),
        );
        expect(sidecarServices).to.deep.equal([]);
        expect(run.outputs.role).to.equal("central");
        expect(run.outputs.queryEndpoint).to.equal("");
    });

    it("lets only Query reach its sidecars' gRPC", async () => {
        const policy = k8sObject(await stackRun(CENTRAL.stack), "NetworkPolicy", "prometheus");
        const grpcRule = policy.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 10901));
        expect(grpcRule.from).to.deep.equal([
            {
                podSelector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "thanos",
                        "app.kubernetes.io/component": "query",
                        "app.kubernetes.io/part-of": "thanos-multicluster",
                    },
                },
            },
        ]);
    });

    it("manages the Cilium pool for the central address", async () => {
        const run = await stackRun(CENTRAL.stack);
        const pool = run.resources.find((r) => r.type.endsWith(":CiliumLoadBalancerIPPool"))!.inputs as any;
        expect(pool.spec.blocks).to.deep.equal([{ start: CENTRAL.lbIp, stop: CENTRAL.lbIp }]);
    });
});

describe("across stacks", () => {
    const all = [CENTRAL.stack, ...EDGES.map((e) => e.stack)];

    it("every cluster label is unique", async () => {
        const labels = await Promise.all(
            all.map(async (s) => kpsRelease(await stackRun(s)).values.prometheus.prometheusSpec.externalLabels.cluster),
        );
        expect(new Set(labels).size).to.equal(all.length);
    });

    it("every pinned address is distinct and inside the lab range 192.168.101.210-213", async () => {
        const addresses: string[] = [];
        for (const s of all) {
            const pool = (await stackRun(s)).resources.find((r) => r.type.endsWith(":CiliumLoadBalancerIPPool"))!
                .inputs as any;
            addresses.push(pool.spec.blocks[0].start, pool.spec.blocks[0].stop);
        }
        const unique = [...new Set(addresses)].sort();
        expect(unique).to.deep.equal(["192.168.101.210", "192.168.101.211", "192.168.101.212", "192.168.101.213"]);
    });
});

describe("object storage over https with a private CA", () => {
    // A real certificate: objectStorage.caBundle must parse as X.509.
    const PEM = fs.readFileSync(path.join(__dirname, "fixtures", "certs", "deployment-ca-until-2036.pem"), "utf8");
    const https = { endpoint: "s3.minio.miribit.lab:443", bucket: "thanos-bucket", caBundle: PEM };

    it("mounts the CA into the sidecar and points the objstore config at it", async () => {
        const run = await runCommittedStack("cluster-02", { "thanos-multicluster:objectStorage": https });
        const ca = k8sObject(run, "ConfigMap", "thanos-objstore-ca");
        expect(ca.data["ca.crt"]).to.equal(PEM);
        const objstore = yaml.load(
            (k8sObject(run, "Secret", "thanos-objstore").stringData as any).value["objstore.yml"],
        ) as any;
        expect(objstore.config.insecure).to.equal(false);
        expect(objstore.config.http_config).to.deep.equal({
            insecure_skip_verify: false,
            tls_config: { ca_file: "/etc/prometheus/configmaps/thanos-objstore-ca/ca.crt" },
        });
        const spec = kpsRelease(run).values.prometheus.prometheusSpec;
        // The operator mounts configMaps entries as volume configmap-<name> at /etc/prometheus/configmaps/<name>.
        expect(spec.configMaps).to.deep.equal(["thanos-objstore-ca"]);
        expect(spec.thanos.volumeMounts).to.deep.include({
            name: "configmap-thanos-objstore-ca",
            mountPath: "/etc/prometheus/configmaps/thanos-objstore-ca",
            readOnly: true,
        });
    });

    it("mounts the CA at the same path in every central Thanos component", async () => {
        // Every stack file on the https endpoint: the central stack checks its edges' files agree.
        const onHttps = Object.fromEntries(
            ["cluster-01", "cluster-02", "cluster-03", "cluster-04"].map((s) => [
                s,
                { "thanos-multicluster:objectStorage": https },
            ]),
        );
        const edges = await committedEdgeOutputsOn(https);
        const run = await withStackFiles(onHttps, () =>
            runCommittedStack("cluster-01", { "thanos-multicluster:objectStorage": https }, edges),
        );
        for (const name of ["thanos-store", "thanos-compactor", "thanos-ruler"]) {
            const pod = k8sObject(run, "StatefulSet", name).spec.template.spec;
            expect(pod.volumes, name).to.deep.include({
                name: "configmap-thanos-objstore-ca",
                configMap: { name: "thanos-objstore-ca" },
            });
            expect(pod.containers[0].volumeMounts, name).to.deep.include({
                name: "configmap-thanos-objstore-ca",
                mountPath: "/etc/prometheus/configmaps/thanos-objstore-ca",
                readOnly: true,
            });
        }
    });
});

/** The committed edges' outputs, as if they were deployed with this object storage. */
async function committedEdgeOutputsOn(objectStorage: Record<string, unknown>) {
    const outputs: Record<string, { outputs: Record<string, unknown> }> = {};
    for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
        const run = await runCommittedStack(stack, { "thanos-multicluster:objectStorage": objectStorage });
        outputs[`miribit/thanos-multicluster/${stack}`] = { outputs: run.outputs };
    }
    return outputs;
}

describe("mTLS between the central Query and the edge Query", () => {
    it("an edge runs its own CA, serves its Query's gRPC with TLS and requires clients of the deployment CA", async () => {
        const run = await stackRun("cluster-03");
        const spec = kpsRelease(run).values.prometheus.prometheusSpec;
        // The sidecars no longer hold the TLS material: the edge Query mounts it.
        expect(spec.secrets).to.equal(undefined);
        const pod = k8sObject(run, "Deployment", "thanos-query").spec.template.spec;
        expect(pod.volumes).to.deep.include({ name: "grpc-server-tls", secret: { secretName: "thanos-sidecar-tls" } });
        expect(pod.containers[0].volumeMounts).to.deep.include({
            name: "grpc-server-tls",
            mountPath: "/etc/thanos/grpc-server",
            readOnly: true,
        });
        const secret = k8sObject(run, "Secret", "thanos-sidecar-tls");
        expect(isSecretMarker(secret.stringData)).to.equal(true);
        expect(Object.keys((secret.stringData as any).value)).to.have.members(["ca.crt", "tls.crt", "tls.key"]);
        const [ca] = byType(run, "tls:index/selfSignedCert:SelfSignedCert");
        expect((ca.inputs as any).isCaCertificate).to.equal(true);
        const certs = byType(run, "tls:index/locallySignedCert:LocallySignedCert").map((r) => r.inputs as any);
        // The edge signs its server certificate only: no client certificate is issued on an edge.
        expect(certs.map((c) => c.allowedUses)).to.deep.equal([
            ["digital_signature", "key_encipherment", "server_auth"],
        ]);
        for (const cert of certs) {
            expect(cert.validityPeriodHours).to.equal(365 * 24);
            // The stack file's renewBeforeDays: 45.
            expect(cert.earlyRenewalHours).to.equal(45 * 24);
            expect(isSecretMarker(cert.caPrivateKeyPem), "the CA key is passed on only as a secret").to.equal(true);
        }
        const server = byType(run, "tls:index/certRequest:CertRequest")
            .map((r) => r.inputs as any)
            .find((r) => r.dnsNames !== undefined);
        expect(server.dnsNames).to.deep.equal(["thanos-sidecar.cluster-03"]);
        expect(server.ipAddresses).to.deep.equal(["192.168.101.212"]);
    });

    it("an edge exports only public material: its server CA, the server name and the client CA it trusts", async () => {
        const run = await stackRun("cluster-02");
        const tls = run.outputs.grpcTls as any;
        expect(Object.keys(tls).sort()).to.deep.equal([
            "caCertificate",
            "clientCaCertificate",
            "enabled",
            "serverName",
        ]);
        expect(tls.enabled).to.equal(true);
        expect(tls.serverName).to.equal("thanos-sidecar.cluster-02");
        expect(tls.caCertificate).to.match(/^-----BEGIN CERTIFICATE-----/);
        // The committed project has no pki/ yet: offline, the render-only deployment CA stands in (docs/pki.md).
        expect(tls.clientCaCertificate).to.contain("-----BEGIN CERTIFICATE-----");
        // The sidecars' MinIO key is its one secret output (the central stack creates the user with it).
        expect(run.secretOutputNames).to.deep.equal(["objstoreIdentity"]);
        expect(JSON.stringify(run.outputs)).not.to.contain("PRIVATE KEY");
    });

    it("an edge with mTLS off serves plain gRPC and says so in its outputs", async () => {
        const run = await runCommittedStack("cluster-04", { "thanos-multicluster:grpcTls": { enabled: false } });
        expect(run.outputs.grpcTls).to.deep.equal({ enabled: false });
        expect(run.resources.filter((r) => r.type.startsWith("tls:"))).to.deep.equal([]);
        const args: string[] = k8sObject(run, "Deployment", "thanos-query").spec.template.spec.containers[0].args;
        expect(args.filter((a) => a.startsWith("--grpc-server-tls"))).to.deep.equal([]);
        expect(k8sObject(run, "Deployment", "thanos-query").spec.template.spec.volumes).to.have.lengthOf(1);
    });

    it("the central Query dials a plain edge without TLS, and that edge's CA ConfigMap stays empty", async () => {
        const edges = await committedEdgeOutputs();
        const plain = await runCommittedStack("cluster-04", { "thanos-multicluster:grpcTls": { enabled: false } });
        edges["miribit/thanos-multicluster/cluster-04"] = {
            outputs: plain.outputs,
            secretOutputNames: plain.secretOutputNames,
        };
        // Accepted only because the central stack names it in central.plaintextEdges (tests/edgeOutputs.test.ts).
        const central = stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, unknown>;
        const accepting = { "thanos-multicluster:central": { ...central, plaintextEdges: ["cluster-04"] } };
        const run = await withStackFiles(
            { "cluster-04": { "thanos-multicluster:grpcTls": { enabled: false } }, "cluster-01": accepting },
            () => runCommittedStack("cluster-01", accepting, edges),
        );
        const endpoints = (
            yaml.load(k8sObject(run, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"]) as {
                endpoints: any[];
            }
        ).endpoints;
        expect(endpoints.find((e: any) => e.address === "192.168.101.213:10901")).to.deep.equal({
            address: "192.168.101.213:10901",
            strict: true,
        });
        expect(
            endpoints.find((e: any) => e.address === "192.168.101.212:10901").client_config.tls_config.enabled,
        ).to.equal(true);
        expect(k8sObject(run, "ConfigMap", "thanos-query-edge-ca-cluster-04").data).to.deep.equal({});
    });
});
