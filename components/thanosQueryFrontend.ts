import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ImageSettings } from "../config";
import { thanosImage } from "./images";
import { parsePrometheusSize } from "../config/units";
import { MONITORING_NAMESPACE } from "./names";
import { MEMCACHED_MAX_ITEM_SIZE, MemcachedResultsCache, memcachedAddress } from "./memcached";
import { queryInClusterUrl } from "./thanosQuery";
import {
    POD_SECURITY_CONTEXT,
    oneAtATimeDisruptionBudget,
    preferSpreadAcrossNodes,
    thanosArgs,
    thanosContainer,
    thanosLabels,
    thanosSelector,
} from "./thanosWorkload";

export const QUERY_FRONTEND_COMPONENT = "query-frontend";
export const QUERY_FRONTEND_SERVICE = "thanos-query-frontend";
/** The frontend answers the Prometheus HTTP API on Query's port, so clients switch by host name only. */
export const QUERY_FRONTEND_HTTP_PORT = 9090;
/** Go runtime and in-flight (split) responses beyond the in-memory caches. */
const FRONTEND_OVERHEAD_MIB = 512;

/**
 * A results cache config document (`--query-range.response-cache-config`,
 * `--labels.response-cache-config`): Thanos' IN-MEMORY or MEMCACHED response cache. In memory,
 * each replica caches what it answered, up to `maxSize`; memcached is shared by every replica.
 */
export type ResponseCacheConfig =
    | { type: "IN-MEMORY"; config: { max_size: string } }
    | {
          type: "MEMCACHED";
          config: {
              addresses: string[];
              timeout: string;
              max_idle_connections: number;
              max_async_concurrency: number;
              max_get_multi_batch_size: number;
              max_item_size: string;
              expiration: string;
          };
      };

export function responseCacheConfig(central: CentralSettings, maxSize: string): ResponseCacheConfig {
    if (central.queryFrontend.cache === "memcached") {
        return {
            type: "MEMCACHED",
            config: {
                addresses: [memcachedAddress(central.clusterDomain)],
                timeout: "500ms",
                max_idle_connections: 100,
                max_async_concurrency: 20,
                max_get_multi_batch_size: 100,
                // memcached refuses larger items (its -I); the client must not send them.
                max_item_size: MEMCACHED_MAX_ITEM_SIZE,
                // Bounds how long a result stays cached once written (a late edge's data shows after it at worst).
                expiration: "24h",
            },
        };
    }
    return { type: "IN-MEMORY", config: { max_size: maxSize } };
}

/** The frontend's in-cluster URL: Grafana's Thanos datasource. */
export function queryFrontendInClusterUrl(clusterDomain: string): string {
    return `http://${QUERY_FRONTEND_SERVICE}.${MONITORING_NAMESPACE}.svc.${clusterDomain}:${QUERY_FRONTEND_HTTP_PORT}`;
}

export function queryFrontendArgs(central: CentralSettings): string[] {
    const { queryFrontend } = central;
    return thanosArgs("query-frontend", {
        "log.level": "info",
        "http-address": `0.0.0.0:${QUERY_FRONTEND_HTTP_PORT}`,
        "query-frontend.downstream-url": queryInClusterUrl(central.clusterDomain),
        // A 30-day range becomes 30 one-day queries, run in parallel and each cached on its own:
        // the next look at the same dashboard re-runs only the day that is still changing.
        "query-range.split-interval": queryFrontend.splitInterval,
        "query-range.max-retries-per-request": queryFrontend.maxRetries,
        "query-range.response-cache-config": JSON.stringify(
            responseCacheConfig(central, queryFrontend.resultsCacheSize),
        ),
        "query-range.partial-response": true,
        // Label names and values, and series lookups (Grafana's variables and autocompletion).
        "labels.split-interval": queryFrontend.splitInterval,
        "labels.max-retries-per-request": queryFrontend.maxRetries,
        "labels.response-cache-config": JSON.stringify(responseCacheConfig(central, queryFrontend.labelsCacheSize)),
        "labels.partial-response": true,
        "query-frontend.compress-responses": true,
        "query-frontend.log-queries-longer-than": "10s",
        // No Access-Control-Allow-Origin: *: a web page in a user's browser may not query every cluster's metrics.
        "web.disable-cors": true,
    });
}

