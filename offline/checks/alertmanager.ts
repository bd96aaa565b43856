// The alert path in the rendered plan: the central Alertmanager config passes Alertmanager's own
// parser (`amtool check-config`), and every edge's Prometheus sends to every replica the central
// stack exposes. amtool is found through AMTOOL_BIN or PATH (offline/binaries.ts); CI puts Debian
// sid's amtool 0.3x first on PATH (.ci/tools.sh). Without amtool the parser check is skipped, except
// in CI (CI=true).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { atLeast, binaryVersion, findBinary, Version } from "../binaries";
import { FRONT_DOOR_NAME } from "../../components/names";
import { matchesLabels, peersForPort } from "./network";
import { Finding, RenderedPlan } from "./renderedPlan";
import { runTool } from "../toolRun";

/** The first Alertmanager release that parses the webhook's `url_file` (notify/webhook/config.go). */
export const URL_FILE_SINCE: Version = [0, 26, 0];

export function amtoolPath(): string | undefined {
    return findBinary("amtool");
}

export function amtoolAvailable(): boolean {
    return amtoolPath() !== undefined;
}

/** The version of the amtool the checks run (undefined without one, or when it reports none). */
export function amtoolVersion(): Version | undefined {
    const file = amtoolPath();
    return file === undefined ? undefined : binaryVersion(file);
}

/**
 * Whether this amtool parses the config as the chart's Alertmanager (0.34) does. An amtool older
 * than 0.26 (Debian bookworm's 0.25) cannot parse `url_file`: it gets a compatible copy instead.
 */
export function amtoolParsesRealConfig(version: Version | undefined = amtoolVersion()): boolean {
    return version !== undefined && atLeast(version, URL_FILE_SINCE);
}

/**
 * A compatibility shim, used only for an amtool older than 0.26: each webhook `url_file` becomes a
 * `url` of a reserved domain. A current amtool checks the config exactly as rendered.
 */
export function amtoolCompatibleConfig(config: Record<string, any>): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(config)) as Record<string, any>;
    for (const receiver of copy.receivers ?? []) {
        for (const webhook of receiver.webhook_configs ?? []) {
            if (webhook.url_file !== undefined) {
                delete webhook.url_file;
                webhook.url = "https://url-file.invalid/";
            }
        }
    }
    return copy;
}

export interface AmtoolRun {
    status: number | null;
    /** stdout and stderr. */
    output: string;
    stdout: string;
}

/** amtool on `configFile`, the one file it reads (the answer is kept by its content: offline/toolRun.ts). */
function amtool(args: string[], configFile: string): AmtoolRun {
    const file = amtoolPath();
    if (file === undefined) throw new Error("amtool not found: set AMTOOL_BIN or put it on PATH");
    const run = runTool(file, args, { inputs: [configFile], timeoutMs: 30_000 });
    return { status: run.status, output: `${run.stdout}${run.stderr}`, stdout: run.stdout };
}

/** What the check says when the amtool here is too old for the real config. */
export function shimNotice(version: Version | undefined): string {
    return `amtool ${version?.join(".") ?? "(unknown version)"} predates url_file (Alertmanager 0.26): it checked a copy with each webhook url_file replaced by a url, not the config as rendered (bash .ci/tools.sh installs amtool 0.3x)`;
}

/**
 * Writes the config to a temporary file and runs `fn` on its path: the config as rendered, or,
 * for an amtool older than 0.26 only, its compatible copy.
 */
