import { expect } from "chai";
import { metricsPolicy } from "../../components/storage/policies";
import { checkMinioPolicies } from "./minioPolicies";
import type { RenderedPlan } from "./renderedPlan";

function plan(policies: Record<string, unknown>, expiryDays: number, deleteDelay = "48h"): RenderedPlan {
    const resource = (type: string, inputs: Record<string, unknown>) => ({ type, inputs });
    return {
        stack: "cluster-01",
        config: {},
        manifests: [
            {
                kind: "StatefulSet",
                metadata: { name: "thanos-compactor", namespace: "monitoring" },
                spec: {
                    template: {
                        spec: {
                            containers: [
                                {
                                    name: "thanos",
                                    image: "quay.io/thanos/thanos:v0.42.4",
                                    args: ["compact", `--delete-delay=${deleteDelay}`],
                                },
                            ],
                        },
                    },
                },
            },
        ],
        releases: [],
        resources: [
            ...Object.entries(policies).map(([name, policy]) =>
                resource("minio:index/iamPolicy:IamPolicy", { name, policy: JSON.stringify(policy) }),
            ),
            resource("minio:index/iamUser:IamUser", { name: "thanos-ruler" }),
            resource("minio:index/s3BucketVersioning:S3BucketVersioning", {
                bucket: "thanos-bucket",
                versioningConfiguration: { status: "Enabled" },
            }),
            resource("minio:index/ilmPolicy:IlmPolicy", {
                bucket: "thanos-bucket",
                rules: [{ id: "x", noncurrentVersionExpirationDays: expiryDays, expiration: "DeleteMarker" }],
            }),
        ],
        outputs: {},
        files: {},
    };
}

const POLICIES = {
    "thanos-bucket-writer": metricsPolicy("thanos-bucket", "writer"),
    "thanos-bucket-compactor": metricsPolicy("thanos-bucket", "compactor"),
};

describe("MinIO policies and versioning (offline/checks/minioPolicies.ts)", () => {
    it("is quiet on the program's policies and a lifecycle past the delete delay", () => {
        expect(checkMinioPolicies(plan(POLICIES, 9))).to.deep.equal([]);
    });

    it("finds a writer that may delete, a policy without the version deny, a grammar error, a short lifecycle", () => {
        const deleting = structuredClone(POLICIES["thanos-bucket-writer"]);
        deleting.Statement[1].Action.push("s3:DeleteObject");
        deleting.Statement = deleting.Statement.filter((s) => s.Effect !== "Deny");
        const findings = checkMinioPolicies(plan({ "thanos-bucket-writer": deleting }, 2));
        const messages = findings.map((f) => `${f.object} ${f.message}`).join("\n");
        expect(messages).to.contain("only the Compactor's policy may");
        expect(messages).to.contain("does not deny s3:DeleteObjectVersion");
        expect(messages).to.contain("must outlast the Compactor's --delete-delay plus a day");
        const misspelt = structuredClone(POLICIES["thanos-bucket-writer"]);
        misspelt.Statement[0].Action.push("s3:ListObjects");
        expect(
            checkMinioPolicies(plan({ "thanos-bucket-writer": misspelt }, 9))
                .map((f) => f.message)
                .join(),
        ).to.contain("MinIO would refuse it");
    });
});
