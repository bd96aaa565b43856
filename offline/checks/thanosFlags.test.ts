import { expect } from "chai";
import { checkThanosFlags } from "./thanosFlags";
import { container, expectFinding, loadCommittedPlans, plan, plans, setFlag } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

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

        it("reports a Store Gateway or Compactor that serves the admin API, and any component sending CORS headers", () => {
            const all = plans();
            const central = plan(all, "cluster-01");
            setFlag(container(central, "StatefulSet", "thanos-store"), "disable-admin-operations", undefined);
            const compactor = container(central, "StatefulSet", "thanos-compactor");
            compactor.args = compactor.args.map((a: string) =>
                a === "--disable-admin-operations" ? "--no-disable-admin-operations" : a,
            );
            setFlag(container(central, "Deployment", "thanos-query"), "web.disable-cors", undefined);
            setFlag(container(central, "Deployment", "thanos-query-frontend"), "web.disable-cors", undefined);
            const findings = checkThanosFlags(central);
            for (const [object, field] of [
                ["StatefulSet/monitoring/thanos-store", "--disable-admin-operations"],
                ["StatefulSet/monitoring/thanos-compactor", "--disable-admin-operations"],
                ["Deployment/monitoring/thanos-query", "--web.disable-cors"],
                ["Deployment/monitoring/thanos-query-frontend", "--web.disable-cors"],
            ])
                expectFinding(findings, { object, field, message: "must run with" });
        });

        it("finds every committed Thanos container hardened", () => {
            const all = plans();
            const missing = all.flatMap((p) => checkThanosFlags(p)).filter((f) => f.message.includes("must run with"));
            expect(missing).to.deep.equal([]);
        });
    });
});
