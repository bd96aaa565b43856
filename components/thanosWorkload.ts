// Pure building blocks shared by the Thanos components: flags, the container, the pod's security
// settings and the Services. Each component composes them into its own workload spec.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { THANOS_VERSION } from "./images";
import {
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    OBJSTORE_CA,
    OBJSTORE_SECRET,
    PART_OF_LABEL,
    objstoreSecretName,
} from "./names";
import { ThanosComponentName, ThanosFlagName } from "./thanosFlags";

export type FlagValue = string | number | boolean | string[];

/** Thanos' ports, the same in every component we run (Query's HTTP port is the exception: 9090). */
export const THANOS_HTTP_PORT = 10902;
export const THANOS_GRPC_PORT = 10901;

/**
 * `thanos <component> --flag=value ...`, from flags of the typed table (a misspelt flag fails to
 * compile). A list repeats its flag once per value; true is `--flag`,
 * false `--no-flag` (kingpin's negation); undefined leaves the flag out.
 */
export function thanosArgs<C extends ThanosComponentName>(
    component: C,
    flags: { [K in ThanosFlagName<C>]?: FlagValue },
): string[] {
    const args: string[] = [component];
    for (const [name, value] of Object.entries(flags) as [string, FlagValue | undefined][]) {
        if (value === undefined) continue;
        if (Array.isArray(value)) {
            for (const item of value) args.push(`--${name}=${item}`);
        } else if (typeof value === "boolean") {
            args.push(value ? `--${name}` : `--no-${name}`);
        } else {
            args.push(`--${name}=${value}`);
        }
    }
    return args;
}

/** Labels of one Thanos component's pods and objects; the first two are its selector. */
export function thanosLabels(component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "thanos",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/version": THANOS_VERSION,
        ...PART_OF_LABEL,
        ...MANAGED_BY_LABEL,
    };
}

export function thanosSelector(component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": component, ...PART_OF_LABEL };
}

/** The restricted Pod Security profile, as the pod and its containers must state it. */
export const POD_SECURITY_CONTEXT: k8s.types.input.core.v1.PodSecurityContext = {
    runAsNonRoot: true,
    // The Thanos image runs as nobody; fsGroup lets it write its data volume.
    runAsUser: 65534,
    runAsGroup: 65534,
    fsGroup: 65534,
    seccompProfile: { type: "RuntimeDefault" },
};

export const CONTAINER_SECURITY_CONTEXT: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

export interface ThanosContainerOptions {
    /** The Thanos image reference, from upstream or the mirror (`thanosImage(settings.images)`). */
    image: string;
    /** Plain in tests; an Output where the flags depend on other stacks (Query's endpoints). */
    args: pulumi.Input<pulumi.Input<string>[]>;
    /** HTTP port (health, readiness, metrics, and the API where there is one). */
    httpPort: number;
    /** gRPC port (StoreAPI), if the component serves one. */
    grpcPort?: number;
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
    resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
    env?: k8s.types.input.core.v1.EnvVar[];
}

/** The one Thanos container of a component's pod, probed on Thanos' own health endpoints. */
export function thanosContainer(options: ThanosContainerOptions): k8s.types.input.core.v1.Container {
    const ports: k8s.types.input.core.v1.ContainerPort[] = [
        { name: "http", containerPort: options.httpPort, protocol: "TCP" },
    ];
    if (options.grpcPort !== undefined) ports.push({ name: "grpc", containerPort: options.grpcPort, protocol: "TCP" });
    return {
        name: "thanos",
        image: options.image,
        imagePullPolicy: "IfNotPresent",
        args: options.args,
        ports,
        env: options.env,
        volumeMounts: options.volumeMounts,
        resources: options.resources,
        securityContext: CONTAINER_SECURITY_CONTEXT,
        livenessProbe: {
            httpGet: { path: "/-/healthy", port: "http" },
            periodSeconds: 30,
            failureThreshold: 4,
            timeoutSeconds: 5,
        },
        readinessProbe: {
            httpGet: { path: "/-/ready", port: "http" },
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 5,
        },
        terminationMessagePolicy: "FallbackToLogsOnError",
    };
}

/** Where every component finds the objstore config. */
export const OBJSTORE_MOUNT_PATH = "/etc/thanos/objstore";
export const OBJSTORE_CONFIG_FILE = `${OBJSTORE_MOUNT_PATH}/${OBJSTORE_SECRET.key}`;

/** The objstore config, and the object store's CA bundle where one is configured. */
export function objstoreVolumes(secretName: string, withCa: boolean): k8s.types.input.core.v1.Volume[] {
    return [
        { name: "objstore", secret: { secretName, items: [{ key: OBJSTORE_SECRET.key, path: OBJSTORE_SECRET.key }] } },
        ...(withCa ? [{ name: OBJSTORE_CA.volume, configMap: { name: OBJSTORE_CA.configMap } }] : []),
    ];
}

