// The central cluster's front door: ONE LoadBalancer Service on the central address, in front of an
// HAProxy router on every node, which routes by port to Query (9090), Grafana (3000) and each
// Alertmanager replica (9093, 9094, ...). One Service means one Cilium L2 lease for the address, so
// any node may announce it and another takes over when it fails (docs/architecture.md, "The central
// front door"). `externalTrafficPolicy: Local` keeps the client's address up to the router, which is
// what lets each port admit only its own audience; a router pod on every node gives every possible
// announcer a local backend.

import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings, alertmanagerLoadBalancerPort } from "../config";
import { parseDuration } from "../config/units";
import { EDGE_HTTP_RULES } from "./alertmanagerEdgePolicy";
import {
    FRONT_DOOR_METRICS_PORT,
    FrontDoorRoute,
    HARD_STOP_AFTER_SECONDS,
    haproxyConfig,
} from "./frontDoor/haproxyConfig";
import { IMAGES, imageReference } from "./images";
import { GRAFANA_PORT } from "./kubePrometheusStack";
import { LBIPAM_IPS_ANNOTATION } from "./lbipam";
import {
    ALERTMANAGER_OPERATED_SERVICE,
    ALERTMANAGER_PORT,
    GRAFANA_SERVICE_NAME,
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    alertmanagerPodName,
    FRONT_DOOR_NAME,
    FRONT_DOOR_POD_SELECTOR,
} from "./names";
import { CONTAINER_SECURITY_CONTEXT } from "./thanosWorkload";

export { FRONT_DOOR_METRICS_PORT } from "./frontDoor/haproxyConfig";

// In names.ts, which loads no SDK: the offline checks and the policy pack read them too.
export { FRONT_DOOR_NAME, FRONT_DOOR_POD_SELECTOR };
/** The label NetworkPolicies use to tell the router from the rest of the namespace. */
export const FRONT_DOOR_COMPONENT_LABEL = ["app.kubernetes.io/component", FRONT_DOOR_NAME] as const;
/** Query's port on the central address, as before the front door. */
export const QUERY_FRONT_DOOR_PORT = 9090;
const CONFIG_DIR = "/usr/local/etc/haproxy";
const CONFIG_KEY = "haproxy.cfg";
/** The official image runs as user haproxy (uid and gid 99). */
const HAPROXY_UID = 99;
/** How long a stopping router keeps accepting before HAProxy is told to stop. */
const PRE_STOP_WAIT_SECONDS = 5;
/** The Service annotation that makes the provider create the Service without waiting for its address (migration, docs/operations.md). */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** Alertmanager replica `replica`'s own DNS name under the operator's headless Service. */
export function alertmanagerPodHost(replica: number, clusterDomain: string): string {
    return `${alertmanagerPodName(replica)}.${ALERTMANAGER_OPERATED_SERVICE}.${MONITORING_NAMESPACE}.svc.${clusterDomain}`;
}

/**
 * What each port of the central address leads to and who may use it: operators (central.uiSourceRanges)
 * on Query and Grafana, the edges (central.alertmanager.edgeSourceRanges) on each Alertmanager replica,
 * where only EDGE_HTTP_RULES pass. Query keeps answering 9090 as its LoadBalancer did (Query itself,
 * not the query-frontend, which is Grafana's datasource).
 */
export function frontDoorRoutes(central: CentralSettings): FrontDoorRoute[] {
    const svc = (name: string) => `${name}.${MONITORING_NAMESPACE}.svc.${central.clusterDomain}`;
    return [
        {
            name: "query",
            port: QUERY_FRONT_DOOR_PORT,
            sourceRanges: central.uiSourceRanges,
            sourceKey: "central.uiSourceRanges",
            mode: "tcp",
            server: { host: svc("thanos-query"), port: QUERY_FRONT_DOOR_PORT },
            healthPath: "/-/ready",
            idleTimeout: queryIdleTimeout(central.query.timeout),
        },
        {
            name: "grafana",
            port: GRAFANA_PORT,
            sourceRanges: central.uiSourceRanges,
            sourceKey: "central.uiSourceRanges",
            mode: "tcp",
            server: { host: svc(GRAFANA_SERVICE_NAME), port: GRAFANA_PORT },
            healthPath: "/api/health",
        },
        ...Array.from({ length: central.alertmanager.replicas }, (_, replica): FrontDoorRoute => ({
            name: `alertmanager-${replica}`,
            port: alertmanagerLoadBalancerPort(replica),
            sourceRanges: central.alertmanager.edgeSourceRanges,
            sourceKey: "central.alertmanager.edgeSourceRanges",
            mode: "http",
            allowedRequests: EDGE_HTTP_RULES,
            server: { host: alertmanagerPodHost(replica, central.clusterDomain), port: ALERTMANAGER_PORT },
            healthPath: "/-/ready",
        })),
    ];
}

