// mTLS between the central Query and the edges' sidecars (`grpcTls`).

import { Reader } from "./reader";
import { Role } from "./identity";

export interface GrpcTlsSettings {
    /** mTLS between the central Query and this cluster's sidecars (edges). */
    enabled: boolean;
    /** Lifetime of the sidecar's server and Query's client certificate. */
    validityDays: number;
    /** `pulumi up` replaces a certificate this many days before it expires. */
    renewBeforeDays: number;
    /** Lifetime of the edge's CA (edges) or of the deployment CA (central). */
    caValidityDays: number;
    /**
     * Edges: PEM of the deployment CA (the central stack's output deploymentCaCertificate), the
     * only issuer whose client certificates the sidecars accept. Unset: no client is accepted yet.
     */
    clientCaCertificate?: string;
}

export function readGrpcTls(r: Reader, role: Role): GrpcTlsSettings {
    r.object("grpcTls");
    const enabled = r.boolean("grpcTls.enabled", false);
    const validityDays = r.integer("grpcTls.validityDays", 365);
    const renewBeforeDays = r.integer("grpcTls.renewBeforeDays", 30);
    const caValidityDays = r.integer("grpcTls.caValidityDays", 3650);
    if (enabled && role === "central") {
        r.problem(
            "grpcTls.enabled",
            "is for edges: the central Query reaches its own sidecars in-cluster (NetworkPolicy-restricted); each edge's grpcTls sets up its link to the central Query",
        );
    }
    if (validityDays < 7) r.problem("grpcTls.validityDays", `must be at least 7 (got ${validityDays})`);
    if (renewBeforeDays < 1 || renewBeforeDays >= validityDays) {
        r.problem(
            "grpcTls.renewBeforeDays",
            `must be between 1 and grpcTls.validityDays - 1 (got ${renewBeforeDays}): certificates are replaced by \`pulumi up\` this long before they expire`,
        );
    }
    if (caValidityDays <= validityDays)
        r.problem(
            "grpcTls.caValidityDays",
            `must exceed grpcTls.validityDays (got ${caValidityDays}): the CA must outlive the certificates it signs`,
        );
    const clientCaCertificate = r.optionalString(
        "grpcTls.clientCaCertificate",
        "paste the central stack's deploymentCaCertificate output (PEM)",
    );
    if (clientCaCertificate !== undefined) {
        if (role === "central") {
            r.problem(
                "grpcTls.clientCaCertificate",
                "is for edges: the central stack generates the deployment CA itself (output deploymentCaCertificate); remove it here",
            );
        } else if (
            !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(clientCaCertificate.trim() + "\n")
        ) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "must be a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----): `pulumi stack output -s cluster-01 deploymentCaCertificate > deployment-ca.pem`, then `pulumi config set --path grpcTls.clientCaCertificate < deployment-ca.pem`",
            );
        } else if (/PRIVATE KEY/.test(clientCaCertificate)) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "holds a private key: only the deployment CA's certificate belongs here; the key never leaves the central stack",
            );
        }
    }
    return {
        enabled,
        validityDays,
        renewBeforeDays,
        caValidityDays,
        ...(clientCaCertificate !== undefined ? { clientCaCertificate } : {}),
    };
}
