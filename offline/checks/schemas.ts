// Every Kubernetes object of the plan against its kind's schema (kubernetes-models, generated from
// the OpenAPI schemas and the CRDs), unknown fields included (offline/fieldCheck.ts); the Prometheus
// CR and the PVC the chart renders from our values too. A value a preview leaves unknown is neither
// right nor wrong.

import { FieldChecker, modelClass } from "../fieldCheck";
import { UNKNOWN_PLACEHOLDER } from "../placeholders";
import { PROJECT_ROOT } from "../projectRoot";
import { Finding, RenderedPlan, objectName } from "./renderedPlan";

/**
 * The Prometheus CR kube-prometheus-stack renders from our prometheusSpec values: the fields we set
 * pass through by name, except storageSpec (the CR's `storage`, checked apart as a PVC) and the
 * thanos objectStorageConfig existingSecret (the CR's SecretKeySelector).
 */
function prometheusCrFromValues(values: Record<string, any>): Record<string, any> {
    const {
        thanos,
        replicas,
        scrapeInterval,
        evaluationInterval,
        externalLabels,
        replicaExternalLabelName,
        retention,
        retentionSize,
        walCompression,
        resources,
        securityContext,
        containers,
    } = values.prometheus.prometheusSpec;
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Prometheus",
        metadata: { name: "kps-prometheus", namespace: "monitoring" },
        spec: {
            replicas,
            scrapeInterval,
            evaluationInterval,
            externalLabels,
            replicaExternalLabelName,
            retention,
            retentionSize,
            walCompression,
            resources,
            securityContext,
            containers,
            thanos: { ...thanos, objectStorageConfig: thanos.objectStorageConfig.existingSecret },
            // The chart writes the list to its Secret `<fullname>-prometheus-am-confg` and references it.
            ...(values.prometheus.prometheusSpec.additionalAlertManagerConfigs !== undefined
                ? {
                      additionalAlertManagerConfigs: {
                          name: `${values.fullnameOverride}-prometheus-am-confg`,
                          key: "additional-alertmanager-configs.yaml",
                      },
                  }
                : {}),
        },
    };
}

/** The PVC template of storageSpec, as the core PersistentVolumeClaim it is. */
function prometheusVolumeClaimFromValues(values: Record<string, any>): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "prometheus-db" },
        ...values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate,
    };
}

/** Schema objects of a plan: the manifests, plus the Prometheus CR and PVC the chart renders from our values. */
function schemaObjects(plan: RenderedPlan): { origin: string; object: Record<string, any> }[] {
    const objects = plan.manifests.map((object) => ({ origin: objectName(object), object }));
    for (const release of plan.releases) {
        if (release.chart !== "kube-prometheus-stack") continue;
        objects.push({
            origin: `HelmRelease/${release.name} prometheus.prometheusSpec`,
            object: prometheusCrFromValues(release.values),
        });
        objects.push({
            origin: `HelmRelease/${release.name} prometheus.prometheusSpec.storageSpec`,
            object: prometheusVolumeClaimFromValues(release.values),
        });
    }
    return objects;
}

/** JSON-pointer paths ("/spec", "/spec/groups/0") of the values a preview leaves unknown. */
function unknownPaths(value: unknown, at = ""): string[] {
    if (value === UNKNOWN_PLACEHOLDER) return [at];
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, v]) => unknownPaths(v, `${at}/${key}`));
}

/** A copy without the values a preview leaves unknown: they are not known to be wrong, nor right. */
export function withoutUnknowns(value: unknown): unknown {
    if (Array.isArray(value)) return value.filter((v) => v !== UNKNOWN_PLACEHOLDER).map(withoutUnknowns);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== UNKNOWN_PLACEHOLDER)
                .map(([k, v]) => [k, withoutUnknowns(v)]),
        );
    }
    return value;
}

export async function checkSchemas(plans: RenderedPlan[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const all = plans.flatMap((plan) => schemaObjects(plan).map((o) => ({ ...o, stack: plan.stack })));
    const known = all.filter(({ object }) => object.apiVersion !== undefined && object.kind !== undefined);
    const checker = new FieldChecker(
        known.map((o) => o.object as { apiVersion: string; kind: string }),
        PROJECT_ROOT,
    );
    for (const { stack, origin, object: planned } of all) {
        const object = withoutUnknowns(planned) as Record<string, any>;
        const Model = await modelClass(object.apiVersion, object.kind);
        if (Model === undefined) {
            findings.push({
                severity: "error",
                stack,
                object: origin,
                field: "apiVersion",
                message: `no schema known for ${object.apiVersion} ${object.kind}`,
            });
            continue;
        }
        try {
            new Model(object).validate();
        } catch (err) {
            // A required field that is unknown in a preview is there, only not yet computed.
            const unknown = new Set(unknownPaths(planned));
            const errors = (
                err as {
                    errors?: {
                        keyword: string;
                        instancePath: string;
                        params: { missingProperty?: string };
                        message?: string;
                    }[];
                }
            ).errors;
            const real = errors?.filter(
                (e) => !(e.keyword === "required" && unknown.has(`${e.instancePath}/${e.params.missingProperty}`)),
            );
            if (real === undefined || real.length > 0) {
                findings.push({
                    severity: "error",
                    stack,
                    object: origin,
                    field: "(schema)",
                    message: String((err as Error).message ?? err),
                });
            }
        }
        for (const field of checker.unknownFields(object)) {
            findings.push({
                severity: "error",
                stack,
                object: origin,
                field,
                message: `not a field of ${object.apiVersion} ${object.kind}`,
            });
        }
    }
    return findings;
}
