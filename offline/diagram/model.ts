// What the architecture diagram shows, read from a rendered plan (out/<stack>/) only: each cluster,
// the components running on it (our workloads and the chart's Prometheus, Alertmanager, Grafana),
// their LoadBalancer addresses, and the buckets. Generic facts only (workloads, Service selectors
// and LB annotations, chart values), so a new workload or Service shows up without a code change.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export type Tls = "mTLS" | "TLS" | "plaintext" | "unknown";

export interface Cluster {
    stack: string;
    name: string;
    role: string;
}

export interface Container {
    args: string[];
    volumeMounts: { name: string; mountPath: string; subPath?: string }[];
}

export interface Component {
    id: string;
    stack: string;
    /** The workload's name (StatefulSet pods are `<name>-<ordinal>`). */
    name: string;
    label: string;
    replicas: number;
    podLabels: Record<string, string>;
    containers: Container[];
    volumes: Record<string, any>[];
    /** Chart components: what the chart runs besides the main container (the Thanos sidecar). */
    extra?: string;
    /** Services that name this component in DNS without selecting it by our labels (chart-made). */
    serviceNames: string[];
}

export interface Service {
    stack: string;
    name: string;
    selector: Record<string, string>;
    type: string;
    address?: string;
    /** Each port, and the pod port it leads to where that is a number. */
    ports: { name?: string; port: number; targetPort?: number }[];
}

export interface Exposure {
    stack: string;
    address: string;
    port: number;
    service: string;
    component: string;
    /** The one pod a per-replica Service (or a router's route) reaches. */
    pod?: string;
    /** The router the address's Service selects, where the port leads on through it (the central front door). */
    via?: string;
}

export interface Bucket {
    id: string;
    name: string;
}

export interface StackFacts {
    cluster: Cluster;
    components: Component[];
    services: Service[];
    configMaps: Map<string, Record<string, string>>;
    helmValues: Record<string, any>[];
    outputs: Record<string, any>;
    resources: Record<string, any>[];
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);

export const nodeId = (...parts: string[]) => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

function titleOf(obj: Record<string, any>): string {
    const labels = obj.metadata?.labels ?? {};
    const base = labels["app.kubernetes.io/component"] ?? obj.metadata?.name;
    const product = labels["app.kubernetes.io/name"];
    const words = String(base)
        .split(/[-_]/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(" ");
    return product && !String(base).includes(product)
        ? `${product.charAt(0).toUpperCase()}${product.slice(1)} ${words}`
        : words;
}

/** kube-prometheus-stack's own components, from its values (names follow the chart's conventions). */
function chartComponents(
    stack: string,
    release: Record<string, any>,
): { components: Component[]; services: Service[] } {
    const values = release.values ?? {};
    const full = values.fullnameOverride ?? release.name;
    const components: Component[] = [];
    const services: Service[] = [];
    const add = (key: string, c: Omit<Component, "id" | "stack" | "containers" | "volumes">) => {
        if (values[key]?.enabled === false) return;
        components.push({ id: nodeId(stack, c.name), stack, containers: [], volumes: [], ...c });
        const svc = values[key]?.service;
        if (svc?.type === "LoadBalancer") {
            services.push({
                stack,
                name: `${release.name}-${key}`,
                selector: c.podLabels,
                type: "LoadBalancer",
                address: svc.annotations?.["lbipam.cilium.io/ips"] ?? svc.loadBalancerIP,
                ports: [{ port: Number(svc.port ?? svc.servicePort) }],
            });
        }
    };
    const prom = values.prometheus?.prometheusSpec ?? {};
    add("prometheus", {
        name: `prometheus-${full}-prometheus`,
        label: "Prometheus",
        replicas: Number(prom.replicas ?? 1),
        podLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${full}-prometheus` },
        extra: prom.thanos ? `Thanos sidecar${prom.thanos.version ? ` ${prom.thanos.version}` : ""}` : undefined,
        serviceNames: [`${full}-prometheus`, "prometheus-operated"],
    });
    const am = values.alertmanager?.alertmanagerSpec ?? {};
    add("alertmanager", {
        name: `alertmanager-${full}-alertmanager`,
        label: "Alertmanager",
        replicas: Number(am.replicas ?? 1),
        podLabels: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${full}-alertmanager` },
        serviceNames: [`${full}-alertmanager`, "alertmanager-operated"],
    });
    add("grafana", {
        name: `${release.name}-grafana`,
        label: "Grafana",
        replicas: Number(values.grafana?.replicas ?? 1),
        podLabels: { "app.kubernetes.io/name": "grafana" },
        serviceNames: [`${release.name}-grafana`],
    });
    return { components, services };
}

