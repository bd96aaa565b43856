import { expect } from "chai";
import * as yaml from "js-yaml";
import { checkThanosConfigs } from "../offline/checks/thanosConfigs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStacks } from "../offline/render";
import { checkAvailability } from "../offline/checks/availability";
import { checkInvariants } from "../offline/checks/crossStack";
import { checkNetwork } from "../offline/checks/network";
import { Finding, RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { checkSchemas } from "../offline/checks/schemas";
import { checkChartSecurity, checkPodSecurity, checkSecrets, checkTransport } from "../offline/checks/security";
import { checkThanosFlags } from "../offline/checks/thanosFlags";
import { validatePlans } from "../offline/validate";
import { TEST_SECRETS } from "./helpers";
import { checkCacheMemory } from "../offline/checks/thanosCaches";
import { checkRuleFiles } from "../offline/checks/rules";
import { promtoolAvailable } from "../offline/promtool";

let pristine: RenderedPlan[];
let outDir: string;

/** A deep copy of the rendered plans to break. */
const ENDPOINTS_FIELD = "--endpoint.sd-config-file (ConfigMap thanos-query-endpoints, key endpoints.yaml)";

function plans(): RenderedPlan[] {
    return JSON.parse(JSON.stringify(pristine));
}

function plan(all: RenderedPlan[], stack: string): RenderedPlan {
    return all.find((p) => p.stack === stack)!;
}

function manifest(p: RenderedPlan, kind: string, name: string): Record<string, any> {
    return p.manifests.find((o) => o.kind === kind && o.metadata.name === name)!;
}

function container(p: RenderedPlan, kind: string, name: string): Record<string, any> {
    return manifest(p, kind, name).spec.template.spec.containers[0];
}

/** Query's endpoint file in the central plan, parsed; write it back with setEndpointFile. */
function endpointFile(p: RenderedPlan): { endpoints: any[] } {
    return yaml.load(manifest(p, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"]) as { endpoints: any[] };
}

function setEndpointFile(p: RenderedPlan, config: unknown): void {
    manifest(p, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"] = yaml.dump(config);
}

function values(p: RenderedPlan): Record<string, any> {
    return p.releases[0].values;
}

/** Replaces (or with undefined removes) a Thanos flag in a container's args. */
function setFlag(c: Record<string, any>, name: string, value: string | undefined): void {
    c.args = c.args.filter((a: string) => !a.startsWith(`--${name}=`) && a !== `--${name}`);
    if (value !== undefined) c.args.push(`--${name}=${value}`);
}

function expectFinding(findings: Finding[], expected: Partial<Finding> & { message?: string }): void {
    const match = findings.find(
        (f) =>
            f.severity === (expected.severity ?? "error") &&
            (expected.stack === undefined || f.stack === expected.stack) &&
            (expected.object === undefined || f.object === expected.object) &&
            (expected.field === undefined || f.field === expected.field) &&
            (expected.message === undefined || f.message.includes(expected.message)),
    );
    expect(match, `no finding like ${JSON.stringify(expected)} in ${JSON.stringify(findings, null, 1)}`).to.not.equal(
        undefined,
    );
}

describe("npm run validate", () => {
    before(async () => {
        outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-validate-"));
        await renderStacks({ outDir, secrets: TEST_SECRETS, log: () => undefined });
        pristine = loadPlans(outDir);
    });

    after(() => fs.rmSync(outDir, { recursive: true, force: true }));

    it("finds no error in the rendered stacks, and warns about the opted-in plain-http object storage", async () => {
        const findings = await validatePlans(plans());
        expect(findings.filter((f) => f.severity === "error")).to.deep.equal([]);
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            expectFinding(findings, { severity: "warning", stack, field: "objectStorage.insecure" });
        }
    });

    describe("schemas", () => {
        it("reports a field of the wrong type", async () => {
            const all = plans();
            manifest(plan(all, "cluster-02"), "Service", "thanos-sidecar-0").spec.ports[0].port = "10901";
            expectFinding(await checkSchemas(all), {
                stack: "cluster-02",
                object: "Service/monitoring/thanos-sidecar-0",
                field: "(schema)",
                message: "port",
            });
        });

        it("reports an unknown field, which kubernetes-models alone accepts", async () => {
            const all = plans();
            container(plan(all, "cluster-01"), "StatefulSet", "thanos-store").securityContext.readOnlyRootFileSystem =
                true;
            manifest(plan(all, "cluster-03"), "CiliumLoadBalancerIPPool", "monitoring-lb-ipam").spec.cidrs = [];
            const findings = await checkSchemas(all);
            expectFinding(findings, {
                stack: "cluster-01",
                object: "StatefulSet/monitoring/thanos-store",
                field: "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem",
            });
            expectFinding(findings, {
                stack: "cluster-03",
                field: "spec.cidrs",
                message: "not a field of cilium.io/v2alpha1 CiliumLoadBalancerIPPool",
            });
        });

        it("checks the Prometheus the chart renders from our values", async () => {
            const all = plans();
            values(plan(all, "cluster-04")).prometheus.prometheusSpec.thanos.blocksize = "2h";
            expectFinding(await checkSchemas(all), { stack: "cluster-04", field: "spec.thanos.blocksize" });
        });
    });

    describe("Thanos flags", () => {
        it("reports a flag the pinned version does not have", () => {
            const all = plans();
            container(plan(all, "cluster-01"), "Deployment", "thanos-query").args.push("--store=192.168.101.211:10901");
            expectFinding(checkThanosFlags(plan(all, "cluster-01")), {
                object: "Deployment/monitoring/thanos-query",
                field: "--store",
                message: "not a flag of thanos query",
            });
        });

        it("reports a malformed value", () => {
            const all = plans();
            setFlag(container(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor"), "delete-delay", "two days");
            setFlag(container(plan(all, "cluster-01"), "StatefulSet", "thanos-store"), "chunk-pool-size", "1 gig");
            const findings = checkThanosFlags(plan(all, "cluster-01"));
            expectFinding(findings, { field: "--delete-delay", message: "duration" });
            expectFinding(findings, { field: "--chunk-pool-size", message: "size" });
        });
    });

    describe("pod security and probes", () => {
        it("reports a container that breaks the restricted profile or lacks limits and probes", () => {
            const all = plans();
            const query = container(plan(all, "cluster-01"), "Deployment", "thanos-query");
            query.securityContext = { allowPrivilegeEscalation: true };
            delete query.resources.limits;
            delete query.readinessProbe;
            const findings = checkPodSecurity(plan(all, "cluster-01"));
            for (const field of ["allowPrivilegeEscalation", "capabilities.drop", "readOnlyRootFilesystem"]) {
                expectFinding(findings, {
                    object: "Deployment/monitoring/thanos-query",
                    field: `spec.template.spec.containers[0].securityContext.${field}`,
                });
            }
            expectFinding(findings, { field: "spec.template.spec.containers[0].resources.limits.memory" });
            expectFinding(findings, { field: "spec.template.spec.containers[0].readinessProbe", message: "/-/ready" });
        });
    });

    describe("the chart's pods", () => {
        it("reports a chart component that breaks the restricted profile or lacks resources", () => {
            const all = plans();
            const v = values(plan(all, "cluster-01"));
            v.grafana.containerSecurityContext.readOnlyRootFilesystem = false;
            delete v.prometheusOperator.resources;
            v.prometheus.prometheusSpec.securityContext.runAsNonRoot = false;
            v.grafana.initChownData.enabled = true;
            v.alertmanager.alertmanagerSpec.replicas = 2;
            const findings = checkChartSecurity(plan(all, "cluster-01"));
            expectFinding(findings, { field: "grafana.containerSecurityContext.readOnlyRootFilesystem" });
            expectFinding(findings, { field: "prometheusOperator.resources" });
            expectFinding(findings, { field: "prometheus.prometheusSpec.securityContext.runAsNonRoot" });
            expectFinding(findings, { field: "grafana.initChownData.enabled" });
            expectFinding(findings, { field: "alertmanager.alertmanagerSpec.replicas" });
        });

        it("does not ask for Grafana where it is off", () => {
            expect(checkChartSecurity(plan(plans(), "cluster-02"))).to.deep.equal([]);
        });
    });

    describe("availability", () => {
        it("reports a single replica, no spreading and no disruption budget", () => {
            const all = plans();
            const central = plan(all, "cluster-01");
            manifest(central, "StatefulSet", "thanos-store").spec.replicas = 1;
            delete manifest(central, "Deployment", "thanos-query").spec.template.spec.affinity;
            central.manifests = central.manifests.filter(
                (o) => !(o.kind === "PodDisruptionBudget" && o.metadata.name === "thanos-ruler"),
            );
            const findings = checkAvailability(central);
            expectFinding(findings, {
                object: "StatefulSet/monitoring/thanos-store",
                field: "spec.replicas",
                message: "at least 2",
            });
            expectFinding(findings, {
                object: "Deployment/monitoring/thanos-query",
                field: "spec.template.spec.affinity",
            });
            expectFinding(findings, { object: "StatefulSet/monitoring/thanos-ruler", field: "(PodDisruptionBudget)" });
        });

        it("reports a Store Gateway whose memory limit does not cover its caches", () => {
            const all = plans();
            container(plan(all, "cluster-01"), "StatefulSet", "thanos-store").resources.limits.memory = "3Gi";
            expectFinding(checkCacheMemory(plan(all, "cluster-01")), {
                object: "StatefulSet/monitoring/thanos-store",
                message: "index cache, chunk pool, caching bucket",
            });
            // 1GB index cache + 2GB chunk pool + 512MB caching bucket = 3584Mi: just below is too little.
            container(plan(all, "cluster-01"), "StatefulSet", "thanos-store").resources.limits.memory = "3584Mi";
            expectFinding(checkCacheMemory(plan(all, "cluster-01")), {
                object: "StatefulSet/monitoring/thanos-store",
                message: "3584Mi together",
            });
        });

        it("reports a query-frontend whose memory limit does not cover its in-memory results and labels caches", () => {
            const all = plans();
            expect(checkCacheMemory(plan(all, "cluster-01"))).to.deep.equal([]);
            // 512MB results + 128MB labels caches.
            container(plan(all, "cluster-01"), "Deployment", "thanos-query-frontend").resources.limits.memory = "640Mi";
            expectFinding(checkCacheMemory(plan(all, "cluster-01")), {
                object: "Deployment/monitoring/thanos-query-frontend",
                message: "results cache, labels cache: 640Mi",
            });
        });

        it("reports a compactor that could run twice", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor").spec.replicas = 2;
            expectFinding(checkAvailability(plan(all, "cluster-01")), {
                object: "StatefulSet/monitoring/thanos-compactor",
                message: "exactly 1 replica",
            });
        });
    });

    describe("network", () => {
        it("reports a sidecar gRPC open beyond the central cluster", () => {
            const all = plans();
            const edge = plan(all, "cluster-02");
            manifest(edge, "NetworkPolicy", "prometheus").spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } });
            expectFinding(checkNetwork(edge), {
                field: "spec.ingress.from.ipBlock",
                message: "0.0.0.0/0 may reach the sidecar's gRPC",
            });
            const open = plans();
            delete manifest(plan(open, "cluster-03"), "NetworkPolicy", "prometheus").spec.ingress[0].from;
            expectFinding(checkNetwork(plan(open, "cluster-03")), {
                field: "spec.ingress",
                message: "open to any source",
            });
            const none = plans();
            plan(none, "cluster-04").manifests = plan(none, "cluster-04").manifests.filter(
                (o) => o.kind !== "NetworkPolicy",
            );
            expectFinding(checkNetwork(plan(none, "cluster-04")), { message: "open to any source" });
        });

        it("reports in-cluster pods other than Query reaching the central sidecars", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "NetworkPolicy", "prometheus").spec.ingress[0].from = [
                { podSelector: {} },
            ];
            expectFinding(checkNetwork(plan(all, "cluster-01")), { field: "spec.ingress.from.podSelector" });
        });

        it("reports a sidecar HTTP port on a LoadBalancer", () => {
            const all = plans();
            manifest(plan(all, "cluster-02"), "Service", "thanos-sidecar-1").spec.ports.push({
                name: "http",
                port: 10912,
                targetPort: "http",
                protocol: "TCP",
            });
            expectFinding(checkNetwork(plan(all, "cluster-02")), {
                object: "Service/monitoring/thanos-sidecar-1",
                message: "only the sidecar's gRPC may leave",
            });
        });

        it("reports Query or Grafana reachable beyond the UI source ranges", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "NetworkPolicy", "grafana").spec.ingress[0].from.push({
                ipBlock: { cidr: "10.0.0.0/8" },
            });
            expectFinding(checkNetwork(plan(all, "cluster-01")), {
                object: "NetworkPolicy (Grafana pods)",
                message: "10.0.0.0/8",
            });
        });
    });

    describe("secrets", () => {
        it("reports a Secret value in clear and a secret anywhere in the plan's text", () => {
            const all = plans();
            const edge = plan(all, "cluster-02");
            manifest(edge, "Secret", "thanos-objstore").stringData["objstore.yml"] = "type: S3";
            edge.files["resources.json"] += "offline-placeholder-objectStorageSecretKey";
            const findings = checkSecrets(edge);
            expectFinding(findings, { object: "Secret/monitoring/thanos-objstore", field: "stringData.objstore.yml" });
            expectFinding(findings, { object: "resources.json", message: "in clear" });
        });
    });

    describe("transport", () => {
        it("warns only where plain http or skip-verify is opted into", () => {
            const all = plans();
            const edge = plan(all, "cluster-03");
            edge.config["thanos-multicluster:objectStorage"] = {
                ...(edge.config["thanos-multicluster:objectStorage"] as object),
                insecure: false,
                insecureSkipVerify: false,
            };
            expect(checkTransport(edge)).to.deep.equal([]);
            expect(checkTransport(plan(all, "cluster-04")).map((f) => f.severity)).to.deep.equal([
                "warning",
                "warning",
            ]);
        });
    });

    describe("rule files", () => {
        it("accepts the rendered rule files, and reports a Thanos-only field in a PrometheusRule, an alert without runbook and a bad expression", function () {
            if (!promtoolAvailable()) this.skip();
            const all = plans();
            for (const p of all) expect(checkRuleFiles(p), p.stack).to.deep.equal([]);
            const central = plan(all, "cluster-01");
            const controlPlane = manifest(central, "PrometheusRule", "thanos-control-plane");
            controlPlane.spec.groups[0].partial_response_strategy = "warn";
            controlPlane.spec.groups[1].rules[0].expr = "sum(rate(x[5m]) >";
            delete controlPlane.spec.groups[2].rules[0].annotations.runbook_url;
            const findings = checkRuleFiles(central);
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "partial_response_strategy is a Thanos Ruler field",
            });
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "no runbook_url",
            });
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "promtool check rules",
            });
            // The Ruler's file carries the field legitimately, and is checked without it.
            const ruler = central.manifests.find(
                (o) => o.kind === "ConfigMap" && o.metadata.name === "thanos-ruler-rules",
            )!;
            expect(Object.values(ruler.data as Record<string, string>)[0]).to.contain(
                '"partial_response_strategy": "warn"',
            );
            const key = Object.keys(ruler.data)[0];
            ruler.data[key] = ruler.data[key].replace("absent_over_time(", "absent_over_time((");
            expectFinding(checkRuleFiles(central), {
                object: `ConfigMap/monitoring/thanos-ruler-rules:${key}`,
                message: "promtool check rules",
            });
        });
    });

    describe("cross-stack invariants", () => {
        it("cluster labels are unique", () => {
            const all = plans();
            values(plan(all, "cluster-04")).prometheus.prometheusSpec.externalLabels.cluster = "cluster-03";
            expectFinding(checkInvariants(all), {
                stack: "cluster-04",
                message: `"cluster-03" is also cluster-03's cluster label`,
            });
        });

        it("blocks are 2h everywhere, the Ruler's too", () => {
            const all = plans();
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.thanos.blockSize = "4h";
            setFlag(container(plan(all, "cluster-01"), "StatefulSet", "thanos-ruler"), "tsdb.block-duration", "6h");
            const findings = checkInvariants(all);
            expectFinding(findings, { stack: "cluster-02", field: "prometheus.prometheusSpec.thanos.blockSize" });
            expectFinding(findings, { stack: "cluster-01", field: "--tsdb.block-duration" });
        });

        it("local retention is at least 6h and outlasts the outage to survive", () => {
            const all = plans();
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.retention = "4h";
            values(plan(all, "cluster-03")).prometheus.prometheusSpec.retention = "24h";
            const findings = checkInvariants(all);
            expectFinding(findings, { stack: "cluster-02", message: "at least 6h" });
            expectFinding(findings, { stack: "cluster-03", message: "does not outlast the object-store outage" });
        });

        it("exactly one compactor per bucket", () => {
            const all = plans();
            const compactor = manifest(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor");
            plan(all, "cluster-02").manifests.push(JSON.parse(JSON.stringify(compactor)));
            expectFinding(checkInvariants(all), { object: "bucket thanos-bucket", message: "found 2" });
            const none = plans();
            plan(none, "cluster-01").manifests = plan(none, "cluster-01").manifests.filter(
                (o) => o.metadata.name !== "thanos-compactor",
            );
            expectFinding(checkInvariants(none), { object: "bucket thanos-bucket", message: "found 0" });
        });

        it("every edge replica is wired into Query, strictly", () => {
            const all = plans();
            const config = endpointFile(plan(all, "cluster-01"));
            config.endpoints = config.endpoints.filter((e: any) => e.address !== "192.168.101.212:10911");
            config.endpoints.find((e: any) => e.address === "192.168.101.213:10901").strict = false;
            setEndpointFile(plan(all, "cluster-01"), config);
            const findings = checkInvariants(all);
            expectFinding(findings, {
                field: ENDPOINTS_FIELD,
                message: "does not read cluster-03's sidecar 192.168.101.212:10911",
            });
            expectFinding(findings, {
                field: ENDPOINTS_FIELD,
                message: "cluster-04's sidecar 192.168.101.213:10901 must be strict",
            });
        });

        it("Query without its endpoint file mounted reads no store", () => {
            const all = plans();
            const query = container(plan(all, "cluster-01"), "Deployment", "thanos-query");
            query.volumeMounts = query.volumeMounts.filter((m: any) => m.name !== "endpoints");
            expectFinding(checkInvariants(all), {
                field: "--endpoint.sd-config-file",
                message: "does not read cluster-02's sidecar 192.168.101.211:10901",
            });
            expectFinding(checkThanosConfigs(plan(all, "cluster-01")), {
                field: "--endpoint.sd-config-file",
                message: "Thanos would not start",
            });
        });

        it("the endpoint file is checked against Thanos v0.42.4's schema: the old grpc_client_config key is an error", () => {
            const all = plans();
            expect(checkThanosConfigs(plan(all, "cluster-01"))).to.deep.equal([]);
            const config = endpointFile(plan(all, "cluster-01"));
            const endpoint = config.endpoints.find((e: any) => e.address === "192.168.101.211:10901");
            endpoint.grpc_client_config = endpoint.client_config;
            delete endpoint.client_config;
            setEndpointFile(plan(all, "cluster-01"), config);
            expectFinding(checkThanosConfigs(plan(all, "cluster-01")), {
                field: ENDPOINTS_FIELD,
                message: 'must NOT have additional properties: "grpc_client_config"',
            });
            // ... and Query would then dial that mTLS-only sidecar in plain gRPC.
            expectFinding(checkInvariants(all), {
                message: "requires mTLS on 192.168.101.211:10901, but Query dials it in plain gRPC",
            });
        });

        it("replica labels agree between Prometheus, Ruler, Query and Compactor", () => {
            const all = plans();
            const central = plan(all, "cluster-01");
            const query = container(central, "Deployment", "thanos-query");
            query.args = query.args.filter((a: string) => a !== "--query.replica-label=rule_replica");
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.replicaExternalLabelName = "replica";
            setFlag(container(central, "StatefulSet", "thanos-ruler"), "alert.label-drop", undefined);
            container(central, "StatefulSet", "thanos-compactor").args.push("--deduplication.replica-label=instance");
            const findings = checkInvariants(all);
            expectFinding(findings, { message: "does not deduplicate the Ruler's replica label rule_replica" });
            expectFinding(findings, { message: "does not deduplicate cluster-02's Prometheus replica label replica" });
            expectFinding(findings, { field: "--alert.label-drop" });
            expectFinding(findings, { field: "--deduplication.replica-label", message: "instance" });
        });

        it("mTLS: a sidecar verifies clients, and Query dials TLS edges with TLS, from mounted files, checking their name", () => {
            const all = plans();
            delete values(plan(all, "cluster-02")).prometheus.prometheusSpec.thanos.grpcServerTlsConfig.caFile;
            const config = endpointFile(plan(all, "cluster-01"));
            delete config.endpoints.find((e: any) => e.address === "192.168.101.212:10901").client_config;
            config.endpoints.find((e: any) => e.address === "192.168.101.213:10901").client_config.server_name =
                "cluster-04";
            config.endpoints.find((e: any) => e.address === "192.168.101.213:10911").client_config.tls_config.key_file =
                "/tmp/tls.key";
            setEndpointFile(plan(all, "cluster-01"), config);
            const findings = checkInvariants(all);
            expectFinding(findings, {
                stack: "cluster-02",
                field: "prometheus.prometheusSpec.thanos.grpcServerTlsConfig.caFile",
                message: "without a client CA",
            });
            expectFinding(findings, {
                message: "requires mTLS on 192.168.101.212:10901, but Query dials it in plain gRPC",
            });
            expectFinding(findings, { field: `${ENDPOINTS_FIELD} 192.168.101.213:10901 server_name` });
            expectFinding(findings, {
                field: `${ENDPOINTS_FIELD} 192.168.101.213:10911 key_file`,
                message: "not in a volume mounted into Query",
            });
        });

        it("compactor retention keeps raw >= 40h and 5m >= 10d", () => {
            const all = plans();
            const compactor = container(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor");
            setFlag(compactor, "retention.resolution-raw", "30h");
            setFlag(compactor, "retention.resolution-5m", "5d");
            const findings = checkInvariants(all);
            expectFinding(findings, { field: "--retention.resolution-raw" });
            expectFinding(findings, { field: "--retention.resolution-5m" });
        });

        it("the store stops serving deleted blocks before the compactor deletes them", () => {
            const all = plans();
            setFlag(
                container(plan(all, "cluster-01"), "StatefulSet", "thanos-store"),
                "ignore-deletion-marks-delay",
                "48h",
            );
            expectFinding(checkInvariants(all), {
                object: "StatefulSet/monitoring/thanos-store",
                field: "--ignore-deletion-marks-delay",
            });
        });

        it("Query times out after its stores", () => {
            const all = plans();
            setFlag(container(plan(all, "cluster-01"), "Deployment", "thanos-query"), "store.response-timeout", "5m");
            expectFinding(checkInvariants(all), { field: "--query.timeout" });
        });
    });
});
