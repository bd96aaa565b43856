import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings } from "../config";
import { parsePrometheusSize } from "../config/units";
import { MONITORING_NAMESPACE } from "./names";
import {
    headlessServiceSpec,
    OBJSTORE_CONFIG_FILE,
    oneAtATimeDisruptionBudget,
    THANOS_GRPC_PORT,
    THANOS_HTTP_PORT,
    thanosArgs,
    thanosStatefulSetSpec,
} from "./thanosWorkload";
import { thanosImage } from "./images";

export const STORE_COMPONENT = "store-gateway";
export const STORE_SERVICE = "thanos-store";
const DATA_DIR = "/var/thanos/store";
/** Go runtime, index headers and request buffers beyond the two caches. */
const STORE_OVERHEAD_MIB = 1024;

/** `--index-cache.config`: the in-memory index cache (postings and series), in place of --index-cache-size. */
export function indexCacheConfig(central: CentralSettings): { type: "IN-MEMORY"; config: { max_size: string } } {
    return { type: "IN-MEMORY", config: { max_size: central.storeGateway.indexCacheSize } };
}

/**
 * `--store.caching-bucket.config`: an in-memory cache of chunk byte ranges, object attributes and
 * meta files, so repeated queries over the same days do not fetch the same objects from MinIO.
 */
export function cachingBucketConfig(central: CentralSettings): {
    type: "IN-MEMORY";
    config: { max_size: string };
    chunk_subrange_size: number;
    blocks_iter_ttl: string;
} {
    return {
        type: "IN-MEMORY",
        config: { max_size: central.storeGateway.cachingBucketSize },
        // Thanos' defaults, stated: 16000-byte chunk subranges; the block list re-read every 5m.
        chunk_subrange_size: 16000,
        blocks_iter_ttl: "5m",
    };
}

export function storeGatewayArgs(central: CentralSettings): string[] {
    return thanosArgs("store", {
        "log.level": "info",
        "http-address": `0.0.0.0:${THANOS_HTTP_PORT}`,
        "grpc-address": `0.0.0.0:${THANOS_GRPC_PORT}`,
        "data-dir": DATA_DIR,
        "objstore.config-file": OBJSTORE_CONFIG_FILE,
        "index-cache.config": JSON.stringify(indexCacheConfig(central)),
        "store.caching-bucket.config": JSON.stringify(cachingBucketConfig(central)),
        "chunk-pool-size": central.storeGateway.chunkPoolSize,
        // Half the compactor's delete delay: blocks the compactor replaced stop being served well
        // before they are deleted, and are still there while the new ones are picked up.
        "ignore-deletion-marks-delay": central.compactor.ignoreDeletionMarksDelay,
        // Its HTTP port serves the bucket UI: without this anyone reaching it could mark blocks for deletion.
        "disable-admin-operations": true,
        // No Access-Control-Allow-Origin: * (a browser page may not read this API on a user's behalf).
        "web.disable-cors": true,
    });
}

/** Memory limit that covers the three caches plus the process itself, in Mi. */
export function storeGatewayMemoryLimitMi(central: CentralSettings): number {
    const mib = (size: string) => Math.ceil((parsePrometheusSize(size) ?? 0) / 1024 ** 2);
    const { indexCacheSize, chunkPoolSize, cachingBucketSize } = central.storeGateway;
    return mib(indexCacheSize) + mib(chunkPoolSize) + mib(cachingBucketSize) + STORE_OVERHEAD_MIB;
}

export function storeGatewayStatefulSetSpec(
    settings: ClusterSettings,
    central: CentralSettings,
): k8s.types.input.apps.v1.StatefulSet {
    const memoryLimitMi = storeGatewayMemoryLimitMi(central);
    return thanosStatefulSetSpec({
        name: STORE_SERVICE,
        component: STORE_COMPONENT,
        replicas: central.storeGateway.replicas,
        podManagementPolicy: "Parallel",
        spread: true,
        storageClass: settings.storageClass,
        storageSize: central.storeGateway.storageSize,
        dataDir: DATA_DIR,
        withObjstoreCa: settings.objectStorage.caBundle !== undefined,
        container: {
            image: thanosImage(settings.images),
            args: storeGatewayArgs(central),
            httpPort: THANOS_HTTP_PORT,
            grpcPort: THANOS_GRPC_PORT,
            resources: {
                requests: { cpu: "250m", memory: `${Math.ceil(memoryLimitMi / 2)}Mi` },
                limits: { memory: `${memoryLimitMi}Mi` },
            },
        },
    });
}

export interface ThanosStoreGatewayArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    settings: ClusterSettings;
    central: CentralSettings;
    /** Resources to wait for: the namespace and the objstore Secret (mounted by its fixed name). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Thanos Store Gateway: serves the bucket's blocks (everything older than local retention) to Query. */
export class ThanosStoreGateway extends pulumi.ComponentResource {
    /** Headless Service name: replica i is `<service>-i.<service>`. */
    public readonly serviceName = STORE_SERVICE;

    constructor(name: string, args: ThanosStoreGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosStoreGateway", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        new k8s.core.v1.Service(name, headlessServiceSpec(STORE_SERVICE, MONITORING_NAMESPACE, STORE_COMPONENT), child);
        new k8s.apps.v1.StatefulSet(name, storeGatewayStatefulSetSpec(args.settings, args.central), child);
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            oneAtATimeDisruptionBudget(STORE_SERVICE, MONITORING_NAMESPACE, STORE_COMPONENT),
            child,
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
