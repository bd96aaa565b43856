// Every rendered CiliumNetworkPolicy against the JSON schema of Cilium's own CRD, for each Cilium
// version whose schema the upstream reference holds (../shared/reference/cilium-crds/
// ciliumnetworkpolicy_v2.cilium-<version>.json, generated from Cilium's CRDs like the LB IPAM ones
// there). Unlike @kubernetes-models/cilium (tests/multiNode.test.ts), the CRD's schema refuses
// unknown fields. Skipped where the reference holds no such schema.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { byType, committedEdgeOutputs, runCommittedStack } from "./helpers";

/** CILIUM_CRDS_DIR: another folder of such schemas (e.g. from datreeio/CRDs-catalog's cilium.io). */
const CRDS = process.env.CILIUM_CRDS_DIR ?? path.join(PROJECT_ROOT, "..", "shared", "reference", "cilium-crds");
const SCHEMAS = fs.existsSync(CRDS)
    ? fs.readdirSync(CRDS).filter((f) => /^ciliumnetworkpolicy_v2\.cilium-[0-9.]+\.json$/.test(f))
    : [];

/** Ajv with the CRD's Go regexes made JavaScript's (`\PC`: not a control character) and its formats. */
function compile(schema: object) {
    const regExp = Object.assign(
        (pattern: string, flags: string) => new RegExp(pattern.replace(/\\PC/g, "\\P{C}"), flags),
        {
            code: "new RegExp",
        },
    );
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp } });
    ajv.addFormat("cidr", /^[0-9a-fA-F.:]+\/[0-9]{1,3}$/);
    ajv.addFormat("int32", true);
    ajv.addFormat("idn-hostname", true);
    return ajv.compile(schema);
}

describe("CiliumNetworkPolicies against Cilium's CRD schema (skipped where ../shared/reference has none)", () => {
    for (const file of SCHEMAS) {
        it(file, async () => {
            const validate = compile(JSON.parse(fs.readFileSync(path.join(CRDS, file), "utf8")));
            const runs = [
                await runCommittedStack("cluster-01", {}, await committedEdgeOutputs()),
                await runCommittedStack("cluster-02"),
            ];
            const policies = runs.flatMap((run) =>
                byType(run, "kubernetes:cilium.io/v2:CiliumNetworkPolicy").map((r) => r.inputs as Record<string, any>),
            );
            expect(policies.map((p) => p.metadata.name)).to.include("alertmanager-edge-api");
            for (const policy of policies)
                expect(validate(policy), `${policy.metadata.name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
            // The schema does refuse a misspelt field of an HTTP rule: the check can fail.
            const broken = structuredClone(policies.find((p) => p.metadata.name === "alertmanager-edge-api")!);
            broken.spec.ingress[0].toPorts[0].rules.http[0].methd = "POST";
            expect(validate(broken)).to.equal(false);
        });
    }
});
