// Grafana's and kube-state-metrics' access to Secrets, resolved from the bindings `helm template`
// renders (offline/checks/chartRbac.ts). The objects below are written the way the Grafana 12.11.1
// and kube-state-metrics 8.4.0 subcharts of kube-prometheus-stack 88.5.3 render them (their
// templates/role.yaml, clusterrole.yaml and bindings); with the real chart and Helm
// (tests/realChart.ts: required under CI=true) the committed stacks also go through it.

import { expect } from "chai";
import { ChartRender, K8sObject } from "../offline/checks/chartTemplate";
import { bindingsOf, checkChartRbac } from "../offline/checks/chartRbac";
import { RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { helmTemplate, stackSettings } from "../offline/helmTemplate";
import { RealChart, findRealChart } from "./realChart";
import { committedPlan } from "./renderedPlans";

const NS = "monitoring";
const GRAFANA_SA = "kube-prometheus-stack-grafana";
const KSM_SA = "kube-prometheus-stack-kube-state-metrics";

function deployment(app: string, serviceAccountName: string, containers: K8sObject[]): K8sObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `kube-prometheus-stack-${app}`, namespace: NS, labels: { "app.kubernetes.io/name": app } },
        spec: { template: { spec: { serviceAccountName, containers } } },
    };
}

function sidecar(name: string, resource: string, namespace?: string): K8sObject {
    const env = [
        { name: "METHOD", value: "WATCH" },
        { name: "LABEL", value: name === "grafana-sc-dashboard" ? "grafana_dashboard" : "grafana_datasource" },
        { name: "RESOURCE", value: resource },
    ];
    return { name, env: namespace === undefined ? env : [...env, { name: "NAMESPACE", value: namespace }] };
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, roleRef: K8sObject, subjects: K8sObject[]) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind,
        metadata: kind === "RoleBinding" ? { name, namespace: NS } : { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
        subjects,
    };
}

const account = (name: string) => ({ kind: "ServiceAccount", name, namespace: NS });

/** kube-state-metrics' ClusterRole and binding; with `secrets` among its collectors unless told otherwise. */
function kubeStateMetrics(withSecrets: boolean): K8sObject[] {
    const rules = [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list", "watch"] },
        ...(withSecrets ? [{ apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"] }] : []),
    ];
    return [
        deployment("kube-state-metrics", KSM_SA, [{ name: "kube-state-metrics" }]),
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: KSM_SA }, rules },
        binding("ClusterRoleBinding", KSM_SA, { kind: "ClusterRole", name: KSM_SA }, [account(KSM_SA)]),
    ];
}

/** The chart's defaults: Grafana cluster-wide, its sidecars reading ConfigMaps and Secrets everywhere. */
function chartDefaults(): K8sObject[] {
    return [
        ...kubeStateMetrics(true),
        deployment("grafana", GRAFANA_SA, [
            sidecar("grafana-sc-dashboard", "both", "ALL"),
            sidecar("grafana-sc-datasources", "both"),
            { name: "grafana" },
        ]),
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: `${GRAFANA_SA}-clusterrole` },
            rules: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "watch", "list"] }],
        },
        binding(
            "ClusterRoleBinding",
            `${GRAFANA_SA}-clusterrolebinding`,
            { kind: "ClusterRole", name: `${GRAFANA_SA}-clusterrole` },
            [account(GRAFANA_SA)],
        ),
    ];
}

/** What the committed values make of it: Grafana namespaced, bound to the stack's Role; no `secrets` collector. */
function ours(): { objects: K8sObject[]; manifests: K8sObject[] } {
    return {
        objects: [
            ...kubeStateMetrics(false),
            deployment("grafana", GRAFANA_SA, [
                sidecar("grafana-sc-dashboard", "configmap", NS),
                sidecar("grafana-sc-datasources", "configmap"),
                { name: "grafana" },
            ]),
            binding("RoleBinding", GRAFANA_SA, { kind: "Role", name: "grafana-sidecar-configmaps" }, [
                account(GRAFANA_SA),
            ]),
        ],
        manifests: [
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "grafana-sidecar-configmaps", namespace: NS },
                rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
            },
        ],
    };
}

function render(objects: K8sObject[], manifests: K8sObject[] = []): ChartRender {
    const release = {
        name: "kube-prometheus-stack",
        namespace: NS,
        chart: "",
        version: "",
        repository: "",
        values: {},
    };
    const plan = {
        stack: "cluster-01",
        config: {},
        manifests,
        releases: [release],
        resources: [],
        outputs: {},
        files: {},
    } as RenderedPlan;
    return { plan, release, objects, settings: undefined as never, crds: new Map() };
}

function messages(r: ChartRender): string[] {
    return checkChartRbac(r).map((f) => `${f.object} ${f.field}: ${f.message}`);
}

