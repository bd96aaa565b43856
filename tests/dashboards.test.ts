// The Thanos dashboards, checked by what consumes them: every query parsed by promtool (skipped
// without it, except in CI), the JSON model type-checked against Grafana's foundation SDK, the
// job labels against our PodMonitors, and the ConfigMaps against the Grafana sidecar's values
// as the central stack renders them. Each check is also shown to catch a broken dashboard.

import { expect } from "chai";
import { thanosDashboards } from "../dashboards";
import { THANOS_DATASOURCE } from "../components/names";
import { dashboardConfigMapSpecs } from "../components/thanosDashboards";
import { controlPlanePodMonitors, sidecarPodMonitors } from "../components/thanosPodMonitors";
import {
    FoundDashboard,
    allPanels,
    checkDashboards,
    dashboardQueries,
    dashboardStructureProblems,
    promqlProblems,
    promtoolAvailable,
    sdkSchemaProblems,
    substituteGrafanaVariables,
    variableQueryExpr,
} from "../offline/checks/dashboards";
import { helmReleases, kubernetesObjects } from "../offline/plan";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";

/** The dashboards as Grafana reads them: parsed back from the ConfigMaps' JSON. */
function found(): FoundDashboard[] {
    return dashboardConfigMapSpecs().flatMap((cm) =>
        Object.entries(cm.data as Record<string, string>).map(([key, text]) => ({
            where: `${(cm.metadata as any).name} ${key}`,
            json: JSON.parse(text),
        })),
    );
}

function copy<T>(value: T): T {
    return JSON.parse(JSON.stringify(value));
}

describe("Thanos dashboards", () => {
    it("are the overview and one per component, each title naming it", () => {
        const titles = thanosDashboards().map((d) => d.title);
        for (const component of ["Overview", "Query", "Store Gateway", "Compactor", "Sidecar", "Ruler"]) {
            expect(
                titles.filter((t) => t!.includes(component)),
                component,
            ).to.have.length(1);
        }
        expect(titles).to.have.length(6);
    });

    it("have a multi-select cluster variable with All on the Thanos datasource, used by their queries", () => {
        for (const d of found()) {
            const cluster = d.json!.templating.list.find((v: any) => v.name === "cluster");
            expect(cluster, d.where).to.include({ type: "query", multi: true, includeAll: true });
            expect(cluster.datasource, d.where).to.deep.equal({ type: "prometheus", uid: "thanos" });
            expect(
                dashboardQueries(d).some((q) => q.expr.includes('cluster=~"$cluster"')),
                d.where,
            ).to.equal(true);
        }
    });

    it("query only the job labels our PodMonitors give the Thanos components", () => {
        const jobs = new Set(
            [...sidecarPodMonitors(), ...controlPlanePodMonitors()].flatMap((m: any) =>
                m.spec.podMetricsEndpoints.flatMap((e: any) =>
                    e.relabelings.filter((r: any) => r.targetLabel === "job").map((r: any) => r.replacement),
                ),
            ),
        );
        expect([...jobs].sort()).to.deep.equal([
            "thanos-compact",
            "thanos-query",
            "thanos-query-frontend",
            "thanos-rule",
            "thanos-sidecar",
            "thanos-store",
        ]);
        for (const d of found()) {
            for (const q of dashboardQueries(d)) {
                for (const [, job] of q.expr.matchAll(/\bjob="([^"]*)"/g))
                    expect(jobs.has(job), `${q.where}: job="${job}"`).to.equal(true);
                expect(q.expr, q.where).not.to.match(/\bjob=~/);
            }
        }
    });

    it("are provisioned as one sidecar-labelled ConfigMap each, in the Thanos folder", () => {
        const specs = dashboardConfigMapSpecs();
        expect(specs).to.have.length(6);
        for (const cm of specs) {
            const meta = cm.metadata as any;
            expect(meta.namespace).to.equal("monitoring");
            expect(meta.labels.grafana_dashboard).to.equal("1");
            expect(meta.annotations.grafana_folder).to.equal("Thanos");
            expect(Object.keys(cm.data as object)).to.have.length(1);
            expect(Object.keys(cm.data as object)[0]).to.match(/\.json$/);
        }
    });
});

describe("dashboard structure", () => {
    it("is sound: uids, panel ids, refIds, datasource, schemaVersion", () => {
        expect(dashboardStructureProblems(found(), [THANOS_DATASOURCE.uid])).to.deep.equal([]);
    });

    it("catches a repeated uid and panel id, an unprovisioned datasource and a missing cluster variable", () => {
        const [a, b] = found().map(copy);
        b.json!.uid = a.json!.uid;
        const panels = allPanels(a.json!);
        panels[2].id = panels[1].id;
        panels[3].targets[0].datasource = { type: "prometheus", uid: "prometheus" };
        a.json!.templating.list = [];
        const messages = dashboardStructureProblems([a, b], ["thanos"]).map((p) => `${p.field}: ${p.message}`);
        expect(messages.some((m) => m.startsWith("uid: also the uid"))).to.equal(true);
        expect(messages.some((m) => m.includes("panel id used twice"))).to.equal(true);
        expect(messages.some((m) => m.includes('uid "prometheus" is not a datasource'))).to.equal(true);
        expect(messages.some((m) => m.startsWith("templating.cluster"))).to.equal(true);
    });
});

