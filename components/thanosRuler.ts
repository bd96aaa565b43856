import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings } from "../config";
import { globalRuleGroups, ruleFile, withoutAlerts } from "./alertRules";
import { BLOCK_DURATION } from "../config/settings";
import { ALERTMANAGER_PORT, MONITORING_NAMESPACE, alertmanagerPodName } from "./names";
import { QUERY_HTTP_PORT, RULER_REPLICA_LABEL, queryInClusterUrl } from "./thanosQuery";
import {
    headlessServiceSpec,
    OBJSTORE_CONFIG_FILE,
    oneAtATimeDisruptionBudget,
    THANOS_GRPC_PORT,
    THANOS_HTTP_PORT,
    thanosArgs,
    thanosLabels,
    thanosStatefulSetSpec,
} from "./thanosWorkload";
import { thanosImage } from "./images";

export const RULER_COMPONENT = "ruler";
export const RULER_SERVICE = "thanos-ruler";
/** The Ruler's identifying external label; its replica label is RULER_REPLICA_LABEL. */
export const RULER_IDENTITY_LABEL = "ruler_cluster";
export const RULES_CONFIGMAP = "thanos-ruler-rules";
const RULES_DIR = "/etc/thanos/rules";
const DATA_DIR = "/var/thanos/rule";
/** The operator's governing Service of the Alertmanager StatefulSet, and Alertmanager's port. */
const ALERTMANAGER_GOVERNING_SERVICE = "alertmanager-operated";

/** The Ruler's rule file: the watchdog and the cross-cluster alerts, less those the stack's config disabled. */
export function rulerRuleFile(settings: ClusterSettings, clusters: string[]): string {
    const alerting = settings.prometheus.alerting;
    return ruleFile(
        withoutAlerts(globalRuleGroups({ baseUrl: alerting.runbookBaseUrl }, clusters), alerting.disabledAlerts),
    );
}

export function rulerArgs(settings: ClusterSettings, central: CentralSettings): string[] {
    const domain = central.clusterDomain;
    return thanosArgs("rule", {
        "log.level": "info",
        "http-address": `0.0.0.0:${THANOS_HTTP_PORT}`,
        "grpc-address": `0.0.0.0:${THANOS_GRPC_PORT}`,
        "data-dir": DATA_DIR,
        "objstore.config-file": OBJSTORE_CONFIG_FILE,
        // Identity of the Ruler's series and blocks, and the per-replica label Query deduplicates
        // and Alertmanager must not see (or it would get each alert once per replica).
        label: [`${RULER_IDENTITY_LABEL}="${settings.clusterName}"`, `${RULER_REPLICA_LABEL}="$(POD_NAME)"`],
        "alert.label-drop": [RULER_REPLICA_LABEL],
        query: [queryInClusterUrl(domain).replace(/^http:\/\//, "")],
        "alertmanagers.url": Array.from(
            { length: central.alertmanager.replicas },
            (_, i) =>
                `http://${alertmanagerPodName(i)}.${ALERTMANAGER_GOVERNING_SERVICE}.${MONITORING_NAMESPACE}.svc.${domain}:${ALERTMANAGER_PORT}`,
        ),
        "alert.query-url": `http://${settings.loadBalancer.ip}:${QUERY_HTTP_PORT}`,
        "rule-file": [`${RULES_DIR}/*.yaml`],
        "eval-interval": central.ruler.evaluationInterval,
        "tsdb.block-duration": BLOCK_DURATION,
        "tsdb.retention": central.ruler.retention,
        // No Access-Control-Allow-Origin: * (a browser page may not read this API on a user's behalf).
        "web.disable-cors": true,
    });
}

/** Hash of the rule file, as the pod template's annotation. */
export function rulesChecksum(rules: string): string {
    return crypto.createHash("sha256").update(rules).digest("hex");
}

export function rulesConfigMapSpec(rules: pulumi.Input<string>): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: { name: RULES_CONFIGMAP, namespace: MONITORING_NAMESPACE, labels: thanosLabels(RULER_COMPONENT) },
        data: { "thanos-multicluster.yaml": rules },
    };
}

export function rulerStatefulSetSpec(
    settings: ClusterSettings,
    central: CentralSettings,
    rulesHash: pulumi.Input<string>,
): k8s.types.input.apps.v1.StatefulSet {
    return thanosStatefulSetSpec({
        name: RULER_SERVICE,
        component: RULER_COMPONENT,
        replicas: central.ruler.replicas,
        podManagementPolicy: "Parallel",
        spread: true,
        storageClass: settings.storageClass,
        storageSize: central.ruler.storageSize,
        dataDir: DATA_DIR,
        withObjstoreCa: settings.objectStorage.caBundle !== undefined,
        volumes: [{ name: "rules", configMap: { name: RULES_CONFIGMAP } }],
        // The Ruler reads rule files only at start (or on SIGHUP): a change must roll it.
        podAnnotations: { "checksum/rules": rulesHash },
        container: {
            image: thanosImage(settings.images),
            args: rulerArgs(settings, central),
            httpPort: THANOS_HTTP_PORT,
            grpcPort: THANOS_GRPC_PORT,
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            volumeMounts: [{ name: "rules", mountPath: RULES_DIR, readOnly: true }],
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        },
    });
}

export interface ThanosRulerArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    settings: ClusterSettings;
    central: CentralSettings;
    /** Every cluster Query should hold, for the missing-cluster alerts. */
    clusters: pulumi.Input<string[]>;
    /** Resources to wait for: the namespace, the objstore Secret, Alertmanager. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Thanos Ruler: global alerting and recording rules, evaluated through Query, alerts to every Alertmanager replica. */
export class ThanosRuler extends pulumi.ComponentResource {
    /** Headless Service name: replica i is `<service>-i.<service>`. */
    public readonly serviceName = RULER_SERVICE;

    constructor(name: string, args: ThanosRulerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosRuler", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const rules = pulumi.output(args.clusters).apply((clusters) => rulerRuleFile(args.settings, clusters));
        new k8s.core.v1.ConfigMap(name, rulesConfigMapSpec(rules), child);
        new k8s.core.v1.Service(name, headlessServiceSpec(RULER_SERVICE, MONITORING_NAMESPACE, RULER_COMPONENT), child);
        new k8s.apps.v1.StatefulSet(
            name,
            rulerStatefulSetSpec(args.settings, args.central, rules.apply(rulesChecksum)),
            child,
        );
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            oneAtATimeDisruptionBudget(RULER_SERVICE, MONITORING_NAMESPACE, RULER_COMPONENT),
            child,
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