/** Memory limit covering the in-memory caches (none with memcached) plus the process, in Mi. */
export function queryFrontendMemoryLimitMi(central: CentralSettings): number {
    const mib = (size: string) => Math.ceil((parsePrometheusSize(size) ?? 0) / 1024 ** 2);
    const caches =
        central.queryFrontend.cache === "in-memory"
            ? mib(central.queryFrontend.resultsCacheSize) + mib(central.queryFrontend.labelsCacheSize)
            : 0;
    return caches + FRONTEND_OVERHEAD_MIB;
}

export function queryFrontendDeploymentSpec(
    central: CentralSettings,
    images: ImageSettings,
): k8s.types.input.apps.v1.Deployment {
    const memoryLimitMi = queryFrontendMemoryLimitMi(central);
    return {
        metadata: {
            name: QUERY_FRONTEND_SERVICE,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_FRONTEND_COMPONENT),
        },
        spec: {
            replicas: central.queryFrontend.replicas,
            selector: { matchLabels: thanosSelector(QUERY_FRONTEND_COMPONENT) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: thanosLabels(QUERY_FRONTEND_COMPONENT) },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    affinity: preferSpreadAcrossNodes(QUERY_FRONTEND_COMPONENT),
                    automountServiceAccountToken: false,
                    containers: [
                        thanosContainer({
                            image: thanosImage(images),
                            args: queryFrontendArgs(central),
                            httpPort: QUERY_FRONTEND_HTTP_PORT,
                            volumeMounts: [],
                            resources: {
                                requests: { cpu: "100m", memory: `${Math.ceil(memoryLimitMi / 2)}Mi` },
                                limits: { memory: `${memoryLimitMi}Mi` },
                            },
                        }),
                    ],
                },
            },
        },
    };
}

export function queryFrontendServiceSpec(): k8s.types.input.core.v1.Service {
    return {
        metadata: {
            name: QUERY_FRONTEND_SERVICE,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_FRONTEND_COMPONENT),
        },
        spec: {
            selector: thanosSelector(QUERY_FRONTEND_COMPONENT),
            ports: [{ name: "http", port: QUERY_FRONTEND_HTTP_PORT, targetPort: "http", protocol: "TCP" }],
        },
    };
}

/** The frontend answers only in-namespace (Grafana); it reaches Query, whose policy admits the namespace. */
export function queryFrontendNetworkPolicy(): k8s.types.input.networking.v1.NetworkPolicy {
    return {
        metadata: {
            name: QUERY_FRONTEND_SERVICE,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_FRONTEND_COMPONENT),
        },
        spec: {
            podSelector: { matchLabels: thanosSelector(QUERY_FRONTEND_COMPONENT) },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: QUERY_FRONTEND_HTTP_PORT }] }],
        },
    };
}

export interface ThanosQueryFrontendArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central stack's settings (queryFrontend and the cluster domain). */
    central: CentralSettings;
    /** Where images come from (images.registry: the mirror). */
    images: ImageSettings;
    /** Resources to wait for: the namespace (and the PodMonitor CRD, for memcached's PodMonitor). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Thanos query-frontend in front of Query: splits range queries by day, caches the results (in
 * memory, or in a memcached it deploys), retries failed parts; Grafana queries through it.
 */
export class ThanosQueryFrontend extends pulumi.ComponentResource {
    /** In-cluster URL (Grafana's Thanos datasource). */
    public readonly inClusterUrl: string;

    constructor(name: string, args: ThanosQueryFrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosQueryFrontend", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const cache =
            args.central.queryFrontend.cache === "memcached"
                ? new MemcachedResultsCache(
                      `${name}-memcached`,
                      {
                          provider: args.provider,
                          central: args.central,
                          images: args.images,
                          clientSelector: thanosSelector(QUERY_FRONTEND_COMPONENT),
                          dependsOn: args.dependsOn,
                      },
                      { parent: this },
                  )
                : undefined;
        new k8s.apps.v1.Deployment(name, queryFrontendDeploymentSpec(args.central, args.images), {
            ...child,
            dependsOn: [...(args.dependsOn ?? []), ...(cache ? [cache] : [])],
        });
        new k8s.core.v1.Service(name, queryFrontendServiceSpec(), child);
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            oneAtATimeDisruptionBudget(QUERY_FRONTEND_SERVICE, MONITORING_NAMESPACE, QUERY_FRONTEND_COMPONENT),
            child,
        );
        new k8s.networking.v1.NetworkPolicy(name, queryFrontendNetworkPolicy(), child);
        this.inClusterUrl = queryFrontendInClusterUrl(args.central.clusterDomain);
        this.registerOutputs({ inClusterUrl: this.inClusterUrl });
    }
}