export function loadStackFacts(dir: string): StackFacts {
    const stack = path.basename(dir);
    const manifests = read(path.join(dir, "manifests.yaml"));
    const objects = (manifests ? yaml.loadAll(manifests) : []).filter(
        (o): o is Record<string, any> => !!o && typeof o === "object",
    );
    const outputsFile = JSON.parse(read(path.join(dir, "outputs.json")) ?? "{}");
    const outputs = (outputsFile.outputs ?? {}) as Record<string, any>;
    const releases = (yaml.load(read(path.join(dir, "helm-releases.yaml")) ?? "[]") ?? []) as Record<string, any>[];
    const resources = JSON.parse(read(path.join(dir, "resources.json")) ?? "[]") as Record<string, any>[];

    const components: Component[] = [];
    const services: Service[] = [];
    const configMaps = new Map<string, Record<string, string>>();
    for (const obj of objects) {
        if (WORKLOADS.has(obj.kind)) {
            const pod = obj.spec?.template ?? {};
            components.push({
                id: nodeId(stack, obj.metadata.name),
                stack,
                name: obj.metadata.name,
                label: titleOf(obj),
                replicas: obj.kind === "DaemonSet" ? 0 : Number(obj.spec?.replicas ?? 1),
                podLabels: pod.metadata?.labels ?? {},
                containers: (pod.spec?.containers ?? []).map((c: any) => ({
                    args: [...(c.command ?? []), ...(c.args ?? [])].map(String),
                    volumeMounts: c.volumeMounts ?? [],
                })),
                volumes: pod.spec?.volumes ?? [],
                serviceNames: [],
            });
        } else if (obj.kind === "Service") {
            services.push({
                stack,
                name: obj.metadata.name,
                selector: obj.spec?.selector ?? {},
                type: obj.spec?.type ?? "ClusterIP",
                address: obj.metadata?.annotations?.["lbipam.cilium.io/ips"] ?? obj.spec?.loadBalancerIP,
                ports: (obj.spec?.ports ?? []).map((p: any) => ({
                    name: p.name,
                    port: Number(p.port),
                    ...(typeof p.targetPort === "number" ? { targetPort: p.targetPort } : {}),
                })),
            });
        } else if (obj.kind === "ConfigMap") {
            configMaps.set(obj.metadata.name, obj.data ?? {});
        }
    }
    for (const release of releases) {
        if (release.chart !== "kube-prometheus-stack") continue;
        const chart = chartComponents(stack, release);
        components.push(...chart.components);
        services.push(...chart.services);
    }
    const cluster = { stack, name: String(outputs.clusterName ?? stack), role: String(outputs.role ?? "?") };
    return {
        cluster,
        components,
        services,
        configMaps,
        helmValues: releases.map((r) => r.values ?? {}),
        outputs,
        resources,
    };
}

/** The component a Service's selector picks: by pod name (per-replica Services) or by labels. */
export function selectedComponent(
    components: Component[],
    selector: Record<string, string>,
): { component: Component; pod?: string } | undefined {
    const podName = selector["statefulset.kubernetes.io/pod-name"];
    if (podName) {
        const component = components.find((c) =>
            new RegExp(`^${c.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9]+$`).test(podName),
        );
        return component ? { component, pod: podName } : undefined;
    }
    const keys = Object.keys(selector);
    if (keys.length === 0) return undefined;
    const component = components.find((c) => keys.every((k) => c.podLabels[k] === selector[k]));
    return component ? { component } : undefined;
}

