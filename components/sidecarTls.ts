import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { GrpcTlsSettings } from "../config";
import { caBundleNotAfterSeconds } from "../config/certificates";
import { CERTIFICATES, CertificateExpiry, certificateExpiries } from "./alertRules";
import { MANAGED_BY_LABEL, PART_OF_LABEL, SIDECAR_TLS, sidecarServerName } from "./names";

const HOURS_PER_DAY = 24;

/**
 * What an edge records: its CA and server certificate (from the provider's validityEndTime), and the
 * deployment CA bundle it trusts (pki/deployment-ca.pem as of its last `pulumi up`). That PEM is the
 * edge's copy: an edge not deployed since `npm run pki -- rotate` still trusts the old bundle, and
 * only the edge can tell when its copy expires.
 */
export function sidecarCertificateExpiries(
    caValidityEnd: string,
    serverValidityEnd: string,
    clientCaCertificate: string | undefined,
): CertificateExpiry[] {
    return [
        ...certificateExpiries({
            [CERTIFICATES.sidecarCa]: caValidityEnd,
            [CERTIFICATES.sidecarServer]: serverValidityEnd,
        }),
        ...(clientCaCertificate !== undefined
            ? [
                  {
                      certificate: CERTIFICATES.sidecarClientCa,
                      notAfterSeconds: caBundleNotAfterSeconds(clientCaCertificate),
                  },
              ]
            : []),
    ];
}

export interface SidecarTlsArgs {
    /** Provider of the edge cluster. */
    provider: k8s.Provider;
    /** Namespace of the Prometheus pods. */
    namespace: pulumi.Input<string>;
    clusterName: string;
    /** The edge's pinned LoadBalancer address, where its Query serves (a SAN of the server certificate). */
    loadBalancerIp: string;
    /** Validity settings, the CA generation, and the deployment CA bundle whose clients the sidecars accept. */
    settings: GrpcTlsSettings;
}

/**
 * The client CA file the edge Query's gRPC server verifies clients against: the deployment CA bundle (config/ has
 * checked it exists), or, should none be given, the edge's own server CA. That CA signs only the
 * server certificate (no client_auth use) and its key never leaves this stack's state, so no client
 * certificate exists that it would accept: the edge Query would admit nobody, rather than anybody.
 */
export function sidecarClientCa(settings: GrpcTlsSettings, ownCaCertificate: string): string {
    return settings.clientCaCertificate ?? ownCaCertificate;
}

/**
 * mTLS for an edge's Thanos Query, the gRPC server the central Query dials (until contract 4 the
 * sidecars served it, hence the names, kept so that no certificate is reissued), with nothing from
 * the central stack at deploy time: the edge runs its own CA for that server certificate, and trusts as client issuer only the deployment
 * CA, whose certificates are committed (pki/deployment-ca.pem). The central stack holds that CA's
 * key and Query's client key; no private key leaves the stack that uses it, and the edge exports
 * only public material (its CA certificate, server name, trusted client CA).
 */
export class SidecarTls extends pulumi.ComponentResource {
    /** PEM of the edge's server CA. */
    public readonly caCertificate: pulumi.Output<string>;
    /** PEM of the client CA the edge Query trusts; "" while no deployment CA is configured. */
    public readonly clientCaCertificate: string;
    /** The name Query must verify in the server certificate. */
    public readonly serverName: string;
    /** When the CA, the server certificate and the trusted client CA expire, for the expiry alert. */
    public readonly expiries: pulumi.Output<CertificateExpiry[]>;
    /**
     * Hash of what the edge Query's gRPC server reads once, at start (its certificate and the
     * client CA): on the pod template, a renewal or a new deployment CA rolls the pods.
     */
    public readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: SidecarTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:SidecarTls", name, {}, opts);
        const child = { parent: this };
        // Private keys are wrapped in pulumi.secret wherever they are passed on: the provider marks
        // its own outputs secret, and this keeps them secret through any engine or mock.
        const key = (role: string, opts: pulumi.CustomResourceOptions = {}) =>
            new tls.PrivateKey(`${name}-${role}`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { ...child, ...opts });
        this.serverName = sidecarServerName(args.clusterName);

        // A new generation (`npm run pki -- rotate --stack <edge>`) replaces the CA's key, and with it
        // the CA and the server certificate it signed: a rotation is one `pulumi up`.
        const caKey = key("ca", { replacementTrigger: args.settings.caGeneration });
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: pulumi.secret(caKey.privateKeyPem),
                isCaCertificate: true,
                subject: {
                    commonName: `thanos-multicluster ${args.clusterName} sidecar CA`,
                    organization: "thanos-multicluster",
                },
                allowedUses: ["cert_signing", "crl_signing"],
                validityPeriodHours: args.settings.caValidityDays * HOURS_PER_DAY,
                earlyRenewalHours: args.settings.renewBeforeDays * HOURS_PER_DAY,
            },
            child,
        );
        const serverKey = key("server");
        const csr = new tls.CertRequest(
            `${name}-server`,
            {
                privateKeyPem: pulumi.secret(serverKey.privateKeyPem),
                subject: { commonName: this.serverName },
                dnsNames: [this.serverName],
                ipAddresses: [args.loadBalancerIp],
            },
            child,
        );
        const server = new tls.LocallySignedCert(
            `${name}-server`,
            {
                certRequestPem: csr.certRequestPem,
                caCertPem: ca.certPem,
                caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
                validityPeriodHours: args.settings.validityDays * HOURS_PER_DAY,
                earlyRenewalHours: args.settings.renewBeforeDays * HOURS_PER_DAY,
            },
            child,
        );

        new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: SIDECAR_TLS.secret,
                    namespace: args.namespace,
                    labels: {
                        ...PART_OF_LABEL,
                        ...MANAGED_BY_LABEL,
                        "app.kubernetes.io/component": "thanos-sidecar-tls",
                    },
                },
                type: "Opaque",
                stringData: pulumi.secret({
                    [SIDECAR_TLS.ca]: ca.certPem.apply((own) => sidecarClientCa(args.settings, own)),
                    [SIDECAR_TLS.cert]: server.certPem,
                    [SIDECAR_TLS.key]: serverKey.privateKeyPem,
                }),
            },
            { parent: this, provider: args.provider },
        );

        this.caCertificate = ca.certPem;
        this.checksum = pulumi.all([server.certPem, ca.certPem]).apply(([serverCert, own]) =>
            crypto
                .createHash("sha256")
                .update([serverCert, sidecarClientCa(args.settings, own).trim()].join("\n"))
                .digest("hex"),
        );
        this.clientCaCertificate = args.settings.clientCaCertificate ?? "";
        this.expiries = pulumi
            .all([ca.validityEndTime, server.validityEndTime])
            .apply(([caEnd, serverEnd]) =>
                sidecarCertificateExpiries(caEnd, serverEnd, args.settings.clientCaCertificate),
            );
        this.registerOutputs({ caCertificate: this.caCertificate, clientCaCertificate: this.clientCaCertificate });
    }
}