export function withConfigFile<T>(config: Record<string, any>, fn: (file: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-config-"));
    try {
        const file = path.join(dir, "alertmanager.yaml");
        const written = amtoolParsesRealConfig() ? config : amtoolCompatibleConfig(config);
        fs.writeFileSync(file, yaml.dump(written, { lineWidth: -1 }));
        return fn(file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `amtool check-config` on the config; with an amtool older than 0.26 the output says it checked the shim. */
export function amtoolCheckConfig(config: Record<string, any>): AmtoolRun {
    const run = withConfigFile(config, (file) => amtool(["check-config", file], file));
    return amtoolParsesRealConfig() ? run : { ...run, output: `${shimNotice(amtoolVersion())}\n${run.output}` };
}

/** The receivers `amtool config routes test` picks for an alert with these labels. */
export function routeReceivers(configFile: string, labels: Record<string, string>): string[] {
    const run = amtool(
        [
            "config",
            "routes",
            "test",
            `--config.file=${configFile}`,
            ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
        ],
        configFile,
    );
    if (run.status !== 0) throw new Error(`amtool config routes test failed: ${run.output}`);
    // stdout is the receivers' names, comma-separated (stderr carries amtool's notices).
    return run.stdout
        .trim()
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== "");
}

function centralAlertmanagerConfig(plan: RenderedPlan): Record<string, any> | undefined {
    const release = plan.releases.find((r) => r.chart === "kube-prometheus-stack");
    return (release?.values as any)?.alertmanager?.config;
}

/** The central Alertmanager config under amtool (skipped without amtool, except in CI). */
export function checkAlertmanagerConfig(plan: RenderedPlan): Finding[] {
    if (plan.outputs.role !== "central") return [];
    const config = centralAlertmanagerConfig(plan);
    const object = "HelmRelease/kube-prometheus-stack";
    if (config === undefined)
        return [
            {
                severity: "error",
                stack: plan.stack,
                object,
                field: "alertmanager.config",
                message:
                    'the central Alertmanager has no config of ours: the chart\'s default routes every alert to the receiver "null"',
            },
        ];
    if (!amtoolAvailable()) {
        if (process.env.CI === "true")
            return [
                {
                    severity: "error",
                    stack: plan.stack,
                    object,
                    field: "alertmanager.config",
                    message: "amtool is missing: .ci/run must install it (bash .ci/tools.sh)",
                },
            ];
        return [];
    }
    const findings: Finding[] = [];
    const version = amtoolVersion();
    if (!amtoolParsesRealConfig(version))
        findings.push({
            severity: process.env.CI === "true" ? "error" : "warning",
            stack: plan.stack,
            object,
            field: "alertmanager.config",
            message: shimNotice(version),
        });
    const run = amtoolCheckConfig(config);
    if (run.status !== 0)
        findings.push({
            severity: "error",
            stack: plan.stack,
            object,
            field: "alertmanager.config",
            message: `amtool check-config fails: ${run.output.trim()}`,
        });
    return findings;
}

/**
 * Every edge's Prometheus sends to exactly the central Alertmanager replicas the central stack
 * exposes (its `alertmanager-edge-*` LoadBalancer Services on the pinned address).
 */
export function checkAlertPath(plans: RenderedPlan[]): Finding[] {
    const central = plans.find((p) => p.outputs.role === "central");
    if (central === undefined) return [];
    const ip = (central.config["thanos-multicluster:loadBalancer"] as any)?.ip;
    // Each replica is one port of the central front door's Service (components/frontDoor.ts).
    const exposed = central.manifests
        .filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer" && o.metadata?.name === FRONT_DOOR_NAME)
        .flatMap((o) =>
            (o.spec.ports ?? [])
                .filter((p: any) => String(p.name).startsWith("alertmanager-"))
                .map((p: any) => `${ip}:${p.port}`),
        )
        .sort();
    const findings: Finding[] = [];
    for (const edge of plans.filter((p) => p.outputs.role === "edge")) {
        const release = edge.releases.find((r) => r.chart === "kube-prometheus-stack");
        const configs: any[] =
            (release?.values as any)?.prometheus?.prometheusSpec?.additionalAlertManagerConfigs ?? [];
        const targets = configs.flatMap((c) => (c.static_configs ?? []).flatMap((s: any) => s.targets ?? [])).sort();
        if (JSON.stringify(targets) !== JSON.stringify(exposed)) {
            findings.push({
                severity: "error",
                stack: edge.stack,
                object: "HelmRelease/kube-prometheus-stack",
                field: "prometheus.prometheusSpec.additionalAlertManagerConfigs",
                message: `sends alerts to [${targets.join(", ")}], but the central stack ${central.stack} exposes its Alertmanager replicas at [${exposed.join(", ")}]: every replica must receive every alert`,
            });
        }
    }
    return findings;
}

/**
 * The central Alertmanager's API is reachable from outside the cluster only by the edges, through
 * the front door: no Service of its own on a LoadBalancer, the front door's Service with no NodePort,
 * and the NetworkPolicy on its pods admits no address (the front door's routers come in at L7
 * through the CiliumNetworkPolicy alertmanager-edge-api, which alertmanagerIngress.ts checks).
 */
export function checkAlertmanagerNetwork(plan: RenderedPlan): Finding[] {
    if (plan.outputs.role !== "central") return [];
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    for (const service of plan.manifests.filter(
        (o) =>
            o.kind === "Service" &&
            ["LoadBalancer", "NodePort"].includes(o.spec?.type) &&
            (String(o.spec?.selector?.["statefulset.kubernetes.io/pod-name"] ?? "").startsWith("alertmanager-") ||
                o.spec?.selector?.["app.kubernetes.io/name"] === "alertmanager"),
    ))
        add(
            `Service/${service.metadata.namespace}/${service.metadata.name}`,
            "spec.type",
            "exposes Alertmanager outside the cluster directly: the edges reach it through the front door, which admits their ranges and their one request",
        );
    for (const service of plan.manifests.filter(
        (o) => o.kind === "Service" && o.spec?.type === "LoadBalancer" && o.metadata?.name === FRONT_DOOR_NAME,
    ))
        if (service.spec.allocateLoadBalancerNodePorts !== false)
            add(
                `Service/${service.metadata.namespace}/${service.metadata.name}`,
                "spec.allocateLoadBalancerNodePorts",
                "must be false: a NodePort bypasses the source ranges",
            );
    const onPods = plan.manifests.filter(
        (o) =>
            o.kind === "NetworkPolicy" &&
            matchesLabels(o.spec?.podSelector?.matchLabels, {
                "app.kubernetes.io/name": "alertmanager",
                alertmanager: "kps-alertmanager",
            }),
    );
    const peers = onPods.length === 0 ? undefined : peersForPort(onPods, 9093);
    if (peers === undefined) {
        add(
            "NetworkPolicy (Alertmanager pods)",
            "spec.ingress",
            "Alertmanager's API (9093) is open to any source: admit only the namespace (the front door's routers come in at L7)",
        );
    } else {
        for (const peer of peers) {
            if (peer.ipBlock !== undefined)
                add(
                    "NetworkPolicy (Alertmanager pods)",
                    "spec.ingress.from.ipBlock",
                    `${peer.ipBlock.cidr} may reach Alertmanager directly: the edges come through the front door (central.alertmanager.edgeSourceRanges on its ports)`,
                );
            if (peer.namespaceSelector !== undefined)
                add(
                    "NetworkPolicy (Alertmanager pods)",
                    "spec.ingress.from.namespaceSelector",
                    "other namespaces may reach Alertmanager",
                );
        }
    }
    return findings;
}
