// Cross-stack trust: no edge output is secret (no private key leaves the stack that uses it), and
// every edge serving mTLS trusts the central stack's deployment CA (else Query cannot reach it).

import { pemCertificateBodies } from "../../config/certificates";
import type { Finding, RenderedPlan } from "./renderedPlan";

export function checkTrust(plans: RenderedPlan[]): Finding[] {
    const findings: Finding[] = [];
    const central = plans.find((p) => p.outputs.role === "central");
    const deploymentCa: string | undefined = central?.outputs.deploymentCaCertificate;
    for (const edge of plans.filter((p) => p.outputs.role === "edge")) {
        const secretOutputs: string[] = JSON.parse(edge.files["outputs.json"] ?? "{}").secretOutputNames ?? [];
        for (const name of secretOutputs) {
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
                message: `${tls.clientCaCertificate ? "is not" : "is unset, not"} ${central.stack}'s deploymentCaCertificate: the sidecars reject Query until it is set (README, "Deploy for real")`,
            });
        }
    }
    return findings;
}
