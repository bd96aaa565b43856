import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { GrpcTlsSettings } from "../config";
import { CertificateExpiry } from "./alertRules";
import { MANAGED_BY_LABEL, PART_OF_LABEL, SIDECAR_TLS, sidecarServerName } from "./names";

const HOURS_PER_DAY = 24;

/** The operator's grpcServerTlsConfig for the sidecar: serve the edge's certificate, require a client certificate from the edge's CA. */
export function sidecarGrpcServerTlsConfig(): { caFile: string; certFile: string; keyFile: string; minVersion: string } {
    return {
        caFile: `${SIDECAR_TLS.mountPath}/${SIDECAR_TLS.ca}`,
        certFile: `${SIDECAR_TLS.mountPath}/${SIDECAR_TLS.cert}`,
        keyFile: `${SIDECAR_TLS.mountPath}/${SIDECAR_TLS.key}`,
        minVersion: "TLS13",
    };
}

/** notAfter of each certificate, from the provider's RFC 3339 validityEndTime. */
export function certificateExpiries(validityEnd: Record<string, string>): CertificateExpiry[] {
    return Object.entries(validityEnd).map(([certificate, end]) => {
        const ms = Date.parse(end);
        if (Number.isNaN(ms)) throw new Error(`certificate ${certificate}: validityEndTime "${end}" is not an RFC 3339 time`);
        return { certificate, notAfterSeconds: Math.floor(ms / 1000) };
    });
}

export interface SidecarTlsArgs {
    /** Provider of the edge cluster. */
    provider: k8s.Provider;
    /** Namespace of the Prometheus pods. */
    namespace: pulumi.Input<string>;
    clusterName: string;
    /** The sidecars' pinned LoadBalancer address (a SAN of the server certificate). */
    loadBalancerIp: string;
    settings: GrpcTlsSettings;
}

/**
 * mTLS for an edge's sidecars, with nothing from the central stack: the edge runs its own CA,
 * signs its sidecars' server certificate and the client certificate the central Query will
 * present, and exports the CA and the client certificate and key (the key as a secret output).
 * The central stack reads them from this stack's outputs. The CA is the only client CA the
 * sidecars trust, so only the holder of that client key reaches them.
 */
export class SidecarTls extends pulumi.ComponentResource {
    /** PEM of the edge's CA. */
    public readonly caCertificate: pulumi.Output<string>;
    /** PEM of the client certificate for the central Query. */
    public readonly clientCertificate: pulumi.Output<string>;
    /** PEM of its private key (secret). */
    public readonly clientKey: pulumi.Output<string>;
    /** The name Query must verify in the server certificate. */
    public readonly serverName: string;
    /** When the CA, the server and the client certificate expire, for the expiry alert. */
    public readonly expiries: pulumi.Output<CertificateExpiry[]>;

    constructor(name: string, args: SidecarTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:SidecarTls", name, {}, opts);
        const child = { parent: this };
        // Private keys are wrapped in pulumi.secret wherever they are passed on: the provider marks
        // its own outputs secret, and this keeps them secret through any engine or mock.
        const key = (role: string) => new tls.PrivateKey(`${name}-${role}`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const validity = { validityPeriodHours: args.settings.validityDays * HOURS_PER_DAY, earlyRenewalHours: args.settings.renewBeforeDays * HOURS_PER_DAY };
        this.serverName = sidecarServerName(args.clusterName);

        const caKey = key("ca");
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: pulumi.secret(caKey.privateKeyPem),
                isCaCertificate: true,
                subject: { commonName: `thanos-multicluster ${args.clusterName} sidecar CA`, organization: "thanos-multicluster" },
                allowedUses: ["cert_signing", "crl_signing"],
                validityPeriodHours: args.settings.caValidityDays * HOURS_PER_DAY,
                earlyRenewalHours: args.settings.renewBeforeDays * HOURS_PER_DAY,
            },
            child,
        );
        const sign = (role: string, request: tls.CertRequestArgs, uses: string[]) => {
            const csr = new tls.CertRequest(`${name}-${role}`, request, child);
            return new tls.LocallySignedCert(
                `${name}-${role}`,
                { certRequestPem: csr.certRequestPem, caCertPem: ca.certPem, caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem), allowedUses: uses, ...validity },
                child,
            );
        };
        const serverKey = key("server");
        const server = sign(
            "server",
            { privateKeyPem: pulumi.secret(serverKey.privateKeyPem), subject: { commonName: this.serverName }, dnsNames: [this.serverName], ipAddresses: [args.loadBalancerIp] },
            ["digital_signature", "key_encipherment", "server_auth"],
        );
        const clientKey = key("client");
        const client = sign("client", { privateKeyPem: pulumi.secret(clientKey.privateKeyPem), subject: { commonName: "thanos-query", organization: "thanos-multicluster" } }, [
            "digital_signature",
            "key_encipherment",
            "client_auth",
        ]);

        new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: SIDECAR_TLS.secret, namespace: args.namespace, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL, "app.kubernetes.io/component": "thanos-sidecar-tls" } },
                type: "Opaque",
                stringData: pulumi.secret({ [SIDECAR_TLS.ca]: ca.certPem, [SIDECAR_TLS.cert]: server.certPem, [SIDECAR_TLS.key]: serverKey.privateKeyPem }),
            },
            { parent: this, provider: args.provider },
        );

        this.caCertificate = ca.certPem;
        this.clientCertificate = client.certPem;
        this.clientKey = pulumi.secret(clientKey.privateKeyPem);
        this.expiries = pulumi
            .all([ca.validityEndTime, server.validityEndTime, client.validityEndTime])
            .apply(([caEnd, serverEnd, clientEnd]) => certificateExpiries({ "sidecar-ca": caEnd, "sidecar-server": serverEnd, "query-client": clientEnd }));
        this.registerOutputs({ caCertificate: this.caCertificate, clientCertificate: this.clientCertificate, clientKey: this.clientKey });
    }
}
