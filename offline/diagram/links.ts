// Every wiring in the rendered plan: addresses in container args (flags, inline endpoint configs, and
// config files mounted from ConfigMaps), Grafana datasources, object storage, and the LoadBalancer
// addresses in front of components. Each address is resolved to the component that serves it
// (in-cluster DNS in the caller's own cluster, LB addresses across clusters), with its TLS.

import * as yaml from "js-yaml";
import { Bucket, Component, Exposure, StackFacts, Tls, exposures, nodeId, selectedComponent } from "./model";

export interface Link {
    from: string;
    to: string;
    /** What flows: "StoreAPI (gRPC)", "alerts", "datasource thanos-query", "objstore (S3)". */
    kind: string;
    /** The addresses dialled, shortened (`thanos-store-{0,1}.thanos-store:10901`). */
    addresses: string[];
    tls: Tls;
}

export interface External {
    id: string;
    label: string;
}

export interface Wiring {
    links: Link[];
    exposures: Exposure[];
    externals: External[];
}

interface Target {
    address: string;
    tls: Tls;
    strict?: boolean;
}

const NOT_ADDRESSES =
    /(^|[.-])(http-address|grpc-address|address|data-dir|log\.|label|rule-file|tsdb\.|web\.|alert\.query-url|external-prefix)/;
const HOST_PORT = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([A-Za-z0-9_.-]+):([0-9]{1,5})(?:\/.*)?$/;
const isIp = (host: string) => /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);

function tlsOf(node: Record<string, any>, inherited: Tls): Tls {
    // Thanos' endpoint config (`client_config`, older `grpc_client_config`), Prometheus-style `tls_config`.
    const cfg =
        node.client_config?.tls_config ??
        node.grpc_client_config?.tls_config ??
        node.tls_config ??
        node.http_config?.tls_config;
    if (cfg && typeof cfg === "object" && cfg.enabled !== false) return cfg.cert_file || cfg.cert ? "mTLS" : "TLS";
    if (node.scheme === "https") return "TLS";
    if (node.scheme === "http") return "plaintext";
    return inherited;
}

/** Addresses inside a parsed config document (endpoint configs, file SD, alertmanager configs). */
function walk(node: unknown, inherited: Tls, out: Target[]): void {
    if (typeof node === "string") {
        const m = HOST_PORT.exec(node);
        if (m) out.push({ address: node, tls: m[1] === "https" ? "TLS" : m[1] === "http" ? "plaintext" : inherited });
        return;
    }
    if (Array.isArray(node)) {
        node.forEach((n) => walk(n, inherited, out));
        return;
    }
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, any>;
    const tls = tlsOf(obj, inherited);
    if (typeof obj.address === "string") {
        out.push({ address: obj.address, tls: tls === "unknown" ? "plaintext" : tls, strict: obj.strict === true });
    }
    for (const [key, value] of Object.entries(obj)) {
        if (key === "address" || key.endsWith("_file") || key === "tls_config" || key.endsWith("client_config"))
            continue;
        walk(value, tls, out);
    }
}

function parseDoc(text: string): unknown {
    try {
        return yaml.load(text);
    } catch {
        return undefined;
    }
}

/** The text of a file a container reads, when it is mounted from a ConfigMap of the plan. */
function mountedFile(facts: StackFacts, component: Component, file: string): { text?: string; secret?: string } {
    for (const container of component.containers) {
        for (const mount of container.volumeMounts) {
            const dir = mount.mountPath.replace(/\/$/, "");
            if (file !== dir && !file.startsWith(`${dir}/`)) continue;
            const rel = mount.subPath ?? file.slice(dir.length + 1);
            const volume = component.volumes.find((v) => v.name === mount.name);
            const source = volume?.configMap ?? volume?.secret;
            const item = (source?.items ?? []).find((i: any) => i.path === rel);
            const key = item?.key ?? rel;
            if (volume?.secret) return { secret: volume.secret.secretName };
            if (volume?.configMap) return { text: facts.configMaps.get(volume.configMap.name)?.[key] };
        }
    }
    return {};
}

function kindOf(flag: string, strict?: boolean): string {
    if (/endpoint|store/.test(flag)) return `StoreAPI (gRPC${strict ? ", strict" : ""})`;
    if (/alertmanager/.test(flag)) return "alerts";
    if (flag === "query" || flag.startsWith("query.")) return "rule queries (HTTP)";
    return flag;
}

