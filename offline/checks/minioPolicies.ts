// The metrics bucket's MinIO side in a rendered plan: every policy document valid for MinIO's
// grammar (schemas/minio, from minio/pkg), none allowing a version delete and each denying it, only
// the Compactor's allowing deletes, versioning on, and noncurrent versions kept past the
// Compactor's --delete-delay plus a day.

import { minioPolicyProblems } from "../../schemas/minio/iamPolicy";
import { parseDuration } from "../../config/units";
import { Finding, RenderedPlan, thanosContainers } from "./renderedPlan";

const DAY_MS = 24 * 3600 * 1000;

export function checkMinioPolicies(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
    for (const resource of ofType("minio:index/iamPolicy:IamPolicy")) {
        const where = `IamPolicy ${resource.inputs.name}`;
        let document: any;
        try {
            document = JSON.parse(resource.inputs.policy);
        } catch {
            add(where, "policy", "is not JSON");
            continue;
        }
        for (const problem of minioPolicyProblems(document)) add(where, "policy", `MinIO would refuse it: ${problem}`);
        const statements: any[] = Array.isArray(document.Statement) ? document.Statement : [];
        const actions = (effect: string) =>
            statements.filter((s) => s.Effect === effect).flatMap((s) => (Array.isArray(s.Action) ? s.Action : []));
        const allowed = actions("Allow");
        if (allowed.some((a: string) => a === "s3:*" || a === "s3:DeleteObjectVersion"))
            add(where, "policy", "allows deleting object versions: no Thanos identity may destroy history");
        if (!actions("Deny").includes("s3:DeleteObjectVersion"))
            add(
                where,
                "policy",
                "does not deny s3:DeleteObjectVersion: MinIO lets s3:DeleteObject delete a version unless it is denied",
            );
        if (allowed.some((a: string) => a.startsWith("s3:Delete")) && !/-compactor$/.test(resource.inputs.name))
            add(where, "policy", "allows deletes: only the Compactor's policy may");
    }
    const versioning = ofType("minio:index/s3BucketVersioning:S3BucketVersioning");
    const lifecycles = ofType("minio:index/ilmPolicy:IlmPolicy");
    if (ofType("minio:index/iamUser:IamUser").length > 0 || lifecycles.length > 0) {
        if (!versioning.some((v) => v.inputs.versioningConfiguration?.status === "Enabled"))
            add("S3BucketVersioning", "versioningConfiguration.status", "the metrics bucket must be versioned");
        const compactor = thanosContainers(plan).find((c) => c.component === "compact");
        const delay = parseDuration(compactor?.flags.get("delete-delay")?.[0] ?? "48h") ?? 0;
        const days = lifecycles
            .flatMap((l) => l.inputs.rules ?? [])
            .map((r: any) => Number(r.noncurrentVersionExpirationDays));
        if (days.length === 0)
            add("IlmPolicy", "rules", "no rule ends noncurrent versions: they would be kept forever");
        for (const d of days)
            if (!(d * DAY_MS >= delay + DAY_MS))
                add(
                    "IlmPolicy",
                    "rules.noncurrentVersionExpirationDays",
                    `(${d}) must outlast the Compactor's --delete-delay plus a day`,
                );
    }
    return findings;
}
