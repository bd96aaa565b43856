// The StorageClass of every monitoring volume, where the stack creates it (`createStorageClass`):
// Longhorn, with reclaimPolicy Retain. A Delete class (Longhorn's own `longhorn` is one) deletes a
// volume's data with its PVC; a PVC goes with a `kubectl delete namespace`, a StatefulSet whose
// retention policy says so, or an operator tidying up. With Retain the PersistentVolume stays
// (Released) and its data can be bound again (docs/data-safety.md).

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CreatedStorageClassSettings } from "../config/kubernetes";
import { MANAGED_BY_LABEL, PART_OF_LABEL } from "./names";

/** Longhorn's CSI driver: the provisioner of every Longhorn StorageClass. */
export const LONGHORN_PROVISIONER = "driver.longhorn.io";

/**
 * The class, with Longhorn's documented StorageClass parameters (longhorn.io, "Storage Class
 * Parameters"); every value a string, as a StorageClass' parameters are.
 */
export function monitoringStorageClassSpec(
    name: string,
    settings: CreatedStorageClassSettings,
): k8s.types.input.storage.v1.StorageClass {
    return {
        metadata: { name, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL } },
        provisioner: LONGHORN_PROVISIONER,
        // A deleted PVC leaves its volume (Released, data intact) instead of deleting it.
        reclaimPolicy: "Retain",
        // Prometheus' retentionSize follows the volume: growing a PVC must not need a new one.
        allowVolumeExpansion: true,
        volumeBindingMode: "Immediate",
        parameters: {
            numberOfReplicas: String(settings.numberOfReplicas),
            // Longhorn's default: a failed replica is kept 48h (2880 minutes) before it is cleaned up.
            staleReplicaTimeout: "2880",
            fsType: "ext4",
        },
    };
}

export interface MonitoringStorageClassArgs {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** The class' name: the stack's `storageClass`, which every PVC names. */
    name: string;
    settings: CreatedStorageClassSettings;
}

/**
 * The monitoring StorageClass. Neither protected nor retained: a volume takes its reclaim policy
 * from the class when it is provisioned and keeps it, so deleting the class (with the stack, or to
 * replace it: its parameters cannot change in place) loses no data; it only stops new volumes.
 */
export class MonitoringStorageClass extends pulumi.ComponentResource {
    public readonly storageClass: k8s.storage.v1.StorageClass;

    constructor(name: string, args: MonitoringStorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:MonitoringStorageClass", name, {}, opts);
        this.storageClass = new k8s.storage.v1.StorageClass(
            name,
            monitoringStorageClassSpec(args.name, args.settings),
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ name: this.storageClass.metadata.name });
    }
}