describe("dashboards against Grafana's schema (the foundation SDK's types)", () => {
    it("type-check as Grafana dashboards", () => {
        expect(sdkSchemaProblems(found())).to.deep.equal([]);
    });

    it("catch an unknown key, a wrong enum value and a wrong type", () => {
        const d = copy(found()[0]);
        const panels = allPanels(d.json!).filter((p) => p.type !== "row");
        panels[0].titel = "typo";
        panels[1].targets[0].format = "tabel";
        d.json!.graphTooltip = "shared";
        const messages = sdkSchemaProblems([d]).map((p) => p.message);
        expect(messages.some((m) => m.includes("'\"titel\"' does not exist"))).to.equal(true, messages.join("\n"));
        expect(messages.some((m) => m.includes('"tabel"'))).to.equal(true, messages.join("\n"));
        expect(messages.some((m) => m.includes("not assignable to type 'DashboardCursorSync"))).to.equal(
            true,
            messages.join("\n"),
        );
    });
});

describe("Grafana variables in queries", () => {
    it("are substituted in every form Grafana accepts, leaving label_replace's $1 alone", () => {
        expect(substituteGrafanaVariables('rate(x{cluster=~"$cluster"}[$__rate_interval])')).to.equal(
            'rate(x{cluster=~"cluster-01|cluster-02"}[2m])',
        );
        expect(substituteGrafanaVariables('x{c=~"${cluster:regex}", d=~"[[cluster]]"}[$__range]')).to.equal(
            'x{c=~"cluster-01|cluster-02", d=~"cluster-01|cluster-02"}[6h]',
        );
        expect(substituteGrafanaVariables('label_replace(x, "a", "$1", "b", "(.*)")')).to.equal(
            'label_replace(x, "a", "$1", "b", "(.*)")',
        );
        expect(() => substituteGrafanaVariables('x{job="$job"}')).to.throw(/unknown Grafana variable \$job/);
    });

    it("variable queries give up their PromQL", () => {
        expect(variableQueryExpr('label_values(up{job="thanos-query"}, cluster)')).to.equal('up{job="thanos-query"}');
        expect(variableQueryExpr("query_result(max by (cluster) (up))")).to.equal("max by (cluster) (up)");
        expect(variableQueryExpr("label_values(cluster)")).to.equal(undefined);
    });
});

describe("dashboard queries under promtool", () => {
    before(function () {
        if (!promtoolAvailable()) {
            if (process.env.CI === "true")
                throw new Error("promtool is missing: .ci/run must install it (bash .ci/tools.sh)");
            this.skip();
        }
    });

    it("every panel and variable query parses as PromQL", () => {
        const dashboards = found();
        const queries = dashboards.flatMap(dashboardQueries);
        for (const d of dashboards) {
            const own = dashboardQueries(d);
            expect(
                own.filter((q) => q.where.includes(" variable ")),
                d.where,
            ).to.have.length(1);
            expect(own.length, d.where).to.equal(allPanels(d.json!).flatMap((p) => p.targets ?? []).length + 1);
        }
        expect(promqlProblems(queries)).to.deep.equal([]);
    });

    it("a query promtool cannot parse is reported with its place", () => {
        const d = copy(found()[1]);
        const panel = allPanels(d.json!).find((p) => p.type !== "row")!;
        panel.targets[0].expr = `sum by (cluster) (rate(up{cluster=~"$cluster"}[$__rate_interval])`;
        const problems = promqlProblems(dashboardQueries(d));
        expect(problems).to.have.length(1);
        expect(problems[0].where).to.include(`panel ${panel.id}`);
        expect(problems[0].message).to.match(/unclosed left parenthesis/);
    });
});

describe("dashboards in the rendered central stack", () => {
    let plan: { stack: string; manifests: Record<string, any>[]; releases: any[] };

    before(async () => {
        const run = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        plan = {
            stack: "cluster-01",
            manifests: kubernetesObjects(run) as Record<string, any>[],
            releases: helmReleases(run),
        };
    });

    it("reach Grafana: the sidecar loads them, kube-prometheus-stack's dashboards get the cluster variable, every check passes", () => {
        const grafana = plan.releases.find((r) => r.chart === "kube-prometheus-stack").values.grafana;
        expect(grafana.sidecar.dashboards.multicluster.global.enabled).to.equal(true);
        // The chart's dashboards use Grafana's default datasource: it must be Thanos, and only it.
        expect(grafana.sidecar.datasources.defaultDatasourceEnabled).to.equal(false);
        expect(grafana.additionalDataSources.filter((d: any) => d.isDefault).map((d: any) => d.uid)).to.deep.equal([
            "thanos",
        ]);
        expect(
            plan.manifests.filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1"),
        ).to.have.length(6);
        expect(
            checkDashboards(plan, { promtool: promtoolAvailable() }).filter((f) => f.severity === "error"),
        ).to.deep.equal([]);
    });

    it("a dashboard outside the watched namespace, a wrong label value or the flag off is an error", () => {
        const broken = copy(plan);
        const cms = broken.manifests.filter(
            (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
        );
        cms[0].metadata.namespace = "default";
        cms[1].metadata.labels.grafana_dashboard = "true";
        broken.releases.find(
            (r) => r.chart === "kube-prometheus-stack",
        ).values.grafana.sidecar.dashboards.multicluster.global.enabled = false;
        const fields = checkDashboards(broken, { promtool: false })
            .filter((f) => f.severity === "error")
            .map((f) => f.field);
        expect(fields).to.include.members([
            "metadata.namespace",
            "metadata.labels.grafana_dashboard",
            "grafana.sidecar.dashboards.multicluster.global.enabled",
        ]);
    });
});
