// Limits a plan meets at any number of edges, where the API server or the kernel would refuse it:
// - no container argument over 128 KiB (Linux's MAX_ARG_STRLEN: exec fails, the pod never starts);
// - no ConfigMap or Secret near 1 MiB (the API server's limit on their data);
// - Query's endpoint file names each address once (twice would double a replica's fan-out; the
//   invariants check that every edge replica is in it).

import { Finding, RenderedPlan, objectName, thanosContainers } from "./renderedPlan";
import { readDocument } from "./thanosConfigs";

/** Linux refuses to exec with any one argument (or environment string) longer than this. */
export const MAX_ARGUMENT_BYTES = 128 * 1024;
/** ConfigMap and Secret data is limited to 1 MiB; we keep a quarter of it as headroom for growth. */
export const MAX_CONFIG_OBJECT_BYTES = 768 * 1024;

function podSpecOf(o: Record<string, any>): Record<string, any> | undefined {
    return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

/** Bytes of a ConfigMap's or Secret's data, as stored (all values, keys included). */
export function configObjectBytes(o: Record<string, any>): number {
    let bytes = 0;
    for (const field of ["data", "stringData", "binaryData"]) {
        for (const [key, value] of Object.entries((o[field] ?? {}) as Record<string, unknown>)) {
            bytes +=
                Buffer.byteLength(key) + Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));
        }
    }
    return bytes;
}

export function checkScale(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    for (const object of plan.manifests) {
        const pod = podSpecOf(object);
        for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
            for (const field of ["command", "args"] as const) {
                for (const [i, arg] of ((container[field] ?? []) as unknown[]).entries()) {
                    const bytes = Buffer.byteLength(String(arg));
                    if (bytes > MAX_ARGUMENT_BYTES) {
                        add(
                            objectName(object),
                            `containers[${container.name}].${field}[${i}]`,
                            `is ${Math.ceil(bytes / 1024)} KiB, over Linux's 128 KiB per argument: the container cannot start; move it to a mounted file`,
                        );
                    }
                }
            }
        }
        if (object.kind === "ConfigMap" || object.kind === "Secret") {
            const bytes = configObjectBytes(object);
            if (bytes > MAX_CONFIG_OBJECT_BYTES) {
                add(
                    objectName(object),
                    "data",
                    `holds ${Math.ceil(bytes / 1024)} KiB, near the API server's 1 MiB limit for ${object.kind}s: split it`,
                );
            }
        }
    }
    for (const query of thanosContainers(plan).filter((t) => t.component === "query")) {
        const file = readDocument(plan, query.object, query.container, query.flags, "endpoint.sd-config");
        const endpoints = ((file?.document as { endpoints?: { address?: string }[] } | undefined)?.endpoints ?? []).map(
            (e) => e.address,
        );
        const seen = new Set<string | undefined>();
        for (const address of endpoints) {
            if (seen.has(address))
                add(
                    objectName(query.object),
                    file!.where,
                    `names ${address} more than once: Query would dial that replica twice`,
                );
            seen.add(address);
        }
    }
    return findings;
}
