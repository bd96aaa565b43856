// Reads one rendered plan (out/<stack>/) into comparable objects, each under a stable key: the
// Kubernetes objects by kind, namespace and name, the Helm releases, the stack outputs, and the
// Pulumi resources that are neither (providers, buckets, certificates, passwords).

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const SECRET = "[secret]";

export interface PlanObject {
    /** What a reader sees: `Service monitoring/thanos-sidecar-0`, `HelmRelease monitoring/kube-prometheus-stack`. */
    key: string;
    value: unknown;
}

export interface StackPlan {
    stack: string;
    role: string | undefined;
    objects: Map<string, PlanObject>;
}

function readIfExists(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** A Secret's values never leave `[secret]`, whatever the render wrote. */
function maskSecret(obj: Record<string, any>): Record<string, any> {
    if (obj.kind !== "Secret") return obj;
    const masked = { ...obj };
    for (const field of ["data", "stringData"]) {
        if (masked[field] && typeof masked[field] === "object") {
            masked[field] = Object.fromEntries(Object.keys(masked[field]).map((k) => [k, SECRET]));
        }
    }
    return masked;
}

export function loadStackPlan(dir: string): StackPlan {
    const stack = path.basename(dir);
    const objects = new Map<string, PlanObject>();
    const add = (key: string, value: unknown) => {
        let unique = key;
        for (let n = 2; objects.has(unique); n++) unique = `${key} #${n}`;
        objects.set(unique, { key: unique, value });
    };

    const manifests = readIfExists(path.join(dir, "manifests.yaml"));
    for (const doc of manifests ? yaml.loadAll(manifests) : []) {
        if (!doc || typeof doc !== "object") continue;
        const obj = maskSecret(doc as Record<string, any>);
        const ns = obj.metadata?.namespace;
        add(`${obj.kind} ${ns ? `${ns}/` : ""}${obj.metadata?.name}`, obj);
    }
    const releases = readIfExists(path.join(dir, "helm-releases.yaml"));
    for (const release of ((releases ? yaml.load(releases) : []) ?? []) as Record<string, any>[]) {
        add(`HelmRelease ${release.namespace}/${release.name}`, release);
    }
    let role: string | undefined;
    const outputsText = readIfExists(path.join(dir, "outputs.json"));
    if (outputsText) {
        const file = JSON.parse(outputsText) as { outputs?: Record<string, unknown>; secretOutputNames?: string[] };
        const outputs = { ...(file.outputs ?? {}) };
        for (const name of file.secretOutputNames ?? []) if (name in outputs) outputs[name] = SECRET;
        role = typeof outputs.role === "string" ? outputs.role : undefined;
        add("stack outputs", outputs);
    }
    const resourcesText = readIfExists(path.join(dir, "resources.json"));
    for (const r of (resourcesText ? JSON.parse(resourcesText) : []) as Record<string, any>[]) {
        // Kubernetes objects and Helm releases are compared above, from their manifests.
        if (!r.custom || (typeof r.type === "string" && r.type.startsWith("kubernetes:"))) continue;
        add(`${r.type} ${r.name}`, r.inputs);
    }
    return { stack, role, objects };
}

/** Every stack directory under an out/ folder: edges first, then central, each group by name. */
export function stackDirs(outDir: string): string[] {
    if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) {
        throw new Error(`${outDir} is not a rendered plan folder (run \`npm run render\` to make one)`);
    }
    return fs
        .readdirSync(outDir)
        .filter(
            (d) =>
                fs.existsSync(path.join(outDir, d, "manifests.yaml")) ||
                fs.existsSync(path.join(outDir, d, "outputs.json")),
        )
        .sort();
}