/**
 * A TCP/HTTP router's routes, from an HAProxy config in a ConfigMap its pods mount: each bound port
 * and the `host:port` of the server its default backend names. Empty for anything else.
 */
export function haproxyRoutes(
    component: Component,
    configMaps: Map<string, Record<string, string>>,
): Map<number, string> {
    const routes = new Map<number, string>();
    for (const volume of component.volumes) {
        const data = volume.configMap?.name ? configMaps.get(volume.configMap.name) : undefined;
        for (const text of Object.values(data ?? {})) {
            if (!/^frontend /m.test(text)) continue;
            const sections = text.split(/\n(?=\S)/);
            const servers = new Map<string, string>();
            for (const section of sections) {
                const backend = /^backend (\S+)/.exec(section)?.[1];
                const server = /^\s+server \S+ (\S+)/m.exec(section)?.[1];
                if (backend && server) servers.set(backend, server);
            }
            for (const section of sections) {
                if (!section.startsWith("frontend ")) continue;
                const port = /^\s+bind \S*:(\d+)/m.exec(section)?.[1];
                const backend = /^\s+default_backend (\S+)/m.exec(section)?.[1];
                const server = backend ? servers.get(backend) : undefined;
                if (port && server) routes.set(Number(port), server);
            }
        }
    }
    return routes;
}

/** The component (and pod) an in-cluster name `<svc>.<ns>.svc...` or `<pod>.<svc>.<ns>.svc...` reaches. */
function componentByHost(facts: StackFacts, host: string): { component: Component; pod?: string } | undefined {
    const labels = host.split(":")[0].split(".");
    const svcAt = labels.indexOf("svc") - 2;
    if (svcAt < 0) return undefined;
    const serviceName = labels[svcAt];
    const pod = svcAt === 1 ? labels[0] : undefined;
    const byName = facts.components.find(
        (c) => c.serviceNames.includes(serviceName) && (pod === undefined || pod.startsWith(`${c.name}-`)),
    );
    if (byName) return { component: byName, pod };
    const service = facts.services.find((s) => s.name === serviceName);
    const selected = service ? selectedComponent(facts.components, service.selector) : undefined;
    return selected ? { component: selected.component, pod: pod ?? selected.pod } : undefined;
}

export function exposures(facts: StackFacts): Exposure[] {
    const found: Exposure[] = [];
    for (const svc of facts.services) {
        if (svc.type !== "LoadBalancer" || !svc.address) continue;
        const target = selectedComponent(facts.components, svc.selector);
        if (!target) continue;
        // Behind a router (the central front door), each port leads where the router sends it.
        const routes = haproxyRoutes(target.component, facts.configMaps);
        for (const port of svc.ports) {
            const routed =
                routes.size > 0 ? componentByHost(facts, routes.get(port.targetPort ?? port.port) ?? "") : undefined;
            const reached = routed ?? target;
            found.push({
                stack: facts.cluster.stack,
                address: svc.address,
                port: port.port,
                service: svc.name,
                component: reached.component.id,
                pod: reached.pod,
                ...(routed ? { via: target.component.name } : {}),
            });
        }
    }
    return found;
}

export function buckets(facts: StackFacts[]): Bucket[] {
    const names = new Set<string>();
    for (const f of facts) {
        if (typeof f.outputs.objstore?.bucket === "string") names.add(f.outputs.objstore.bucket);
        for (const b of Object.values(f.outputs.buckets ?? {})) if (typeof b === "string") names.add(b);
        for (const r of f.resources)
            if (r.type === "aws:s3/bucket:Bucket" && typeof r.inputs?.bucket === "string") names.add(r.inputs.bucket);
    }
    return [...names].sort().map((name) => ({ id: nodeId("bucket", name), name }));
}
