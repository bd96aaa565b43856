import { expect } from "chai";
import { checkTrust } from "./trust";
import type { RenderedPlan } from "./renderedPlan";

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
const CURRENT = pem("Y3VycmVudCBkZXBsb3ltZW50IENB");
const EARLIER = pem("ZWFybGllciBkZXBsb3ltZW50IENB");

function plan(stack: string, outputs: Record<string, any>): RenderedPlan {
    return {
        stack,
        config: {},
        manifests: [],
        releases: [],
        resources: [],
        outputs,
        files: { "outputs.json": JSON.stringify({ outputs, secretOutputNames: [] }) },
    };
}

const central = plan("cluster-01", { role: "central", deploymentCaCertificate: CURRENT });
const edgeTrusting = (clientCaCertificate?: string) =>
    plan("cluster-02", { role: "edge", grpcTls: { enabled: true, clientCaCertificate } });

describe("cross-stack trust (offline/checks/trust.ts)", () => {
    it("is quiet when the edge trusts the deployment CA, alone or in a bundle during a rotation", () => {
        expect(checkTrust([central, edgeTrusting(CURRENT)])).to.deep.equal([]);
        expect(checkTrust([central, edgeTrusting(EARLIER + CURRENT)])).to.deep.equal([]);
    });

    it("warns when the edge trusts no CA or another one", () => {
        for (const trusted of [undefined, EARLIER]) {
            const findings = checkTrust([central, edgeTrusting(trusted)]);
            expect(findings.map((f) => [f.severity, f.stack, f.field])).to.deep.equal([
                ["warning", "cluster-02", "grpcTls.clientCaCertificate"],
            ]);
        }
    });
});

describe("cross-stack trust: the fix it names", () => {
    it("points at the committed bundle and the deploy order, not at a copy step", () => {
        const [finding] = checkTrust([central, edgeTrusting(undefined)]);
        expect(finding.message).to.contain("pki/deployment-ca.pem").and.contain("npm run deploy -- up");
        expect(finding.message).not.to.contain("pulumi config set");
    });
});
