// Issue 18, "nothing lost, no one in", as the committed stacks render it: Thanos' admin API and CORS
// off, deletes that cannot take history with them.

import { expect } from "chai";
import { StackRun } from "../offline/runStack";
import { committedEdgeOutputs, k8sObject, runCommittedStack } from "./helpers";

/** A Thanos container's args. */
function args(run: StackRun, kind: string, name: string): string[] {
    return k8sObject(run, kind, name).spec.template.spec.containers[0].args;
}

describe("hardening: the committed central stack", () => {
    let central: StackRun;
    before(async () => {
        central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
    });

    it("the Store Gateway and the Compactor refuse admin operations (marking blocks for deletion)", () => {
        for (const name of ["thanos-store", "thanos-compactor"]) {
            expect(args(central, "StatefulSet", name), name).to.include("--disable-admin-operations");
            expect(args(central, "StatefulSet", name), name).not.to.include("--no-disable-admin-operations");
        }
    });

    it("no Thanos component sends Access-Control-Allow-Origin: *", () => {
        for (const [kind, name] of [
            ["Deployment", "thanos-query"],
            ["Deployment", "thanos-query-frontend"],
            ["StatefulSet", "thanos-store"],
            ["StatefulSet", "thanos-compactor"],
            ["StatefulSet", "thanos-ruler"],
        ])
            expect(args(central, kind, name), name).to.include("--web.disable-cors");
    });

    it("Grafana is namespaced and bound to a Role of ConfigMaps only; its sidecars read ConfigMaps", () => {
        const release = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        const grafana = (release.inputs as any).values.grafana;
        expect(grafana.rbac).to.deep.equal({ namespaced: true, useExistingRole: "grafana-sidecar-configmaps" });
        expect(grafana.sidecar.dashboards.resource).to.equal("configmap");
        expect(grafana.sidecar.datasources.resource).to.equal("configmap");
        const role = k8sObject(central, "Role", "grafana-sidecar-configmaps");
        expect(role.metadata.namespace).to.equal("monitoring");
        expect(role.rules).to.deep.equal([
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
        ]);
        // The chart's RoleBinding names the Role: it exists before the release.
        const roleUrn = central.resources.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role")!.urn;
        expect(release.dependencies).to.include(roleUrn);
    });

    it("kube-state-metrics runs without its secrets collector on every cluster", async () => {
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            const run = stack === "cluster-01" ? central : await runCommittedStack(stack);
            const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
            expect((release.inputs as any).values["kube-state-metrics"].collectorsExclude, stack).to.deep.equal([
                "secrets",
            ]);
        }
    });

    it("Alertmanager keeps at most maxSilences silences (a CR limit) and the rest by flag", () => {
        const release = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        const spec = (release.inputs as any).values.alertmanager.alertmanagerSpec;
        // The committed stack's central.alertmanager.limits.
        expect(spec.limits).to.deep.equal({ maxSilences: 1000 });
        expect(spec.additionalArgs).to.deep.equal([
            { name: "silences.max-silence-size-bytes", value: "65536" },
            { name: "alerts.per-alertname-limit", value: "5000" },
        ]);
    });

    it("turns the dead man's switch on: the watchdogs reach its receiver", () => {
        const release = central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        const config = (release.inputs as any).values.alertmanager.config;
        const receiver = config.receivers.find((r: any) => r.name === "deadmansswitch");
        expect(receiver.webhook_configs[0].url_file).to.match(/^\/etc\/alertmanager\/secrets\//);
        expect(config.route.routes.some((r: any) => r.receiver === "deadmansswitch")).to.equal(true);
    });
});
