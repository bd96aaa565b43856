import { expect } from "chai";
import { checkCacheMemory } from "./thanosCaches";
import { container, expectFinding, loadCommittedPlans, plan, plans } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("Thanos caches", () => {
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
    });
});