export function objstoreVolumeMounts(withCa: boolean): k8s.types.input.core.v1.VolumeMount[] {
    return [
        { name: "objstore", mountPath: OBJSTORE_MOUNT_PATH, readOnly: true },
        ...(withCa ? [{ name: OBJSTORE_CA.volume, mountPath: OBJSTORE_CA.mountPath, readOnly: true }] : []),
    ];
}

/** Spread replicas across nodes where there are several; a single-node cluster still schedules them all. */
export function preferSpreadAcrossNodes(component: string): k8s.types.input.core.v1.Affinity {
    return preferSpreadPodsAcrossNodes(thanosSelector(component));
}

/** The same spread for the pods `matchLabels` selects (workloads not labelled as one Thanos component). */
export function preferSpreadPodsAcrossNodes(matchLabels: Record<string, string>): k8s.types.input.core.v1.Affinity {
    return {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                {
                    weight: 100,
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels } },
                },
            ],
        },
    };
}

/** A PVC template for a component's data directory. */
export function dataVolumeClaim(storageClassName: string, size: string): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name: "data" },
        spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
    };
}

export interface ThanosStatefulSetOptions {
    /** StatefulSet and governing Service name. */
    name: string;
    /** The component label (store-gateway, compactor, ruler). */
    component: string;
    replicas: number;
    /** Parallel for peers that each serve on their own; OrderedReady for the singleton compactor. */
    podManagementPolicy: "Parallel" | "OrderedReady";
    /** Prefer a node per replica (omitted for a singleton). */
    spread: boolean;
    /** StorageClass and size of the data PVC, mounted at dataDir. */
    storageClass: string;
    storageSize: string;
    dataDir: string;
    /** Mount the object store's CA bundle next to the objstore config. */
    withObjstoreCa: boolean;
    /** The Thanos container, without its objstore and data mounts. */
    container: Omit<ThanosContainerOptions, "volumeMounts"> & { volumeMounts?: k8s.types.input.core.v1.VolumeMount[] };
    /** Volumes besides the objstore config (the Ruler's rules). */
    volumes?: k8s.types.input.core.v1.Volume[];
    /** Pod template annotations (the Ruler's rules checksum). */
    podAnnotations?: Record<string, pulumi.Input<string>>;
    terminationGracePeriodSeconds?: number;
}

/** A Thanos component that reads the bucket and keeps data on a PVC: Store Gateway, Compactor, Ruler. */
export function thanosStatefulSetSpec(options: ThanosStatefulSetOptions): k8s.types.input.apps.v1.StatefulSet {
    const namespace = MONITORING_NAMESPACE;
    return {
        metadata: { name: options.name, namespace, labels: thanosLabels(options.component) },
        spec: {
            serviceName: options.name,
            replicas: options.replicas,
            podManagementPolicy: options.podManagementPolicy,
            updateStrategy: { type: "RollingUpdate" },
            selector: { matchLabels: thanosSelector(options.component) },
            template: {
                metadata: {
                    labels: thanosLabels(options.component),
                    ...(options.podAnnotations ? { annotations: options.podAnnotations } : {}),
                },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    ...(options.spread ? { affinity: preferSpreadAcrossNodes(options.component) } : {}),
                    automountServiceAccountToken: false,
                    ...(options.terminationGracePeriodSeconds !== undefined
                        ? { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }
                        : {}),
                    volumes: [
                        // Each component its own identity (components/storage/): its own objstore Secret.
                        ...objstoreVolumes(objstoreSecretName(options.component), options.withObjstoreCa),
                        ...(options.volumes ?? []),
                    ],
                    containers: [
                        thanosContainer({
                            ...options.container,
                            volumeMounts: [
                                ...objstoreVolumeMounts(options.withObjstoreCa),
                                ...(options.container.volumeMounts ?? []),
                                { name: "data", mountPath: options.dataDir },
                            ],
                        }),
                    ],
                },
            },
            volumeClaimTemplates: [dataVolumeClaim(options.storageClass, options.storageSize)],
        },
    };
}

/** The headless Service that gives each replica a stable DNS name (StatefulSet `serviceName`). */
export function headlessServiceSpec(
    name: string,
    namespace: string,
    component: string,
): k8s.types.input.core.v1.Service {
    return {
        metadata: { name, namespace, labels: thanosLabels(component) },
        spec: {
            clusterIP: "None",
            selector: thanosSelector(component),
            // Replicas must be resolvable before they are ready, or a starting replica is never dialled.
            publishNotReadyAddresses: true,
            ports: [
                { name: "grpc", port: THANOS_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
                { name: "http", port: THANOS_HTTP_PORT, targetPort: "http", protocol: "TCP" },
            ],
        },
    };
}

/** A PodDisruptionBudget that lets a drain take one replica at a time. */
export function oneAtATimeDisruptionBudget(
    name: string,
    namespace: string,
    component: string,
): k8s.types.input.policy.v1.PodDisruptionBudget {
    return {
        metadata: { name, namespace, labels: thanosLabels(component) },
        spec: { maxUnavailable: 1, selector: { matchLabels: thanosSelector(component) } },
    };
}
