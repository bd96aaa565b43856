import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FRONT_DOOR_JOB } from "./alertRules/frontDoor";
import { FRONT_DOOR_NAME, FRONT_DOOR_POD_SELECTOR } from "./frontDoor";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL, PROMETHEUS_POD_SELECTOR, THANOS_JOBS } from "./names";

/** A PodMonitor as we declare it (the operator's CRD). */
export interface PodMonitorSpec {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PodMonitor";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: Record<string, unknown>;
}

function podMonitor(name: string, selector: Record<string, string>, port: string, jobLabel: string): PodMonitorSpec {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL } },
        spec: {
            selector: { matchLabels: selector },
            namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
            // The job label the alerts and dashboards expect (thanos-sidecar, thanos-query, ..., frontdoor).
            podMetricsEndpoints: [{ port, relabelings: [{ targetLabel: "job", replacement: jobLabel }] }],
        },
    };
}

/** Scrapes the central front door's routers (HAProxy's exporter on each pod's `metrics` port, /metrics). */
export function frontDoorPodMonitors(): PodMonitorSpec[] {
    return [podMonitor(FRONT_DOOR_NAME, FRONT_DOOR_POD_SELECTOR, "metrics", FRONT_DOOR_JOB)];
}

/** Scrapes the sidecars' HTTP metrics (the `http` port of the operator's thanos-sidecar container). */
export function sidecarPodMonitors(): PodMonitorSpec[] {
    return [podMonitor("thanos-sidecar", PROMETHEUS_POD_SELECTOR, "http", THANOS_JOBS.sidecar)];
}

/**
 * Scrapes every Thanos component we run, one PodMonitor per component. Mid-tier Queries (`tiers`)
 * are scraped as thanos-query too: the Query alerts and dashboards cover them.
 */
export function controlPlanePodMonitors(tiers = false): PodMonitorSpec[] {
    return (
        [
            ["query", THANOS_JOBS.query],
            ...(tiers ? ([["query-tier", THANOS_JOBS.query]] as const) : []),
            ["query-frontend", THANOS_JOBS.queryFrontend],
            ["store-gateway", THANOS_JOBS.store],
            ["compactor", THANOS_JOBS.compact],
            ["ruler", THANOS_JOBS.rule],
        ] as const
    ).map(([component, job]) =>
        podMonitor(
            `thanos-${component}`,
            { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": component, ...PART_OF_LABEL },
            "http",
            job,
        ),
    );
}

export interface ThanosPodMonitorsArgs {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** From sidecarPodMonitors or controlPlanePodMonitors. */
    monitors: PodMonitorSpec[];
    /** Resources to wait for: the kube-prometheus-stack release, which installs the CRD. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** PodMonitors that make each cluster's Prometheus scrape Thanos' own metrics, for its health alerts and dashboards. */
export class ThanosPodMonitors extends pulumi.ComponentResource {
    constructor(name: string, args: ThanosPodMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:ThanosPodMonitors", name, {}, opts);
        for (const spec of args.monitors) {
            new k8s.apiextensions.CustomResource(`${name}-${spec.metadata.name}`, spec, {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
            });
        }
        this.registerOutputs({});
    }
}
