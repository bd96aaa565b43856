// PEM certificates given as config (an edge's grpcTls.clientCaCertificate), parsed offline with
// Node's X.509 parser: what the sidecar will load must be a certificate, and its notAfter is known
// before anything is deployed.

import { X509Certificate } from "crypto";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** One certificate of a PEM bundle, or why it is not one. */
export type PemCertificate =
    { index: number; certificate: X509Certificate } | { index: number; error: string; certificate?: undefined };

/** Every `BEGIN CERTIFICATE` block of the PEM text, in order, each parsed or with the parser's complaint. */
export function pemCertificates(pem: string): PemCertificate[] {
    return [...pem.matchAll(PEM_CERTIFICATE)].map((match, index) => {
        try {
            return { index, certificate: new X509Certificate(match[0]) };
        } catch (err) {
            return { index, error: err instanceof Error ? err.message : String(err) };
        }
    });
}

/** Why a CA bundle would not work as the sidecars' client CA file, one line per certificate; [] if it would. */
export function caBundleProblems(pem: string): string[] {
    return pemCertificates(pem).flatMap((c) => {
        const which = `certificate ${c.index + 1}`;
        if (c.certificate === undefined) return [`${which} does not parse as X.509 (${c.error})`];
        if (!c.certificate.ca) return [`${which} (${oneLine(c.certificate.subject)}) is not a CA certificate`];
        return [];
    });
}

/**
 * When a client CA bundle stops admitting anyone: the notAfter of its last-expiring CA, in seconds
 * since the epoch. During a rotation the bundle holds the old and the new deployment CA; the sidecar
 * accepts a client certificate that either verifies, so the older one expiring breaks nothing.
 */
export function caBundleNotAfterSeconds(pem: string): number {
    // Every stack parses the same deployment CA bundle: a render of a thousand edges parsed it a
    // thousand times. The answer depends on the text alone; only answers are kept (a bad bundle
    // throws every time).
    const known = notAfterByBundle.get(pem);
    if (known !== undefined) return known;
    const notAfter = bundleNotAfterSeconds(pem);
    if (notAfterByBundle.size >= 64) notAfterByBundle.clear();
    notAfterByBundle.set(pem, notAfter);
    return notAfter;
}

const notAfterByBundle = new Map<string, number>();

function bundleNotAfterSeconds(pem: string): number {
    const ends = pemCertificates(pem).map((c) => {
        if (c.certificate === undefined) throw new Error(`certificate ${c.index + 1}: ${c.error}`);
        return Date.parse(c.certificate.validTo);
    });
    if (ends.length === 0) throw new Error("no PEM certificate in the bundle");
    return Math.floor(Math.max(...ends) / 1000);
}

/** The bodies of the PEM's certificate blocks, whitespace removed: the same certificate compares equal however wrapped. */
export function pemCertificateBodies(pem: string): string[] {
    return [...pem.matchAll(PEM_CERTIFICATE)].map((m) =>
        m[0].replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, ""),
    );
}

/**
 * The latest notAfter among the bundle's certificates of the same CA as `ca` (same subject, same
 * key) but not `ca` itself: earlier copies, which verify what `ca` issues until they expire. Undefined
 * if there is none, or if either does not parse.
 */
export function earlierCopiesNotAfter(bundle: string, ca: string): Date | undefined {
    const [current] = pemCertificates(ca);
    if (current?.certificate === undefined) return undefined;
    const currentBody = pemCertificateBodies(ca)[0];
    const bodies = pemCertificateBodies(bundle);
    const ends = pemCertificates(bundle)
        .filter(
            (c) =>
                c.certificate !== undefined &&
                bodies[c.index] !== currentBody &&
                c.certificate.subject === current.certificate.subject &&
                c.certificate.publicKey.equals(current.certificate.publicKey),
        )
        .map((c) => Date.parse(c.certificate!.validTo));
    return ends.length > 0 ? new Date(Math.max(...ends)) : undefined;
}

function oneLine(distinguishedName: string): string {
    return distinguishedName.split("\n").join(", ");
}
