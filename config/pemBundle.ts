// A PEM bundle of trusted certificates the program takes as config (objectStorage.caBundle): what
// the consumer loads must be certificates, each parsing as X.509, and never a private key, which the
// program would otherwise write into a ConfigMap in clear. Text around the blocks (a bundle's
// comments) is accepted, as Go's PEM reader skips it.

import { pemCertificates } from "./certificates";

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/;

/** Why the bundle is no bundle of certificates, one line each; [] when every block parses. */
export function pemBundleProblems(pem: string): string[] {
    const key = PRIVATE_KEY.exec(pem);
    if (key !== null)
        return [
            `holds a private key (${key[1]}): only certificates belong here, and the bundle is written into a ConfigMap; remove the key`,
        ];
    const certificates = pemCertificates(pem);
    if (certificates.length === 0)
        return ["holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)"];
    return certificates.flatMap((c) =>
        c.certificate === undefined ? [`certificate ${c.index + 1} does not parse as X.509 (${c.error})`] : [],
    );
}
