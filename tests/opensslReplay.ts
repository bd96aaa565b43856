// openssl as the second opinion on certificates: issue what recorded @pulumi/tls inputs describe
// (subject, CA flag, allowed uses, validity) under a real CA, and verify chains for a purpose.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export function hasOpenssl(): boolean {
    try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** openssl's names for @pulumi/tls' allowed uses. */
const KEY_USAGE: Record<string, string> = {
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    digital_signature: "digitalSignature",
    key_encipherment: "keyEncipherment",
};
const EXTENDED_USAGE: Record<string, string> = { client_auth: "clientAuth", server_auth: "serverAuth" };

/** An openssl config for one certificate: its subject and its v3 extensions from the recorded inputs. */
export function opensslConfig(subject: Record<string, any>, inputs: Record<string, any>): string {
    const uses: string[] = inputs.allowedUses ?? [];
    const ku = uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
    const eku = uses.filter((u) => EXTENDED_USAGE[u]).map((u) => EXTENDED_USAGE[u]);
    return [
        "[req]",
        "distinguished_name=dn",
        "prompt=no",
        "[dn]",
        ...(subject.organization ? [`O=${subject.organization}`] : []),
        `CN=${subject.commonName}`,
        "[v3]",
        `basicConstraints=critical,CA:${inputs.isCaCertificate ? "TRUE" : "FALSE"}`,
        ...(ku.length ? [`keyUsage=critical,${ku.join(",")}`] : []),
        ...(eku.length ? [`extendedKeyUsage=${eku.join(",")}`] : []),
        "",
    ].join("\n");
}

export function openssl(...args: string[]): string {
    return execFileSync("openssl", args, { stdio: "pipe" }).toString();
}

/**
 * Issues, under the CA (its PEM certificate and key files), a leaf with this subject and these
 * recorded LocallySignedCert inputs (allowed uses, validity); returns the leaf's PEM file.
 */
export function issueLeaf(
    dir: string,
    name: string,
    ca: { cert: string; key: string },
    subject: Record<string, any>,
    inputs: Record<string, any>,
): string {
    const f = (suffix: string) => path.join(dir, `${name}.${suffix}`);
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f("key"));
    fs.writeFileSync(f("cnf"), opensslConfig(subject, inputs));
    openssl("req", "-new", "-key", f("key"), "-config", f("cnf"), "-out", f("csr"));
    openssl(
        "x509",
        "-req",
        "-in",
        f("csr"),
        "-CA",
        ca.cert,
        "-CAkey",
        ca.key,
        "-set_serial",
        `0x${Date.now().toString(16)}`,
        "-days",
        String(Math.floor((inputs.validityPeriodHours ?? 24 * 365) / 24)),
        "-extfile",
        f("cnf"),
        "-extensions",
        "v3",
        "-out",
        f("pem"),
    );
    return f("pem");
}

/** Whether `openssl verify` accepts the certificate against the CA file for the purpose. */
export function verifies(caFile: string, certFile: string, purpose: "sslclient" | "sslserver"): boolean {
    try {
        return openssl("verify", "-CAfile", caFile, "-purpose", purpose, certFile).trim().endsWith("OK");
    } catch {
        return false;
    }
}
