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
    });
});
