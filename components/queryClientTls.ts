import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { GrpcTlsSettings } from "../config";
import { caBundleNotAfterSeconds } from "../config/certificates";
import { CERTIFICATES, CertificateExpiry, certificateExpiries } from "./alertRules";
import { MONITORING_NAMESPACE } from "./names";
import { QUERY_COMPONENT, QUERY_CLIENT_TLS_SECRET } from "./thanosQuery";
import { thanosLabels } from "./thanosWorkload";

const HOURS_PER_DAY = 24;

/** Query's client certificate: client authentication only. */
export function queryClientCertArgs(
    settings: GrpcTlsSettings,
    csr: pulumi.Input<string>,
    caCertPem: pulumi.Input<string>,
    caPrivateKeyPem: pulumi.Input<string>,
): tls.LocallySignedCertArgs {
    return {
        certRequestPem: csr,
        caCertPem,
        caPrivateKeyPem,
        allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
        validityPeriodHours: settings.validityDays * HOURS_PER_DAY,
        earlyRenewalHours: settings.renewBeforeDays * HOURS_PER_DAY,
    };
}

export interface QueryClientTlsArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** Validity of Query's client certificate (the central stack's grpcTls). */
    settings: GrpcTlsSettings;
    /** The deployment CA: its certificate (from pki/deployment-ca.pem) and its key (this stack's secret config). */
    deploymentCa: { certificate: string; privateKeyPem: pulumi.Input<string> };
}

/**
 * The central stack's half of the cross-cluster mTLS: Query's client key and certificate, issued
 * by the deployment CA (`npm run pki -- init` made it: its certificate is committed, its key is a
 * secret of this stack only) and stored in one Secret in the central cluster. Edges trust the
 * committed certificate; nothing secret crosses a stack boundary.
 */
export class QueryClientTls extends pulumi.ComponentResource {
    /** PEM of the deployment CA (public: the stack output deploymentCaCertificate). */
    public readonly caCertificate: string;
    /** PEM of Query's client certificate (public). */
    public readonly clientCertificate: pulumi.Output<string>;
    /** The Secret holding tls.crt and tls.key. */
    public readonly secret: k8s.core.v1.Secret;
    /** When the deployment CA and Query's client certificate expire, for the expiry alert. */
    public readonly expiries: pulumi.Output<CertificateExpiry[]>;

    constructor(name: string, args: QueryClientTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:central:QueryClientTls", name, {}, opts);
        const child = { parent: this };
        const key = (role: string) =>
            new tls.PrivateKey(`${name}-${role}`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const clientKey = key("client");
        const csr = new tls.CertRequest(
            `${name}-client`,
            {
                privateKeyPem: pulumi.secret(clientKey.privateKeyPem),
                subject: { commonName: "thanos-query", organization: "thanos-multicluster" },
            },
            child,
        );
        const client = new tls.LocallySignedCert(
            `${name}-client`,
            queryClientCertArgs(
                args.settings,
                csr.certRequestPem,
                args.deploymentCa.certificate,
                pulumi.secret(args.deploymentCa.privateKeyPem),
            ),
            child,
        );
        this.secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: QUERY_CLIENT_TLS_SECRET,
                    namespace: MONITORING_NAMESPACE,
                    labels: thanosLabels(QUERY_COMPONENT),
                },
                type: "kubernetes.io/tls",
                stringData: pulumi.secret({ "tls.crt": client.certPem, "tls.key": clientKey.privateKeyPem }),
            },
            { parent: this, provider: args.provider },
        );
        this.caCertificate = args.deploymentCa.certificate;
        this.clientCertificate = client.certPem;
        // The deployment CA's notAfter is its committed certificate's; Query's, the provider's.
        const caNotAfterSeconds = caBundleNotAfterSeconds(args.deploymentCa.certificate);
        this.expiries = client.validityEndTime.apply((clientEnd) => [
            { certificate: CERTIFICATES.deploymentCa, notAfterSeconds: caNotAfterSeconds },
            ...certificateExpiries({ [CERTIFICATES.queryClient]: clientEnd }),
        ]);
        this.registerOutputs({ caCertificate: this.caCertificate, clientCertificate: this.clientCertificate });
    }
}
