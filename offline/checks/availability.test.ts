import { checkAvailability } from "./availability";
import { expectFinding, loadCommittedPlans, manifest, plan, plans } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

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

        it("reports a compactor that could run twice", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor").spec.replicas = 2;
            expectFinding(checkAvailability(plan(all, "cluster-01")), {
                object: "StatefulSet/monitoring/thanos-compactor",
                message: "exactly 1 replica",
            });
        });
    });
});
