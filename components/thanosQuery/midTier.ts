// The objects of one mid-tier Query group (tiers.ts decides who reads what): its endpoint file, a
// Deployment of two replicas spread across nodes, a disruption budget and a ClusterIP Service the
// top Query dials as one HA group.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ImageSettings } from "../../config";
import { thanosImage } from "../images";
import { MONITORING_NAMESPACE, QUERY_ENDPOINTS_KEY } from "../names";
import {
    POD_SECURITY_CONTEXT,
    THANOS_GRPC_PORT,
    THANOS_HTTP_PORT,
    thanosArgs,
    thanosContainer,
    thanosLabels,
    thanosSelector,
    preferSpreadPodsAcrossNodes,
} from "../thanosWorkload";
import { queryTlsVolume } from "./tls";
import { QUERY_TIER_COMPONENT, QUERY_TIER_LABEL } from "./tiers";

/** Replicas of every mid-tier group: a pair, so one can restart while the other answers. */
export const QUERY_TIER_REPLICAS = 2;
const ENDPOINTS_DIR = "/etc/thanos/endpoints";

export function queryTierEndpointsConfigMap(name: string): string {
    return `${name}-endpoints`;
}

/** The group's own selector: the mid-tier component and its name. */
export function queryTierSelector(name: string): Record<string, string> {
    return { ...thanosSelector(QUERY_TIER_COMPONENT), [QUERY_TIER_LABEL]: name };
}

function queryTierLabels(name: string): Record<string, string> {
    return { ...thanosLabels(QUERY_TIER_COMPONENT), [QUERY_TIER_LABEL]: name };
}

/**
 * A mid-tier Query's flags. No `--query.replica-label`: deduplication happens at the top, which
 * sends its replica labels with each Series request and the mid tier's proxy passes them through
 * (pkg/store/proxy.go); a mid tier removes no label the top needs. Its store response timeout is
 * below the top's, so it drops a silent edge from a partial answer before the top gives up on it.
 */
export function queryTierArgs(central: CentralSettings): string[] {
    return thanosArgs("query", {
        "log.level": "info",
        "http-address": `0.0.0.0:${THANOS_HTTP_PORT}`,
        "grpc-address": `0.0.0.0:${THANOS_GRPC_PORT}`,
        "endpoint.sd-config-file": `${ENDPOINTS_DIR}/${QUERY_ENDPOINTS_KEY}`,
        "endpoint.sd-config-reload-interval": "30s",
        "query.partial-response": true,
        "query.timeout": central.query.timeout,
        "store.response-timeout": central.query.tierStoreResponseTimeout,
        "store.limits.request-series": central.query.requestSeriesLimit,
        "store.limits.request-samples": central.query.requestSamplesLimit,
        "web.disable-cors": true,
    });
}

export function queryTierConfigMapSpec(
    name: string,
    endpointFile: pulumi.Input<string>,
): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: {
            name: queryTierEndpointsConfigMap(name),
            namespace: MONITORING_NAMESPACE,
            labels: queryTierLabels(name),
        },
        data: { [QUERY_ENDPOINTS_KEY]: endpointFile },
    };
}

/**
 * The group's Deployment. It mounts only its own edges' CAs, and its pod template carries their
 * checksum (edgeTlsChecksum of its edges): one edge's new CA rolls this group and no other Query.
 * The endpoint file is re-read in place (a new edge in the last group rolls nothing).
 */
export function queryTierDeploymentSpec(
    name: string,
    stacks: string[],
    central: CentralSettings,
    tlsChecksum: pulumi.Input<string>,
    images: ImageSettings,
): k8s.types.input.apps.v1.Deployment {
    const tls = queryTlsVolume(stacks);
    const selector = queryTierSelector(name);
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: queryTierLabels(name) },
        spec: {
            replicas: QUERY_TIER_REPLICAS,
            selector: { matchLabels: selector },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: queryTierLabels(name), annotations: { "checksum/edge-tls": tlsChecksum } },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    affinity: preferSpreadPodsAcrossNodes(selector),
                    automountServiceAccountToken: false,
                    volumes: [
                        { name: "endpoints", configMap: { name: queryTierEndpointsConfigMap(name) } },
                        tls.volume,
                    ],
                    containers: [
                        thanosContainer({
                            image: thanosImage(images),
                            args: queryTierArgs(central),
                            httpPort: THANOS_HTTP_PORT,
                            grpcPort: THANOS_GRPC_PORT,
                            volumeMounts: [{ name: "endpoints", mountPath: ENDPOINTS_DIR, readOnly: true }, tls.mount],
                            resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "2Gi" } },
                        }),
                    ],
                },
            },
        },
    };
}

/** The address the top Query dials (queryTierAddress): gRPC only. */
export function queryTierServiceSpec(name: string): k8s.types.input.core.v1.Service {
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: queryTierLabels(name) },
        spec: {
            selector: queryTierSelector(name),
            ports: [{ name: "grpc", port: THANOS_GRPC_PORT, targetPort: "grpc", protocol: "TCP" }],
        },
    };
}

/** One replica of the pair down at a time (drains, upgrades). */
export function queryTierDisruptionBudget(name: string): k8s.types.input.policy.v1.PodDisruptionBudget {
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: queryTierLabels(name) },
        spec: { maxUnavailable: 1, selector: { matchLabels: queryTierSelector(name) } },
    };
}
