// Cross-stack trust: no edge output is secret (no private key leaves the stack that uses it) but
// objstoreIdentity, its sidecars' MinIO key, which the central stack must hand MinIO to create the
// user (docs/security.md, Object storage identities), and
// every edge serving mTLS trusts the deployment CA the central stack issues under (else Query
// cannot reach it). With pki/deployment-ca.pem read by every stack, a render never warns.

import { pemCertificateBodies } from "../../config/certificates";
import { OBJSTORE_IDENTITY_OUTPUT } from "../../contract";
import type { Finding, RenderedPlan } from "./renderedPlan";

export function checkTrust(plans: RenderedPlan[]): Finding[] {
    const findings: Finding[] = [];
    const central = plans.find((p) => p.outputs.role === "central");
    const deploymentCa: string | undefined = central?.outputs.deploymentCaCertificate;
    for (const edge of plans.filter((p) => p.outputs.role === "edge")) {
        const secretOutputs: string[] = JSON.parse(edge.files["outputs.json"] ?? "{}").secretOutputNames ?? [];
        for (const name of secretOutputs.filter((n) => n !== OBJSTORE_IDENTITY_OUTPUT)) {
            findings.push({
                severity: "error",
                stack: edge.stack,
                object: "(stack)",
                field: `output ${name}`,
                message: "is secret: an edge exports public material only; a key belongs to the stack that uses it",
            });
        }
        const tls = edge.outputs.grpcTls;
        if (tls?.enabled !== true || central === undefined) continue;
        if (typeof deploymentCa !== "string" || deploymentCa === "") {
            findings.push({
                severity: "error",
                stack: central.stack,
                object: "(stack)",
                field: "output deploymentCaCertificate",
                message: `is missing, but ${edge.stack} serves mTLS: Query has no client certificate the edge could trust`,
            });
        } else if (
            !pemCertificateBodies(tls.clientCaCertificate ?? "").includes(pemCertificateBodies(deploymentCa)[0])
        ) {
            // A bundle that holds the current CA (during a rotation) is trusted as well.
            findings.push({
                severity: "warning",
                stack: edge.stack,
                object: "(stack)",
                field: "grpcTls.clientCaCertificate",
                message: `${tls.clientCaCertificate ? "holds no" : "is empty, not"} ${central.stack}'s deploymentCaCertificate: the sidecars reject Query. Edges trust pki/deployment-ca.pem, written by \`npm run pki\`; remove a grpcTls.clientCaCertificate override, and deploy edges before the central stack (\`npm run deploy -- up\`; docs/pki.md)`,
            });
        }
    }
    return findings;
}
