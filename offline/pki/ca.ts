// The deployment CA's certificates, made with @peculiar/x509 on Node's WebCrypto: a real one for
// `npm run pki` (ECDSA P-256, a new key each time), and the render-only one the offline render uses
// where the project has no pki/ (Ed25519 from a fixed seed: the same bytes on every render).

import * as crypto from "crypto";
import * as x509 from "@peculiar/x509";
import { RENDER_ONLY_MARK } from "../../config/pki";

type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"];
type PublicKey = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0];

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY_MS = 86_400_000;

/** The subject of every deployment CA: the issue date tells the certificates of a bundle apart. */
export function deploymentCaSubject(issued: Date): string {
    return `O=thanos-multicluster, CN=thanos-multicluster deployment CA ${issued.toISOString().slice(0, 10)}`;
}

/**
 * A CA that can issue client certificates and nothing else: CA with path length 0 (no intermediate
 * below it), key usage certificate and CRL signing only, and extended key usage clientAuth only.
 * Go's crypto/x509 (the sidecar's TLS server) requires every certificate of a chain that lists
 * extended key usages to allow the one requested, so a server certificate issued under this CA
 * would fail verification everywhere.
 */
async function caExtensions(publicKey: PublicKey): Promise<x509.Extension[]> {
    return [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ];
}

export interface IssuedCa {
    /** PEM certificate (public). */
    certificate: string;
    /** PEM private key (SEC 1 for ECDSA, as @pulumi/tls writes its own), for the central stack's secret config. */
    privateKeyPem: string;
}

/** A new deployment CA: a fresh ECDSA P-256 key and its self-signed certificate, valid `validityDays` from `now`. */
export async function newDeploymentCa(validityDays: number, now: Date = new Date()): Promise<IssuedCa> {
    const keys = (await crypto.webcrypto.subtle.generateKey(ECDSA_P256, true, [
        "sign",
        "verify",
    ])) as unknown as KeyPair;
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 3600_000); // an hour of clock skew
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: `01${crypto.randomBytes(15).toString("hex")}`,
        name: deploymentCaSubject(now),
        notBefore,
        notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS),
        keys,
        signingAlgorithm: ECDSA_P256,
        extensions: await caExtensions(keys.publicKey),
    });
    const privateKeyPem = crypto.KeyObject.from(keys.privateKey as unknown as crypto.webcrypto.CryptoKey)
        .export({ type: "sec1", format: "pem" })
        .toString();
    return { certificate: pemWithNewline(certificate.toString("pem")), privateKeyPem };
}

/** The render-only CA's subject: what anyone reading a render sees. */
export const RENDER_ONLY_SUBJECT = `O=thanos-multicluster, CN=${RENDER_ONLY_MARK} (offline render without pki/; trusted by nothing)`;

let renderOnly: Promise<IssuedCa> | undefined;

/**
 * The render-only deployment CA: Ed25519, whose signatures are deterministic, with a key derived
 * from a fixed label, so every render writes the same bytes (`npm run diff` stays quiet). Its key is
 * public by construction: nothing trusts it, and the program uses it only under the offline renderer.
 */
export function renderOnlyDeploymentCa(): Promise<IssuedCa> {
    renderOnly ??= (async () => {
        const seed = crypto.createHash("sha256").update("thanos-multicluster render-only deployment CA").digest();
        // PKCS #8 wrapping of an Ed25519 seed (RFC 8410): a fixed prefix, then the 32 bytes.
        const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
        const privateKey = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
        const spki = crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" });
        const subtle = crypto.webcrypto.subtle;
        const keys = {
            privateKey: await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]),
            publicKey: await subtle.importKey("spki", spki, { name: "Ed25519" }, true, ["verify"]),
        } as unknown as KeyPair;
        const certificate = await x509.X509CertificateGenerator.createSelfSigned({
            serialNumber: "01",
            name: RENDER_ONLY_SUBJECT,
            notBefore: new Date("2026-01-01T00:00:00Z"),
            notAfter: new Date("2036-01-01T00:00:00Z"),
            keys,
            signingAlgorithm: { name: "Ed25519" },
            extensions: await caExtensions(keys.publicKey),
        });
        return {
            certificate: pemWithNewline(certificate.toString("pem")),
            privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        };
    })();
    return renderOnly;
}

function pemWithNewline(pem: string): string {
    return pem.endsWith("\n") ? pem : `${pem}\n`;
}
