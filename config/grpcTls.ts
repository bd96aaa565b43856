// mTLS between the central Query and the edges' sidecars (`grpcTls`).

import { Reader } from "./reader";
import { Role } from "./identity";
import { caBundleProblems } from "./certificates";
import { CERTIFICATE_WARNING_DAYS } from "../components/alertRules";

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
     * Edges: PEM of the client CAs the sidecars accept: the committed deployment CA bundle
     * (pki/deployment-ca.pem, filled in by config/index.ts), or grpcTls.clientCaCertificate where a
     * stack overrides it explicitly (a client CA managed outside this project).
     */
    clientCaCertificate?: string;
    /**
     * Edges: generation of the edge's server CA. Raising it (`npm run pki -- rotate --stack <edge>`)
     * replaces the CA's key, the CA and the server certificate at the next `pulumi up`.
     */
    caGeneration: number;
}

export function readGrpcTls(r: Reader, role: Role): GrpcTlsSettings {
    r.object("grpcTls");
    const enabled = r.boolean("grpcTls.enabled", false);
    const validityDays = r.integer("grpcTls.validityDays", 365);
    const renewBeforeDays = r.integer("grpcTls.renewBeforeDays", 45);
    const caValidityDays = r.integer("grpcTls.caValidityDays", 3650);
    if (enabled && role === "central") {
        r.problem(
            "grpcTls.enabled",
            "is for edges: the central Query reaches its own sidecars in-cluster (NetworkPolicy-restricted); each edge's grpcTls sets up its link to the central Query",
        );
    }
    // A routine `pulumi up` renews a certificate within renewBeforeDays of its expiry, before
    // CrossClusterCertificateExpiring fires (CERTIFICATE_WARNING_DAYS); when it fires, `pulumi up` renews it.
    const minRenewBefore = CERTIFICATE_WARNING_DAYS + 1;
    if (validityDays <= minRenewBefore)
        r.problem(
            "grpcTls.validityDays",
            `must be at least ${minRenewBefore + 1} (got ${validityDays}): certificates are renewed more than ${CERTIFICATE_WARNING_DAYS} days before they expire (grpcTls.renewBeforeDays)`,
        );
    else if (renewBeforeDays < minRenewBefore || renewBeforeDays >= validityDays) {
        r.problem(
            "grpcTls.renewBeforeDays",
            `must be between ${minRenewBefore} and grpcTls.validityDays - 1 (got ${renewBeforeDays}): \`pulumi up\` replaces a certificate this long before it expires, and CrossClusterCertificateExpiring fires ${CERTIFICATE_WARNING_DAYS} days before: a routine \`pulumi up\` must be able to renew it first, and the alert's fix must renew it`,
        );
    }
    if (caValidityDays <= validityDays)
        r.problem(
            "grpcTls.caValidityDays",
            `must exceed grpcTls.validityDays (got ${caValidityDays}): the CA must outlive the certificates it signs`,
        );
    const caGeneration = r.integer("grpcTls.caGeneration", 1);
    if (role === "central" && r.has("grpcTls.caGeneration"))
        r.problem(
            "grpcTls.caGeneration",
            "is for edges (their server CA); the central stack's deployment CA is rotated with `npm run pki -- rotate`",
        );
    else if (caGeneration < 1)
        r.problem(
            "grpcTls.caGeneration",
            `must be 1 or more (got ${caGeneration}): \`npm run pki -- rotate --stack <edge>\` raises it to replace the edge's server CA`,
        );
    // An explicit override of the committed bundle (pki/deployment-ca.pem), for a client CA managed
    // outside this project; unset, the edge trusts the bundle.
    const clientCaCertificate = r.optionalString(
        "grpcTls.clientCaCertificate",
        "leave it unset: the edge trusts pki/deployment-ca.pem (`npm run pki -- init`)",
    );
    if (clientCaCertificate !== undefined) {
        if (role === "central") {
            r.problem(
                "grpcTls.clientCaCertificate",
                "is for edges: the central stack issues with the deployment CA of pki/deployment-ca.pem and its key deploymentCaPrivateKey; remove it here",
            );
        } else if (
            !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(clientCaCertificate.trim() + "\n")
        ) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "must be a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), or be removed (`pulumi config rm --path grpcTls.clientCaCertificate`): unset, the edge trusts pki/deployment-ca.pem",
            );
        } else if (/PRIVATE KEY/.test(clientCaCertificate)) {
            r.problem(
                "grpcTls.clientCaCertificate",
                "holds a private key: only the deployment CA's certificate belongs here; the key never leaves the central stack",
            );
        } else {
            for (const problem of caBundleProblems(clientCaCertificate))
                r.problem(
                    "grpcTls.clientCaCertificate",
                    `${problem}: it overrides pki/deployment-ca.pem with CA certificates only; remove it (\`pulumi config rm --path grpcTls.clientCaCertificate\`) to trust the committed bundle`,
                );
        }
    }
    return {
        enabled,
        validityDays,
        renewBeforeDays,
        caValidityDays,
        caGeneration,
        ...(clientCaCertificate !== undefined ? { clientCaCertificate } : {}),
    };
}
