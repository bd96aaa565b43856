import { expect } from "chai";
import { validatePlans } from "./validate";
import { expectFinding, loadCommittedPlans, plans } from "../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    it("finds no error in the rendered stacks, and warns about the opted-in plain-http object storage", async () => {
        const findings = await validatePlans(plans());
        expect(findings.filter((f) => f.severity === "error")).to.deep.equal([]);
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            expectFinding(findings, { severity: "warning", stack, field: "objectStorage.insecure" });
        }
    });
});