describe("chart RBAC: Grafana and kube-state-metrics may not read Secrets", () => {
    it("reports the chart's defaults: both ClusterRoles grant Secrets, the sidecars read them", () => {
        const found = messages(render(chartDefaults())).join("\n");
        expect(found).to.include(`ClusterRole/${KSM_SA} rules: grants the kube-state-metrics service account`);
        expect(found).to.include(`ClusterRole/${GRAFANA_SA}-clusterrole rules: grants the Grafana service account`);
        expect(found).to.include("in every namespace");
        expect(found).to.include(
            "containers.grafana-sc-dashboard.env.RESOURCE: the sidecar reads ConfigMaps and Secrets",
        );
        expect(found).to.include("containers.grafana-sc-datasources.env.RESOURCE");
    });

    it("finds nothing wrong with Grafana bound to the stack's ConfigMap Role and no secrets collector", () => {
        const { objects, manifests } = ours();
        expect(messages(render(objects, manifests))).to.deep.equal([]);
    });

    it("a binding to a role neither the chart nor the stack declares cannot be checked", () => {
        const { objects } = ours();
        expect(messages(render(objects, [])).join("\n")).to.include(
            "binds the Grafana service account monitoring/kube-prometheus-stack-grafana to Role monitoring/grafana-sidecar-configmaps, which neither the chart nor the stack declares",
        );
    });

    it("resolves bindings through groups: every service account of the namespace counts", () => {
        const { objects, manifests } = ours();
        const reader = {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "secret-reader" },
            rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }],
        };
        const group = binding("RoleBinding", "everyone-in-monitoring", { kind: "ClusterRole", name: "secret-reader" }, [
            { kind: "Group", name: "system:serviceaccounts:monitoring", apiGroup: "rbac.authorization.k8s.io" },
        ]);
        const found = messages(render([...objects, reader, group], manifests));
        expect(found.filter((m) => m.includes("ClusterRole/secret-reader"))).to.have.lengthOf(2);
        expect(found.join("\n")).to.include(
            "access to Secrets in monitoring (through RoleBinding monitoring/everyone-in-monitoring)",
        );
        // A Role of another namespace with the same name is not the one the RoleBinding names.
        const elsewhere = {
            ...manifests[0],
            metadata: { name: "grafana-sidecar-configmaps", namespace: "other" },
            rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
        };
        const [resolved] = bindingsOf([...objects, elsewhere, ...manifests], { name: GRAFANA_SA, namespace: NS });
        expect(resolved.role?.metadata.namespace).to.equal(NS);
        expect(messages(render(objects, [elsewhere, ...manifests]))).to.deep.equal([]);
    });

    it("Grafana still works namespaced: a sidecar searching where it may not read ConfigMaps is reported", () => {
        const { objects, manifests } = ours();
        const grafana = objects.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("grafana"))!;
        grafana.spec.template.spec.containers[0] = sidecar("grafana-sc-dashboard", "configmap", "ALL");
        expect(messages(render(objects, manifests)).join("\n")).to.include(
            "containers.grafana-sc-dashboard.env.NAMESPACE: the sidecar searches every namespace, where Grafana's service account may not get, list and watch ConfigMaps",
        );
        // A Role without `watch` is no better.
        manifests[0].rules[0].verbs = ["get", "list"];
        grafana.spec.template.spec.containers[0] = sidecar("grafana-sc-dashboard", "configmap", NS);
        expect(messages(render(objects, manifests)).join("\n")).to.include(
            "the sidecar searches monitoring, where Grafana's service account may not get, list and watch ConfigMaps",
        );
    });
});

describe("chart RBAC through the real kube-prometheus-stack chart (KPS_CHART_DIR, HELM)", function () {
    this.timeout(120_000);
    let plans: RenderedPlan[];
    let real: RealChart;
    before(async function () {
        const found = findRealChart();
        if (found === undefined) this.skip();
        real = found!;
        plans = loadPlans(await committedPlan());
    });

    function templated(plan: RenderedPlan, values: unknown): ChartRender {
        const release = plan.releases[0];
        const result = helmTemplate(real.helm, real.chart, release, values);
        if ("error" in result) throw new Error(`${plan.stack}: helm template failed: ${result.error}`);
        return { plan, release, objects: result.objects, settings: stackSettings(plan), crds: new Map() };
    }

    it("no Role or ClusterRole of any committed stack grants Grafana or kube-state-metrics Secrets", () => {
        for (const plan of plans) {
            const rendered = templated(plan, plan.releases[0].values);
            expect(messages(rendered), plan.stack).to.deep.equal([]);
            // Stated without the check: no ClusterRole of the chart names secrets for either account.
            const names = rendered.objects
                .filter((o) => o.kind === "ClusterRoleBinding")
                .filter((b) => b.subjects.some((s: K8sObject) => [GRAFANA_SA, KSM_SA].includes(s.name)))
                .map((b) => b.roleRef.name);
            for (const role of rendered.objects.filter(
                (o) => o.kind === "ClusterRole" && names.includes(o.metadata.name),
            ))
                expect(JSON.stringify(role.rules), `${plan.stack} ${role.metadata.name}`).not.to.include('"secrets"');
            if (plan.stack === "cluster-01")
                expect(names, "Grafana is namespaced: no ClusterRoleBinding").not.to.include(
                    `${GRAFANA_SA}-clusterrolebinding`,
                );
        }
    });

    it("the chart's defaults do grant them Secrets: the values are what takes it away", () => {
        const central = plans.find((p) => p.stack === "cluster-01")!;
        const values = JSON.parse(JSON.stringify(central.releases[0].values));
        delete values.grafana.rbac;
        delete values.grafana.sidecar.datasources.resource;
        delete values.grafana.sidecar.dashboards.resource;
        delete values["kube-state-metrics"].collectorsExclude;
        const found = messages(templated(central, values)).join("\n");
        expect(found).to.include("grants the kube-state-metrics service account");
        expect(found).to.include("grants the Grafana service account");
        expect(found).to.include("the sidecar reads ConfigMaps and Secrets");
    });
});