/** Shortens in-cluster names and joins replicas: `thanos-store-{0,1}.thanos-store:10901`. */
export function shortAddresses(addresses: string[]): string[] {
    const short = addresses.map((a) =>
        a
            .replace(/^[a-z]+:\/\//, "")
            .replace(/\/.*$/, "")
            .replace(/\.[a-z0-9-]+\.svc(\.[a-z0-9.-]+)?(?=:|$)/, ""),
    );
    const groups = new Map<string, string[]>();
    for (const a of short) {
        const m = /^([a-z0-9-]+)-([0-9]+)(\..*)$/.exec(a);
        const key = m ? `${m[1]}-{}${m[3]}` : a;
        groups.set(key, [...(groups.get(key) ?? []), m ? m[2] : ""]);
    }
    const joined = [...groups.entries()].map(([key, ordinals]) =>
        key.includes("{}") ? key.replace("{}", ordinals.length > 1 ? `{${ordinals.join(",")}}` : ordinals[0]) : key,
    );
    // One address with several ports: 192.168.101.211:10901, :10911.
    const byHost = new Map<string, string[]>();
    for (const a of joined) {
        const m = /^(.*):([0-9]+)$/.exec(a);
        const host = m ? m[1] : a;
        byHost.set(host, [...(byHost.get(host) ?? []), m ? m[2] : ""]);
    }
    return [...byHost.entries()].map(([host, ports]) => (ports[0] === "" ? host : `${host}:${ports.join(", :")}`));
}

export function wire(all: StackFacts[], bucketList: Bucket[]): Wiring {
    const exposed = all.flatMap(exposures);
    const externals = new Map<string, External>();
    const links: Link[] = [];
    const add = (from: string, to: string, kind: string, address: string, tls: Tls) => {
        const same = links.find((l) => l.from === from && l.to === to && l.kind === kind && l.tls === tls);
        if (same) {
            if (!same.addresses.includes(address)) same.addresses.push(address);
        } else links.push({ from, to, kind, addresses: [address], tls });
    };

    const resolve = (facts: StackFacts, address: string): string => {
        const m = HOST_PORT.exec(address);
        if (!m) return external(address);
        const [, , host, portText] = m;
        const port = Number(portText);
        if (isIp(host)) {
            const lb = exposed.find((e) => e.address === host && e.port === port);
            return lb ? nodeId("lb", lb.address) : external(`${host}:${port}`);
        }
        const [first] = host.split(".");
        const pod = facts.components.find((c) => new RegExp(`^${c.name}-[0-9]+$`).test(first));
        if (pod) return pod.id;
        const svc = facts.services.find((s) => s.name === first);
        const selected = svc ? selectedComponent(facts.components, svc.selector) : undefined;
        if (selected) return selected.component.id;
        const named = facts.components.find((c) => c.serviceNames.includes(first));
        return named ? named.id : external(`${host}:${port}`);
    };
    const external = (label: string) => {
        const id = nodeId("ext", label);
        externals.set(id, { id, label });
        return id;
    };

    for (const facts of all) {
        const bucket = bucketList.find((b) => b.name === facts.outputs.objstore?.bucket);
        const storeTls = objstoreTls(all, facts.outputs.objstore?.endpoint);
        for (const component of facts.components) {
            for (const container of component.containers) {
                for (const arg of container.args) {
                    const m = /^--([A-Za-z0-9_.-]+)=([\s\S]*)$/.exec(arg);
                    if (!m) continue;
                    const [, flag, raw] = m;
                    const value = raw.replace(/^'(.*)'$/, "$1");
                    if (flag === "objstore.config-file" || flag === "objstore.config") {
                        if (bucket)
                            add(component.id, bucket.id, "objstore (S3)", facts.outputs.objstore.endpoint, storeTls);
                        continue;
                    }
                    const targets: Target[] = [];
                    if (/^[[{]/.test(value.trim())) walk(parseDoc(value), "unknown", targets);
                    else if (/(config-file|sd-files|-file)$/.test(flag)) {
                        const file = mountedFile(facts, component, value);
                        if (file.text !== undefined) walk(parseDoc(file.text), "unknown", targets);
                    } else if (!NOT_ADDRESSES.test(flag) && HOST_PORT.test(value) && !value.includes("0.0.0.0")) {
                        targets.push({ address: value, tls: /^https:/.test(value) ? "TLS" : "plaintext" });
                    }
                    for (const t of targets)
                        add(
                            component.id,
                            resolve(facts, t.address),
                            kindOf(flag, t.strict),
                            t.address,
                            t.tls === "unknown" ? "plaintext" : t.tls,
                        );
                }
            }
        }
        for (const values of facts.helmValues) {
            const thanos = values.prometheus?.prometheusSpec?.thanos;
            const prometheus = facts.components.find((c) => c.label === "Prometheus");
            if (thanos?.objectStorageConfig && prometheus && bucket) {
                add(prometheus.id, bucket.id, "objstore (S3), 2h blocks", facts.outputs.objstore.endpoint, storeTls);
            }
            if (prometheus) for (const a of prometheusAlerting(facts, values)) add(prometheus.id, ...a);
            const grafana = facts.components.find((c) => c.label === "Grafana");
            const sources = [
                ...(values.grafana?.additionalDataSources ?? []),
                ...(values.grafana?.datasources?.["datasources.yaml"]?.datasources ?? []),
            ];
            for (const ds of sources) {
                if (!grafana || typeof ds?.url !== "string") continue;
                add(
                    grafana.id,
                    resolve(facts, ds.url),
                    `datasource ${ds.name ?? ds.type}`,
                    ds.url,
                    ds.url.startsWith("https:") ? "TLS" : "plaintext",
                );
            }
        }
    }
    for (const link of links) link.addresses = shortAddresses(link.addresses);
    return { links, exposures: exposed, externals: [...externals.values()] };

    /** Where the chart's Prometheus sends alerts: the Alertmanager configs it is given (an edge sends to
     * the central Alertmanagers' LoadBalancer addresses) and, as the chart does, its own Alertmanager. */
    function prometheusAlerting(facts: StackFacts, values: Record<string, any>): [string, string, string, Tls][] {
        const spec = values.prometheus?.prometheusSpec ?? {};
        if (values.prometheus?.agentMode === true || spec.disableAlerting === true) return [];
        const found: [string, string, string, Tls][] = [];
        const extra = spec.additionalAlertManagerConfigs;
        const targets: Target[] = [];
        walk(typeof extra === "string" ? parseDoc(extra) : (extra ?? []), "unknown", targets);
        for (const t of targets)
            found.push([resolve(facts, t.address), "alerts", t.address, t.tls === "unknown" ? "plaintext" : t.tls]);
        // The chart writes spec.alerting for its own Alertmanager (by Service name and port name)
        // unless alertingEndpoints replaces it.
        const endpoints: Record<string, any>[] = spec.alertingEndpoints ?? [];
        const chartAlertmanager = facts.components.find((c) => c.label === "Alertmanager" && c.serviceNames.length > 0);
        const own =
            endpoints.length > 0
                ? endpoints
                : !chartAlertmanager
                  ? []
                  : [
                        {
                            name: chartAlertmanager.serviceNames[0],
                            port: values.alertmanager?.alertmanagerSpec?.portName ?? "http-web",
                            scheme: values.alertmanager?.alertmanagerSpec?.scheme,
                            tlsConfig: values.alertmanager?.alertmanagerSpec?.tlsConfig,
                        },
                    ];
        for (const e of own) {
            const target = facts.components.find((c) => c.serviceNames.includes(String(e.name)));
            const tls: Tls =
                e.tlsConfig?.cert || e.tlsConfig?.certFile ? "mTLS" : e.scheme === "https" ? "TLS" : "plaintext";
            found.push([target ? target.id : external(String(e.name)), "alerts", `${e.name}:${e.port}`, tls]);
        }
        return found;
    }
}

/** Object storage transport, from the bucket-managing provider's endpoint URL when the plan has it. */
export function objstoreTls(all: StackFacts[], endpoint: string | undefined): Tls {
    if (!endpoint) return "unknown";
    for (const facts of all) {
        for (const r of facts.resources) {
            if (r.type !== "pulumi:providers:aws") continue;
            const endpoints =
                typeof r.inputs?.endpoints === "string" ? parseDoc(r.inputs.endpoints) : r.inputs?.endpoints;
            for (const url of Object.values(((endpoints as any[]) ?? [])[0] ?? {})) {
                if (typeof url === "string" && url.replace(/^[a-z]+:\/\//, "") === endpoint)
                    return url.startsWith("https:") ? "TLS" : "plaintext";
            }
        }
    }
    return "unknown";
}

/** What a LoadBalancer address serves on each port, with the TLS the component requires there. */
export function exposureTls(facts: StackFacts[], e: Exposure): Tls {
    const stack = facts.find((f) => f.cluster.stack === e.stack)!;
    const component = stack.components.find((c) => c.id === e.component)!;
    const service = stack.services.find((s) => s.name === e.service);
    const portName = service?.ports.find((p) => p.port === e.port)?.name ?? "";
    if (component.label === "Prometheus" && portName === "grpc") {
        const tls = stack.helmValues
            .map((v) => v.prometheus?.prometheusSpec?.thanos?.grpcServerTlsConfig)
            .find(Boolean);
        return tls ? (tls.caFile || tls.ca ? "mTLS" : "TLS") : "plaintext";
    }
    const args = component.containers.flatMap((c) => c.args);
    if (portName === "grpc" && args.some((a) => a.startsWith("--grpc-server-tls-client-ca="))) return "mTLS";
    if (portName === "grpc" && args.some((a) => a.startsWith("--grpc-server-tls-cert="))) return "TLS";
    return "plaintext";
}
