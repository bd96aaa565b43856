// prometheus.disabledAlerts / unmonitoredComponents / runbookBaseUrl: read, validated, and mapped
// to kube-prometheus-stack's values and to our own rule groups.

import { expect } from "chai";
import { ConfigError, RawConfig, parseClusterSettings } from "../config/settings";
import { chartAlertingValues } from "../components/kubePrometheusStackAlerting";
import { StackRun } from "../offline/runStack";
import { TEST_SECRETS, committedEdgeOutputs, k8sObject, runCommittedStack } from "./helpers";

function edge(prometheus: Record<string, unknown>): RawConfig {
    return {
        clusterName: "cluster-02",
        role: "edge",
        nodeIp: "192.168.101.196",
        kubernetes: { context: "cluster-02" },
        loadBalancer: {
            ip: "192.168.101.211",
            pool: { start: "192.168.101.211", stop: "192.168.101.211" },
            grpcSourceRanges: ["192.168.101.194/32"],
            httpSourceRanges: ["192.168.101.0/24"],
        },
        objectStorage: { endpoint: "s3.minio.miribit.lab:80", bucket: "thanos-bucket" },
        prometheus,
        alerting: { centralAlertmanagers: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"] },
    };
}

function problems(raw: RawConfig): string[] {
    try {
        parseClusterSettings(raw, { kubeconfig: false });
        return [];
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
}

describe("alerting config", () => {
    it("defaults to every alert on, every component scraped, runbooks in docs/runbooks.md", () => {
        const settings = parseClusterSettings(edge({}), { kubeconfig: false });
        expect(settings.prometheus.alerting).to.deep.equal({
            disabledAlerts: [],
            unmonitoredComponents: [],
            runbookBaseUrl: "docs/runbooks.md",
        });
    });

    it("accepts kube-prometheus-stack's and our alert names, and the chart's component keys", () => {
        const settings = parseClusterSettings(
            edge({
                disabledAlerts: ["KubeProxyDown", "etcdMembersDown", "ThanosCompactHasNotRun"],
                unmonitoredComponents: ["kubeProxy", "kubeEtcd"],
                runbookBaseUrl: "https://git.example/ops/thanos-multicluster/blob/main/docs/runbooks.md",
            }),
            { kubeconfig: false },
        );
        expect(settings.prometheus.alerting.unmonitoredComponents).to.deep.equal(["kubeProxy", "kubeEtcd"]);
        // Our own alert is left out of our groups; the chart only gets its own names.
        expect(chartAlertingValues(settings.prometheus.alerting)).to.deep.equal({
            defaultRules: { disabled: { KubeProxyDown: true, etcdMembersDown: true } },
            kubeProxy: { enabled: false },
            kubeEtcd: { enabled: false },
        });
    });

    it("rejects an alert nothing defines, naming the key and suggesting the spelling", () => {
        const found = problems(edge({ disabledAlerts: ["KubeProxyDown", "kubeproxydown", "NoSuchAlert"] }));
        expect(found).to.have.length(2);
        expect(found[0])
            .to.contain("thanos-multicluster:prometheus.disabledAlerts[1]")
            .and.to.contain('did you mean "KubeProxyDown"');
        expect(found[1])
            .to.contain("thanos-multicluster:prometheus.disabledAlerts[2]")
            .and.to.contain("not an alert of kube-prometheus-stack 88.5.3");
    });

    it("rejects an unknown component and a runbook URL with a fragment", () => {
        const found = problems(
            edge({ unmonitoredComponents: ["kube-proxy"], runbookBaseUrl: "https://x/docs/runbooks.md#runbooks" }),
        );
        expect(found).to.have.length(2);
        expect(found[0])
            .to.contain("thanos-multicluster:prometheus.unmonitoredComponents[0]")
            .and.to.contain("kubeProxy, kubeScheduler, kubeControllerManager, kubeEtcd");
        expect(found[1]).to.contain("thanos-multicluster:prometheus.runbookBaseUrl");
    });

    it("the committed stacks turn kube-proxy off (Cilium replaces it) and deploy the alert rules", async () => {
        const run = await runCommittedStack("cluster-02", {}, {}, TEST_SECRETS);
        const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        const values = (release.inputs as any).values;
        expect(values.kubeProxy).to.deep.equal({ enabled: false });
        expect(values.defaultRules).to.deep.equal({ disabled: {} });
        const rules = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        expect(rules.map((r) => (r.inputs as any).metadata.name)).to.deep.equal(["thanos-multicluster-cluster"]);
        const groups = (rules[0].inputs as any).spec.groups.map((g: any) => g.name);
        expect(groups).to.deep.equal([
            "thanos-sidecar",
            "thanos-query",
            "thanos-query-absent",
            "thanos-multicluster.cluster",
            "thanos-multicluster.certificates",
        ]);
    });

    it("an edge watches its own Query with the mixin's Query alerts, and whether the central Query reaches it; the central cluster does not", async () => {
        const alertsOf = (run: StackRun, rule: string) =>
            (k8sObject(run, "PrometheusRule", rule).spec.groups as any[]).flatMap((g) =>
                g.rules.filter((r: any) => r.alert).map((r: any) => r.alert),
            );
        const edge = await runCommittedStack("cluster-02");
        const central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const edgeAlerts = alertsOf(edge, "thanos-multicluster-cluster");
        // The same Query alerts the central cluster runs for its own Query (controlPlaneRuleGroups).
        const centralQueryAlerts = alertsOf(central, "thanos-control-plane").filter((a: string) =>
            a.startsWith("ThanosQuery"),
        );
        expect(centralQueryAlerts.length).to.be.greaterThan(5);
        expect(edgeAlerts).to.include.members([
            ...centralQueryAlerts,
            "ClusterUnreachableFromQuery",
            "ClusterPartialResponse",
        ]);
        const centralBase = alertsOf(central, "thanos-multicluster-cluster");
        expect(centralBase).to.include("ClusterPartialResponse");
        expect(centralBase).not.to.include("ClusterUnreachableFromQuery");
        expect(centralBase.filter((a: string) => a.startsWith("ThanosQuery"))).to.deep.equal([]);
        // The edge's Prometheus scrapes its Query, with the job the mixin's alerts select.
        const monitor = k8sObject(edge, "PodMonitor", "thanos-query");
        expect(monitor.spec.podMetricsEndpoints[0].relabelings).to.deep.equal([
            { targetLabel: "job", replacement: "thanos-query" },
        ]);
    });
});
