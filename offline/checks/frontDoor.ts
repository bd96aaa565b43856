// The central front door in the rendered plan: its HAProxy config passes HAProxy's own parser
// (`haproxy -c`, warnings fatal), each frontend admits exactly its port's ranges and leads where
// the Service says, and the router runs on every node. haproxy is found through HAPROXY_BIN or PATH
// (offline/binaries.ts); CI puts Debian sid's, the router image's version, first on PATH
// (.ci/tools.sh). Without it the parser check is skipped, except in CI (CI=true).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FRONT_DOOR_NAME } from "../../components/names";
import { findBinary } from "../binaries";
import { runTool } from "../toolRun";
import { Finding, RenderedPlan, objectName, setting } from "./renderedPlan";

export function haproxyPath(): string | undefined {
    return findBinary("haproxy");
}

/** HAProxy's version ("HAProxy version 3.2.26-1 ..."), as major.minor.patch. */
export function haproxyVersion(file = haproxyPath()): string | undefined {
    if (file === undefined) return undefined;
    try {
        // Kept by the binary's identity (offline/toolRun.ts): validate and each test worker ask.
        const run = runTool(file, ["-v"], { inputs: [], timeoutMs: 30_000 });
        return /version (\d+\.\d+\.\d+)/.exec(`${run.stdout}${run.stderr}`)?.[1];
    } catch {
        return undefined;
    }
}

export interface HaproxyCheck {
    ok: boolean;
    /** What haproxy printed. */
    output: string;
}

/** `haproxy -dW -c -f <config>`: the config as HAProxy parses it at start, any warning fatal. */
export function haproxyCheckConfig(config: string): HaproxyCheck {
    const file = haproxyPath();
    if (file === undefined) throw new Error("haproxy not found: set HAPROXY_BIN or put it on PATH (.ci/tools.sh)");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-check-"));
    try {
        const cfg = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(cfg, config);
        // The files it reads (the config; parse-resolv-conf reads the resolver's): the answer is kept
        // by their content (offline/toolRun.ts).
        const run = runTool(file, ["-dW", "-c", "-f", cfg], { inputs: [cfg, "/etc/resolv.conf"], timeoutMs: 30_000 });
        return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Each frontend of a config: its bind port and the ranges of its `acl allowed_source src ...`. */
export function frontendSources(config: string): Map<string, { port: number; sources: string[] }> {
    const frontends = new Map<string, { port: number; sources: string[] }>();
    let current: string | undefined;
    for (const line of config.split("\n")) {
        const section = /^(\S+)\s+(\S+)/.exec(line);
        if (section !== null) current = section[1] === "frontend" ? section[2] : undefined;
        if (current === undefined) continue;
        const bind = /^\s+bind\s+\S*:(\d+)/.exec(line);
        const acl = /^\s+acl allowed_source src (.+)$/.exec(line);
        const entry = frontends.get(current) ?? { port: 0, sources: [] };
        if (bind !== null) entry.port = Number(bind[1]);
        if (acl !== null) entry.sources = acl[1].trim().split(/\s+/);
        frontends.set(current, entry);
    }
    return frontends;
}

export function checkFrontDoor(plan: RenderedPlan): Finding[] {
    if (plan.outputs.role !== "central") return [];
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string, severity: "error" | "warning" = "error") =>
        findings.push({ severity, stack: plan.stack, object, field, message });
    const configMap = plan.manifests.find((o) => o.kind === "ConfigMap" && o.metadata?.name === FRONT_DOOR_NAME);
    const config: string | undefined = configMap?.data?.["haproxy.cfg"];
    const object = `ConfigMap/monitoring/${FRONT_DOOR_NAME}`;
    if (config === undefined) {
        add(object, "data.haproxy.cfg", "is missing: the front door's routers have no config");
        return findings;
    }
    if (haproxyPath() === undefined) {
        if (process.env.CI === "true")
            add(object, "data.haproxy.cfg", "haproxy is missing: .ci/run must install it (bash .ci/tools.sh)");
    } else {
        const run = haproxyCheckConfig(config);
        if (!run.ok) add(object, "data.haproxy.cfg", `haproxy -c refuses it: ${run.output}`);
    }
    // Each port of the Service has its frontend, which admits exactly that port's audience.
    const central = setting(plan, "central") ?? {};
    const frontends = frontendSources(config);
    const service = plan.manifests.find(
        (o) => o.kind === "Service" && o.metadata?.name === FRONT_DOOR_NAME && o.spec?.type === "LoadBalancer",
    );
    for (const port of service?.spec?.ports ?? []) {
        const [key, expected]: [string, string[]] = String(port.name).startsWith("alertmanager-")
            ? ["central.alertmanager.edgeSourceRanges", central.alertmanager?.edgeSourceRanges ?? []]
            : ["central.uiSourceRanges", central.uiSourceRanges ?? []];
        const frontend = [...frontends.entries()].find(([, f]) => f.port === Number(port.targetPort));
        if (frontend === undefined) {
            add(object, "data.haproxy.cfg", `no frontend binds port ${port.targetPort} (${port.name})`);
            continue;
        }
        const [name, { sources }] = frontend;
        if ([...sources].sort().join(" ") !== [...expected].sort().join(" "))
            add(
                object,
                "data.haproxy.cfg",
                `frontend ${name} admits [${sources.join(", ")}], not ${key} [${expected.join(", ")}]`,
            );
    }
    // A router on every node the lease may land on: nothing may keep it off a node.
    const router = plan.manifests.find((o) => o.kind === "DaemonSet" && o.metadata?.name === FRONT_DOOR_NAME);
    const pod = router?.spec?.template?.spec ?? {};
    if (router === undefined) add(`DaemonSet/monitoring/${FRONT_DOOR_NAME}`, "", "is missing");
    else {
        if (!(pod.tolerations ?? []).some((t: Record<string, any>) => t.operator === "Exists" && t.key === undefined))
            add(
                objectName(router),
                "spec.template.spec.tolerations",
                "must tolerate every taint: a node Cilium may announce from without a router drops the traffic (externalTrafficPolicy Local)",
            );
        if (pod.nodeSelector !== undefined || pod.affinity?.nodeAffinity !== undefined)
            add(
                objectName(router),
                "spec.template.spec",
                "selects nodes: the L2 policy announces from any node, so the router must run on all of them",
            );
    }
    return findings;
}
