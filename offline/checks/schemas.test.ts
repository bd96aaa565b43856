import { checkSchemas } from "./schemas";
import { container, expectFinding, loadCommittedPlans, manifest, plan, plans, values } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("schemas", () => {
        it("reports a field of the wrong type", async () => {
            const all = plans();
            manifest(plan(all, "cluster-02"), "Service", "thanos-query-lb").spec.ports[0].port = "10901";
            expectFinding(await checkSchemas(all), {
                stack: "cluster-02",
                object: "Service/monitoring/thanos-query-lb",
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
});
