// Pulumi's mock engine, filled in the way the real providers would fill in what our program reads
// back: a LoadBalancer Service's assigned address, a Helm release's status, a StackReference's
// outputs. Shared by `npm run render` and the tests so that both see the same plan.

import * as pulumi from "@pulumi/pulumi";

/** Outputs of other stacks, by fully qualified name (`<org>/<project>/<stack>`), as the engine resolves them. */
export type StackOutputsByName = Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }>;

const LBIPAM_IPS_ANNOTATION = "lbipam.cilium.io/ips";
/** When offline certificates are issued: fixed, so every render writes the same expiry times. */
export const MOCK_ISSUE_TIME = new Date("2026-01-01T00:00:00Z");

function loadBalancerStatus(inputs: Record<string, any>): Record<string, unknown> | undefined {
    if (inputs?.spec?.type !== "LoadBalancer") {
        return undefined;
    }
    // Cilium LB IPAM honours the pinned address; without one, nothing is assigned offline and the
    // program's own check reports the Service as unaddressed.
    const pinned = inputs?.metadata?.annotations?.[LBIPAM_IPS_ANNOTATION];
    if (typeof pinned !== "string" || pinned === "") {
        return { loadBalancer: {} };
    }
    return { loadBalancer: { ingress: [{ ip: pinned.split(",")[0].trim(), ipMode: "VIP" }] } };
}

function stackReferenceState(name: string, stacks: StackOutputsByName): Record<string, unknown> {
    // By the full name only: a reference with the wrong organization fails offline as it does for real.
    const found = stacks[name];
    if (found === undefined) {
        const known = Object.keys(stacks);
        const sameStack = known.filter((k) => k.split("/").pop() === name.split("/").pop());
        const hint =
            sameStack.length > 0
                ? `; the backend holds ${sameStack.join(", ")} (is central.organization right? a self-managed backend's is \`organization\`)`
                : "";
        // The real engine fails the same way when the referenced stack does not exist.
        throw new Error(
            `unknown stack "${name}": it has not been deployed (offline: not rendered before this stack)${hint}`,
        );
    }
    return { name, outputs: found.outputs, secretOutputNames: found.secretOutputNames ?? [] };
}

// The SDK's wire value for "unknown until deployed" (internal, as the mock monitor is).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownValue } = require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string };

/**
 * A resource as `pulumi preview` sees it before it exists: its inputs, and every property the
 * provider computes (certificates, passwords, a Service's status, a release's status) unknown, as is
 * its id. Reads (StackReferences) are real reads in a preview too, and stay known.
 */
function asPreview(
    args: pulumi.runtime.MockResourceArgs,
    result: { id: string; state: Record<string, any> },
): { id: string; state: Record<string, any> } {
    if (args.type === "pulumi:pulumi:StackReference" || (args.id ?? "") !== "") return result;
    const inputs = args.inputs as Record<string, unknown>;
    const state: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(result.state)) state[key] = key in inputs ? value : unknownValue;
    return { id: "", state };
}

export interface MockOptions {
    /** Play `pulumi preview`: computed values unknown (see asPreview). */
    preview?: boolean;
}

/** The mocks: resources echo their inputs, plus what the real provider would add (unknown in a preview). */
export function newMocks(stacks: StackOutputsByName, options: MockOptions = {}): pulumi.runtime.Mocks {
    const mocks = deployedMocks(stacks);
    if (!options.preview) return mocks;
    return {
        ...mocks,
        newResource: (args) => asPreview(args, mocks.newResource(args) as { id: string; state: Record<string, any> }),
    };
}

function deployedMocks(stacks: StackOutputsByName): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
            const inputs = args.inputs as Record<string, any>;
            if (args.type === "pulumi:pulumi:StackReference") {
                return { id: inputs.name, state: stackReferenceState(inputs.name, stacks) };
            }
            if (args.type === "kubernetes:helm.sh/v3:Release") {
                return {
                    id: `${inputs.namespace}/${inputs.name}`,
                    state: {
                        ...inputs,
                        status: {
                            name: inputs.name,
                            namespace: inputs.namespace,
                            chart: inputs.chart,
                            version: inputs.version,
                            status: "deployed",
                            revision: 1,
                        },
                    },
                };
            }
            if (args.type === "random:index/randomPassword:RandomPassword") {
                // Deterministic per resource name, so a render is reproducible; it is a secret in the plan.
                const length = Number(inputs.length ?? 16);
                const result = `mock-${args.name}-`.padEnd(length, "x").slice(0, length);
                return { id: `${args.name}-id`, state: { ...inputs, result, bcryptHash: "[mock]" } };
            }
            // TLS: PEM-shaped values. The key's text carries the render's secret mark, so that
            // `npm run validate` finds it should it ever be written in clear.
            if (args.type === "tls:index/privateKey:PrivateKey") {
                const privateKeyPem = `-----BEGIN PRIVATE KEY-----\noffline-placeholder-private-key-${args.name}\n-----END PRIVATE KEY-----\n`;
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...inputs,
                        privateKeyPem,
                        publicKeyPem: `-----BEGIN PUBLIC KEY-----\nmock-${args.name}\n-----END PUBLIC KEY-----\n`,
                    },
                };
            }
            if (
                args.type === "tls:index/selfSignedCert:SelfSignedCert" ||
                args.type === "tls:index/locallySignedCert:LocallySignedCert"
            ) {
                // As the provider computes them: issued now (a fixed instant, so renders repeat), valid for validityPeriodHours.
                const validityStartTime = MOCK_ISSUE_TIME.toISOString();
                const validityEndTime = new Date(
                    MOCK_ISSUE_TIME.getTime() + Number(inputs.validityPeriodHours ?? 0) * 3600 * 1000,
                ).toISOString();
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...inputs,
                        validityStartTime,
                        validityEndTime,
                        certPem: `-----BEGIN CERTIFICATE-----\nmock-${args.name}\n-----END CERTIFICATE-----\n`,
                    },
                };
            }
            if (args.type === "tls:index/certRequest:CertRequest") {
                return {
                    id: `${args.name}-id`,
                    state: {
                        ...inputs,
                        certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nmock-${args.name}\n-----END CERTIFICATE REQUEST-----\n`,
                    },
                };
            }
            if (args.type === "aws:s3/bucket:Bucket") {
                return {
                    id: inputs.bucket,
                    state: {
                        ...inputs,
                        arn: `arn:aws:s3:::${inputs.bucket}`,
                        bucketDomainName: `${inputs.bucket}.s3.amazonaws.com`,
                    },
                };
            }
            if (args.type.startsWith("kubernetes:")) {
                const metadata = { ...(inputs.metadata ?? {}) };
                metadata.name ??= args.name;
                const status = args.type === "kubernetes:core/v1:Service" ? loadBalancerStatus(inputs) : undefined;
                const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
                return { id, state: { ...inputs, metadata, ...(status ? { status } : {}) } };
            }
            return { id: `${args.name}-id`, state: inputs };
        },
        call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
            throw new Error(`offline render: no mock for the invoke ${args.token}`);
        },
    };
}