/**
 * Query's port passes through at TCP, and nothing crosses the connection while Query computes: the
 * router must wait longer than Query may take (central.query.timeout), at least its usual 5 minutes.
 */
export function queryIdleTimeout(queryTimeout: string): string {
    const seconds = Math.ceil((parseDuration(queryTimeout) ?? 0) / 1000) + 60;
    return `${Math.max(seconds, 300)}s`;
}

/** The rendered haproxy.cfg of the central cluster's routers. */
export function frontDoorHaproxyConfig(central: CentralSettings): string {
    return haproxyConfig(frontDoorRoutes(central), { metricsPort: FRONT_DOOR_METRICS_PORT });
}

/** Every route's ranges: a Service has one loadBalancerSourceRanges list; the router narrows each port. */
export function frontDoorSourceRanges(central: CentralSettings): string[] {
    return [...new Set(frontDoorRoutes(central).flatMap((r) => r.sourceRanges))];
}

function labels(): Record<string, string> {
    return { ...FRONT_DOOR_POD_SELECTOR, ...MANAGED_BY_LABEL };
}

export function frontDoorConfigMapSpec(config: string): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: { name: FRONT_DOOR_NAME, namespace: MONITORING_NAMESPACE, labels: labels() },
        data: { [CONFIG_KEY]: config },
    };
}

/**
 * The router, on every node: Cilium may hand the address's lease to any node (the L2 policy selects
 * them all), and with externalTrafficPolicy Local a node without a router pod drops what it receives.
 * So it tolerates every taint, and a rolling update replaces one node's pod at a time, the new one
 * ready before the old one stops. A
 * PodDisruptionBudget does not hold a DaemonSet's pods (a drain skips them; the node is going away).
 */
export function frontDoorDaemonSetSpec(settings: ClusterSettings, config: string): k8s.types.input.apps.v1.DaemonSet {
    const checksum = crypto.createHash("sha256").update(config).digest("hex");
    const ports = centralRoutes(settings);
    return {
        metadata: { name: FRONT_DOOR_NAME, namespace: MONITORING_NAMESPACE, labels: labels() },
        spec: {
            selector: { matchLabels: FRONT_DOOR_POD_SELECTOR },
            // A node's new router starts, and is ready, before its old one stops (surge: the pods claim no
            // host port, so two fit on a node): with externalTrafficPolicy Local the node holding the
            // address's lease keeps a local backend through a rollout. One node at a time.
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            // Ready is not yet serving: /healthz answers once one server is up, the others (init-addr none)
            // wait for their first DNS answer (resolvers, 1 s timeout) and check. The old pod stops later.
            minReadySeconds: 10,
            template: {
                metadata: {
                    labels: labels(),
                    // A changed config rolls the pods (one node at a time).
                    annotations: { "checksum/config": checksum },
                },
                spec: {
                    tolerations: [{ operator: "Exists" }],
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    // The preStop wait, then at most hard-stop-after of draining, and a margin.
                    terminationGracePeriodSeconds: PRE_STOP_WAIT_SECONDS + HARD_STOP_AFTER_SECONDS + 5,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: HAPROXY_UID,
                        runAsGroup: HAPROXY_UID,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: "haproxy",
                            image: imageReference(IMAGES.haproxy, settings.images),
                            // -W: master-worker; -db: stay in the foreground, logs on stdout.
                            command: ["haproxy", "-W", "-db", "-f", `${CONFIG_DIR}/${CONFIG_KEY}`],
                            ports: [
                                ...ports.map((route) => ({
                                    name: route.name,
                                    containerPort: route.port,
                                    protocol: "TCP",
                                })),
                                { name: "metrics", containerPort: FRONT_DOOR_METRICS_PORT, protocol: "TCP" },
                            ],
                            readinessProbe: {
                                httpGet: { path: "/healthz", port: "metrics" },
                                periodSeconds: 5,
                                failureThreshold: 2,
                            },
                            // Alive is listening: /healthz fails while no server is up, which a restart
                            // would not mend.
                            livenessProbe: {
                                tcpSocket: { port: "metrics" },
                                periodSeconds: 10,
                                failureThreshold: 6,
                            },
                            // Keep serving while Cilium takes the terminating pod out of the Service's
                            // backends; only then does HAProxy get the image's stop signal (SIGUSR1, a
                            // soft stop: it closes its listeners and drains). busybox sleep, in the image.
                            lifecycle: {
                                preStop: { exec: { command: ["sleep", String(PRE_STOP_WAIT_SECONDS)] } },
                            },
                            resources: {
                                requests: { cpu: "50m", memory: "64Mi" },
                                limits: { memory: "256Mi" },
                            },
                            securityContext: CONTAINER_SECURITY_CONTEXT,
                            volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
                        },
                    ],
                    volumes: [{ name: "config", configMap: { name: FRONT_DOOR_NAME } }],
                },
            },
        },
    };
}

