// The deployment CA as the program finds it: its certificates in the committed bundle
// pki/deployment-ca.pem (public, read by every stack), its private key in the central stack's
// secret config (deploymentCaPrivateKey). `npm run pki -- init` writes both; docs/pki.md says why.

import { X509Certificate, createPrivateKey, createPublicKey } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { caBundleProblems, pemCertificates } from "./certificates";
import { PROJECT } from "./reader";

/** The committed bundle, relative to the project directory: newest certificate first. */
export const DEPLOYMENT_CA_BUNDLE = "pki/deployment-ca.pem";
/** The central stack's secret config key holding the deployment CA's private key (PEM). */
export const DEPLOYMENT_CA_KEY = "deploymentCaPrivateKey";
/** What fixes missing or mismatched material. */
export const PKI_INIT = "npm run pki -- init";

/** What the render-only CA's subject says; a bundle holding it is refused. */
export const RENDER_ONLY_MARK = "render-only deployment CA";

/** A deployment CA whose bundle and key were made for an offline render only: trusted by nothing. */
export interface RenderOnlyDeploymentCa {
    bundle: string;
    privateKeyPem: string;
}

let renderOnly: RenderOnlyDeploymentCa | undefined;

/**
 * Offline renderer only (offline/runStack.ts, in its own process): where the project has no
 * bundle, the program uses this render-only CA instead of refusing. The Pulumi CLI's run of the
 * program never calls this, so a real deployment without `npm run pki -- init` fails.
 */
export function useRenderOnlyDeploymentCaWhereMissing(ca: RenderOnlyDeploymentCa | undefined): void {
    renderOnly = ca;
}

/** The committed bundle of a project directory, or undefined when there is none. */
export function readDeploymentCaBundle(dir: string): string | undefined {
    const file = path.join(dir, DEPLOYMENT_CA_BUNDLE);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** The certificate of the bundle whose public key is the private key's (the latest, if several); or why none is. */
export function certificateForKey(
    bundle: string,
    privateKeyPem: string,
): { certificate: string } | { problem: string } {
    let publicKey: Buffer;
    try {
        publicKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
    } catch {
        // The parser's message could quote the key: say only what it is not.
        return { problem: "is not a PEM private key" };
    }
    const matching = pemCertificates(bundle)
        .map((c) => c.certificate)
        .filter((c): c is X509Certificate => c !== undefined)
        .filter((c) => c.publicKey.export({ type: "spki", format: "der" }).equals(publicKey))
        .sort((a, b) => Date.parse(b.validTo) - Date.parse(a.validTo));
    if (matching.length === 0)
        return {
            problem: `is the key of no certificate in ${DEPLOYMENT_CA_BUNDLE}: the bundle and the key come from different runs of \`npm run pki\` (commit the pki/ folder the command wrote, or run \`${PKI_INIT}\` again)`,
        };
    return { certificate: matching[0].toString() };
}

export interface DeploymentCaInput {
    role: "edge" | "central";
    /** Edges: whether the sidecars serve mTLS (only then they need a client CA). */
    grpcTlsEnabled: boolean;
    /** Edges: grpcTls.clientCaCertificate, the explicit override of the bundle. */
    clientCaOverride?: string;
    /** The committed bundle, if any. */
    bundle?: string;
    /** The central stack's deploymentCaPrivateKey, if set (compared, never printed). */
    privateKeyPem?: string;
}

export interface DeploymentCaResult {
    problems: string[];
    /** Edges: the client CA bundle the sidecars verify Query against. */
    clientCaCertificate?: string;
    /** Central: the deployment CA's certificate and key that issue Query's client certificate. */
    deploymentCa?: { certificate: string; privateKeyPem: string; renderOnly: boolean };
    /** The render-only CA stood in for missing material. */
    renderOnly: boolean;
}

/**
 * What each stack takes from the pki material, or the problems naming the key and the fix. Edges
 * trust the bundle (unless grpcTls.clientCaCertificate overrides it); the central stack needs its
 * key and the bundle's certificate of that key. Pure but for the render-only fallback.
 */
export function resolveDeploymentCa(input: DeploymentCaInput): DeploymentCaResult {
    const problems: string[] = [];
    const keyName = `${PROJECT}:${DEPLOYMENT_CA_KEY}`;
    const fallback = input.bundle === undefined && input.privateKeyPem === undefined ? renderOnly : undefined;
    const bundle = input.bundle ?? fallback?.bundle;
    const missingBundle = `${DEPLOYMENT_CA_BUNDLE} is missing: run \`${PKI_INIT}\` (it writes the deployment CA's certificate there and its key into the central stack's config), then commit pki/`;
    if (input.bundle !== undefined) {
        if (/PRIVATE KEY/.test(input.bundle))
            problems.push(
                `${DEPLOYMENT_CA_BUNDLE} holds a private key: remove it from the file and from the repository's history, and rotate (\`npm run pki -- rotate\`); only certificates belong there`,
            );
        else if (pemCertificates(input.bundle).length === 0)
            problems.push(`${DEPLOYMENT_CA_BUNDLE} holds no PEM certificate: run \`${PKI_INIT}\``);
        else if (pemCertificates(input.bundle).some((c) => c.certificate?.subject.includes(RENDER_ONLY_MARK)))
            problems.push(
                `${DEPLOYMENT_CA_BUNDLE} holds the render-only deployment CA, whose key is public: delete the file and run \`${PKI_INIT}\``,
            );
        else
            for (const problem of caBundleProblems(input.bundle))
                problems.push(
                    `${DEPLOYMENT_CA_BUNDLE}: ${problem}: the file is written by \`npm run pki\`, not by hand`,
                );
    }
    if (input.role === "edge") {
        if (input.privateKeyPem !== undefined)
            problems.push(
                `${keyName} is set on an edge stack: the deployment CA's key belongs to the central stack alone; run \`pulumi config rm ${DEPLOYMENT_CA_KEY}\` here, and rotate it (\`npm run pki -- rotate\`): every reader of this stack's config could issue client certificates`,
            );
        if (!input.grpcTlsEnabled || input.clientCaOverride !== undefined)
            return { problems, clientCaCertificate: input.clientCaOverride, renderOnly: false };
        if (bundle === undefined) problems.push(`${PROJECT}:grpcTls.enabled needs the deployment CA: ${missingBundle}`);
        return { problems, clientCaCertificate: bundle, renderOnly: fallback !== undefined };
    }
    const privateKeyPem = input.privateKeyPem ?? fallback?.privateKeyPem;
    if (privateKeyPem === undefined) {
        problems.push(
            `${keyName} is required on the central stack (the deployment CA's key, which issues Query's client certificate): run \`${PKI_INIT}\``,
        );
        return { problems, renderOnly: false };
    }
    if (bundle === undefined) {
        problems.push(`${keyName} is set, but ${missingBundle}`);
        return { problems, renderOnly: false };
    }
    const match = certificateForKey(bundle, privateKeyPem);
    if ("problem" in match) {
        problems.push(`${keyName} ${match.problem}`);
        return { problems, renderOnly: false };
    }
    return {
        problems,
        deploymentCa: { certificate: match.certificate, privateKeyPem, renderOnly: fallback !== undefined },
        renderOnly: fallback !== undefined,
    };
}
