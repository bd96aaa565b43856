import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings } from "../config";
import { MONITORING_NAMESPACE } from "./names";
import {
    OBJSTORE_CONFIG_FILE,
    THANOS_HTTP_PORT,
    thanosArgs,
    thanosLabels,
    thanosSelector,
    thanosStatefulSetSpec,
} from "./thanosWorkload";
import { thanosImage } from "./images";

export const COMPACTOR_COMPONENT = "compactor";
export const COMPACTOR_NAME = "thanos-compactor";
const DATA_DIR = "/var/thanos/compact";

export function compactorArgs(central: CentralSettings): string[] {
    return thanosArgs("compact", {
        "log.level": "info",
        "http-address": `0.0.0.0:${THANOS_HTTP_PORT}`,
        "data-dir": DATA_DIR,
        "objstore.config-file": OBJSTORE_CONFIG_FILE,
        // Run as a service, compacting and downsampling (on by default) as blocks arrive.
        wait: true,
        "retention.resolution-raw": central.compactor.retentionRaw,
        "retention.resolution-5m": central.compactor.retention5m,
        "retention.resolution-1h": central.compactor.retention1h,
        "delete-delay": central.compactor.deleteDelay,
        "compact.concurrency": 1,
        // Its HTTP port serves the bucket UI: without this anyone reaching it could mark blocks for deletion.
        "disable-admin-operations": true,
        // No Access-Control-Allow-Origin: * (a browser page may not read this API on a user's behalf).
        "web.disable-cors": true,
    });
}

/**
 * Exactly one compactor per bucket, ever: a StatefulSet of one replica never runs a second pod
 * (it deletes the old pod before creating its replacement), and its ReadWriteOnce volume could not
 * be mounted twice anyway. Compaction does not deduplicate: Query does that at read time, and the
 * compactor's deduplication is experimental.
 */
export function compactorStatefulSetSpec(
    settings: ClusterSettings,
    central: CentralSettings,
): k8s.types.input.apps.v1.StatefulSet {
    return thanosStatefulSetSpec({
        name: COMPACTOR_NAME,
        component: COMPACTOR_COMPONENT,
        replicas: 1,
        podManagementPolicy: "OrderedReady",
        spread: false,
        storageClass: settings.storageClass,
        storageSize: central.compactor.storageSize,
        dataDir: DATA_DIR,
        withObjstoreCa: settings.objectStorage.caBundle !== undefined,
        // Let an interrupted compaction finish writing what it can before the pod dies.
        terminationGracePeriodSeconds: 120,
        container: {
            image: thanosImage(settings.images),
            args: compactorArgs(central),
            httpPort: THANOS_HTTP_PORT,
            resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
        },
    });
}

export function compactorServiceSpec(): k8s.types.input.core.v1.Service {
    return {
        metadata: { name: COMPACTOR_NAME, namespace: MONITORING_NAMESPACE, labels: thanosLabels(COMPACTOR_COMPONENT) },
        spec: {
            clusterIP: "None",
            selector: thanosSelector(COMPACTOR_COMPONENT),
            ports: [{ name: "http", port: THANOS_HTTP_PORT, targetPort: "http", protocol: "TCP" }],
        },
    };
}

export interface ThanosCompactorArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    settings: ClusterSettings;
    central: CentralSettings;
    /** Resources to wait for: the namespace and the objstore Secret (mounted by its fixed name). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Thanos Compactor: compacts, downsamples and applies retention to the bucket. A singleton. */
export class ThanosCompactor extends pulumi.ComponentResource {
    constructor(name: string, args: ThanosCompactorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosCompactor", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        new k8s.core.v1.Service(name, compactorServiceSpec(), child);
        new k8s.apps.v1.StatefulSet(name, compactorStatefulSetSpec(args.settings, args.central), child);
        this.registerOutputs({});
    }
}
