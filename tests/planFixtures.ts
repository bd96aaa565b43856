// Fixtures of the check tests (offline/validate.test.ts, offline/checks/*.test.ts): the committed
// stacks' plan, rendered once per mocha worker (tests/renderedPlans.ts) and loaded once, handed to
// each test as a deep copy to break; accessors for the objects the tests break; expectFinding.

import { expect } from "chai";
import * as yaml from "js-yaml";
import { Finding, RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { committedPlan } from "./renderedPlans";

/** The committed plans as JSON text: each test parses its own copy (the tests call plans() hundreds of times). */
let pristine: string | undefined;

/** Renders (once per worker) and loads the committed plan: the `before` hook of every file that calls plans(). */
export async function loadCommittedPlans(): Promise<void> {
    pristine ??= JSON.stringify(loadPlans(await committedPlan()));
}

/** A deep copy of the committed plans to break. */
export function plans(): RenderedPlan[] {
    if (pristine === undefined) throw new Error("plans() before loadCommittedPlans: add `before(loadCommittedPlans)`");
    return JSON.parse(pristine);
}

export function plan(all: RenderedPlan[], stack: string): RenderedPlan {
    return all.find((p) => p.stack === stack)!;
}

export function manifest(p: RenderedPlan, kind: string, name: string): Record<string, any> {
    return p.manifests.find((o) => o.kind === kind && o.metadata.name === name)!;
}

export function container(p: RenderedPlan, kind: string, name: string): Record<string, any> {
    return manifest(p, kind, name).spec.template.spec.containers[0];
}

/** Where findings about Query's endpoint file point. */
export const ENDPOINTS_FIELD = "--endpoint.sd-config-file (ConfigMap thanos-query-endpoints, key endpoints.yaml)";

/** Query's endpoint file in the central plan, parsed; write it back with setEndpointFile. */
export function endpointFile(p: RenderedPlan): { endpoints: any[] } {
    return yaml.load(manifest(p, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"]) as { endpoints: any[] };
}

export function setEndpointFile(p: RenderedPlan, config: unknown): void {
    manifest(p, "ConfigMap", "thanos-query-endpoints").data["endpoints.yaml"] = yaml.dump(config);
}

/** The values of the plan's (first) Helm release, kube-prometheus-stack. */
export function values(p: RenderedPlan): Record<string, any> {
    return p.releases[0].values;
}

/** Replaces (or with undefined removes) a Thanos flag in a container's args. */
export function setFlag(c: Record<string, any>, name: string, value: string | undefined): void {
    c.args = c.args.filter((a: string) => !a.startsWith(`--${name}=`) && a !== `--${name}`);
    if (value !== undefined) c.args.push(`--${name}=${value}`);
}

/** Asserts a finding like `expected` (an error unless it says otherwise; message: a substring). */
export function expectFinding(findings: Finding[], expected: Partial<Finding> & { message?: string }): void {
    const match = findings.find(
        (f) =>
            f.severity === (expected.severity ?? "error") &&
            (expected.stack === undefined || f.stack === expected.stack) &&
            (expected.object === undefined || f.object === expected.object) &&
            (expected.field === undefined || f.field === expected.field) &&
            (expected.message === undefined || f.message.includes(expected.message)),
    );
    expect(match, `no finding like ${JSON.stringify(expected)} in ${JSON.stringify(findings, null, 1)}`).to.not.equal(
        undefined,
    );
}
