// What every pod of the release gets, stated rather than inherited from chart defaults that may
// change: the restricted Pod Security profile, requests and limits, and volume claims.

import { ContainerSecurityValues, PodSecurityValues, ResourceRequirements, VolumeClaimTemplate } from "./types";

export function podSecurity(uid: number): PodSecurityValues {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export const CONTAINER_SECURITY: ContainerSecurityValues = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** Grafana's pod securityContext (chart default) sets no seccomp profile, so its containers do. */
export const GRAFANA_CONTAINER_SECURITY: ContainerSecurityValues = {
    ...CONTAINER_SECURITY,
    seccompProfile: { type: "RuntimeDefault" },
};

export function resources(cpu: string, memoryRequest: string, memoryLimit: string): ResourceRequirements {
    return { requests: { cpu, memory: memoryRequest }, limits: { memory: memoryLimit } };
}

export function claimTemplate(storageClassName: string, size: string): VolumeClaimTemplate {
    return { spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } };
}
