// What every check reads and reports: one stack's rendered plan (out/<stack>/, plus its stack file)
// and the findings about it, with the accessors the checks share.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { HelmReleasePlan } from "../plan";
import { PROJECT_ROOT } from "../projectRoot";
import { readStackFile } from "../stackFiles";

export interface Finding {
    severity: "error" | "warning";
    stack: string;
    /** kind/namespace/name, a Helm release, or "(stack)" for stack-wide findings. */
    object: string;
    field: string;
    message: string;
}

/** One stack's rendered plan, plus the stack file it came from. */
export interface RenderedPlan {
    stack: string;
    /** The stack file's `config:` map, or {} if the stack file is not found. */
    config: Record<string, unknown>;
    manifests: Record<string, any>[];
    releases: HelmReleasePlan[];
    resources: Record<string, any>[];
    outputs: Record<string, any>;
    /** Every file of the plan as text, for the secret scan. */
    files: Record<string, string>;
}

const PLAN_FILES = ["manifests.yaml", "helm-releases.yaml", "resources.json", "outputs.json"];

export function loadPlans(outDir: string, stackDir: string = PROJECT_ROOT): RenderedPlan[] {
    return fs
        .readdirSync(outDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => {
            const dir = path.join(outDir, entry.name);
            const files = Object.fromEntries(PLAN_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
            const stackFile = path.join(stackDir, `Pulumi.${entry.name}.yaml`);
            return {
                stack: entry.name,
                config: fs.existsSync(stackFile) ? readStackFile(stackFile).config : {},
                manifests: (yaml.loadAll(files["manifests.yaml"]) as Record<string, any>[]).filter(
                    (o) => o !== null && o !== undefined,
                ),
                releases: (yaml.load(files["helm-releases.yaml"]) as HelmReleasePlan[]) ?? [],
                resources: JSON.parse(files["resources.json"]),
                outputs: JSON.parse(files["outputs.json"]).outputs,
                files,
            };
        });
}

/** kind/namespace/name (kind/name for a cluster-scoped object), as findings name objects. */
export function objectName(o: Record<string, any>): string {
    return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

/** A value of the stack file's config, by key without the project prefix. */
export function setting(plan: RenderedPlan, key: string): any {
    return plan.config[`thanos-multicluster:${key}`];
}

/** The values of the plan's kube-prometheus-stack release, if it has one. */
export function kpsValues(plan: RenderedPlan): Record<string, any> | undefined {
    return plan.releases.find((r) => r.chart === "kube-prometheus-stack")?.values;
}

/** Containers of a workload object, with their object's name. */
export function workloads(
    plan: RenderedPlan,
): { object: Record<string, any>; containers: Record<string, any>[]; pod: Record<string, any> }[] {
    return plan.manifests
        .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
        .map((o) => ({
            object: o,
            pod: o.spec?.template?.spec ?? {},
            containers: o.spec?.template?.spec?.containers ?? [],
        }));
}

/** Parsed `--flag=value` args of a Thanos container: name to values (undefined for a bare flag). */
export function parseFlags(args: string[]): Map<string, (string | undefined)[]> {
    const flags = new Map<string, (string | undefined)[]>();
    for (const arg of args.slice(1)) {
        const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
        if (!match) continue;
        flags.set(match[1], [...(flags.get(match[1]) ?? []), match[2]]);
    }
    return flags;
}

/** Is this container's image Thanos'? */
export function isThanosContainer(container: Record<string, any>): boolean {
    return typeof container.image === "string" && container.image.includes("/thanos/thanos:");
}

/** Every Thanos container of the plan's workloads, with its component (`query`, `compact`, ...) and parsed flags. */
export function thanosContainers(plan: RenderedPlan) {
    return workloads(plan).flatMap(({ object, containers }) =>
        containers.filter(isThanosContainer).map((container) => ({
            object,
            container,
            component: container.args?.[0] as string,
            flags: parseFlags(container.args ?? []),
        })),
    );
}