/** The central stack's routes; the front door runs on the central cluster only. */
function centralRoutes(settings: ClusterSettings): FrontDoorRoute[] {
    if (settings.central === undefined) throw new Error("the front door runs on the central cluster only");
    return frontDoorRoutes(settings.central);
}

/**
 * The ONE LoadBalancer Service on the central address: no sharing key (nothing else holds the
 * address), so Cilium runs one L2 lease for it. `externalTrafficPolicy: Local`: the announcing node
 * hands the connection to its own router pod with the client's address intact (no SNAT), so the
 * router can tell operators from edges per port. Its source ranges are the union of the routes'.
 */
export function frontDoorServiceSpec(settings: ClusterSettings): k8s.types.input.core.v1.Service {
    const routes = centralRoutes(settings);
    return {
        metadata: {
            name: FRONT_DOOR_NAME,
            namespace: MONITORING_NAMESPACE,
            labels: labels(),
            annotations: {
                [LBIPAM_IPS_ANNOTATION]: settings.loadBalancer.ip,
                // Created without waiting for its address: while migrating from the five Services that
                // shared the address, Cilium assigns it only once Pulumi has deleted them, at the end of
                // the same update (docs/operations.md, "Migrating the central address to the front door").
                [SKIP_AWAIT_ANNOTATION]: "true",
            },
        },
        spec: {
            type: "LoadBalancer",
            selector: FRONT_DOOR_POD_SELECTOR,
            ports: routes.map((route) => ({
                name: route.name,
                protocol: "TCP",
                port: route.port,
                targetPort: route.port,
            })),
            loadBalancerSourceRanges: frontDoorSourceRanges(settings.central!),
            externalTrafficPolicy: "Local",
            // No NodePorts: they would bypass the source ranges.
            allocateLoadBalancerNodePorts: false,
        },
    };
}

export interface FrontDoorArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central stack's settings (address, ranges, images, Alertmanager replicas). */
    settings: ClusterSettings;
    /** Resources to wait for (the namespace, the IP pool and L2 policy). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The central address's router and its one LoadBalancer Service. */
export class FrontDoor extends pulumi.ComponentResource {
    /** http://<central address>:9090: Query. */
    public readonly queryUrl: string;
    /** http://<central address>:3000: Grafana. */
    public readonly grafanaUrl: string;
    /** <central address>:<port> of each Alertmanager replica, in replica order (the edges' alerting targets). */
    public readonly alertmanagerEndpoints: string[];

    constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:central:FrontDoor", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const routes = centralRoutes(args.settings);
        const config = frontDoorHaproxyConfig(args.settings.central!);
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, frontDoorConfigMapSpec(config), child);
        new k8s.apps.v1.DaemonSet(name, frontDoorDaemonSetSpec(args.settings, config), {
            ...child,
            dependsOn: [...(args.dependsOn ?? []), configMap],
        });
        new k8s.core.v1.Service(`${name}-lb`, frontDoorServiceSpec(args.settings), child);
        // The address is the pinned one (lbipam.cilium.io/ips); the Service is not awaited, so its
        // status may not carry it yet. `npm run verify` checks that it answers.
        const ip = args.settings.loadBalancer.ip;
        this.queryUrl = `http://${ip}:${QUERY_FRONT_DOOR_PORT}`;
        this.grafanaUrl = `http://${ip}:${GRAFANA_PORT}`;
        this.alertmanagerEndpoints = routes.filter((r) => r.mode === "http").map((r) => `${ip}:${r.port}`);
        this.registerOutputs({
            queryUrl: this.queryUrl,
            grafanaUrl: this.grafanaUrl,
            alertmanagerEndpoints: this.alertmanagerEndpoints,
        });
    }
}
