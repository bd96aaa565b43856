// Every config document the plan hands to Thanos, checked against the schema of the pinned Thanos
// version (schemas/thanos): inline in a flag, or in a file that Thanos reads from a mounted
// ConfigMap. Documents in Secrets are written as [secret] and checked by the tests instead.

import * as yaml from "js-yaml";
import { ThanosConfigDocument, thanosConfigProblems } from "../../schemas/thanos";
import { Finding, RenderedPlan, objectName, thanosContainers } from "./renderedPlan";

/** Flags whose value (`<flag>`) or file (`<flag>-file`) is a Thanos config document, and which document. */
export const DOCUMENT_FLAGS: Record<string, ThanosConfigDocument> = {
    "endpoint.sd-config": "endpoint-sd-config",
    "objstore.config": "objstore-s3",
    "index-cache.config": "store-index-cache",
    "store.caching-bucket.config": "store-caching-bucket",
    "query-range.response-cache-config": "query-frontend-response-cache",
    "labels.response-cache-config": "query-frontend-response-cache",
};

type Manifest = Record<string, any>;

/** A file's content as a container sees it: from the ConfigMap volume mounted over its path. */
export type FileContent =
    | { found: "configMap"; configMap: string; key: string; text: string }
    | { found: "secret"; secret: string }
    | { found: "none" };

function podOf(object: Manifest): Manifest {
    return object.spec?.template?.spec ?? {};
}

/** Resolves `file` in `container` of `object` to the ConfigMap or Secret key mounted there. */
export function containerFile(plan: RenderedPlan, object: Manifest, container: Manifest, file: string): FileContent {
    const mount = (container.volumeMounts ?? []).find((m: Manifest) => file.startsWith(`${m.mountPath}/`));
    if (mount === undefined) return { found: "none" };
    const key = mount.subPath ?? file.slice(mount.mountPath.length + 1);
    const volume = (podOf(object).volumes ?? []).find((v: Manifest) => v.name === mount.name);
    const fromProjection = (volume?.projected?.sources ?? []).map((s: Manifest) => s.configMap ?? s.secret);
    if (
        volume?.secret !== undefined ||
        (volume?.projected?.sources ?? []).some((s: Manifest) => s.secret !== undefined)
    ) {
        return {
            found: "secret",
            secret: volume.secret?.secretName ?? fromProjection.map((s: Manifest) => s.name).join(","),
        };
    }
    const configMapName = volume?.configMap?.name;
    if (configMapName === undefined) return { found: "none" };
    const namespace = object.metadata?.namespace;
    const configMap = plan.manifests.find(
        (o) => o.kind === "ConfigMap" && o.metadata?.name === configMapName && o.metadata?.namespace === namespace,
    );
    const text = configMap?.data?.[key];
    return typeof text === "string" ? { found: "configMap", configMap: configMapName, key, text } : { found: "none" };
}

/** The document a Thanos container reads for `flag`, parsed, from the flag or its `-file` twin. */
export function readDocument(
    plan: RenderedPlan,
    object: Manifest,
    container: Manifest,
    flags: Map<string, (string | undefined)[]>,
    flag: string,
): { where: string; document?: unknown; problem?: string } | undefined {
    const inline = flags.get(flag)?.[0];
    if (inline !== undefined) return parse(`--${flag}`, inline);
    const file = flags.get(`${flag}-file`)?.[0];
    if (file === undefined) return undefined;
    const content = containerFile(plan, object, container, file);
    if (content.found === "secret") return undefined;
    if (content.found === "none")
        return {
            where: `--${flag}-file`,
            problem: `${file} is not in a ConfigMap or Secret mounted into the container: Thanos would not start`,
        };
    return parse(`--${flag}-file (ConfigMap ${content.configMap}, key ${content.key})`, content.text);
}

function parse(where: string, text: string): { where: string; document?: unknown; problem?: string } {
    try {
        return { where, document: yaml.load(text) };
    } catch (err) {
        return { where, problem: `is not YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
    }
}

export function checkThanosConfigs(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const { object, container, flags } of thanosContainers(plan)) {
        const name = objectName(object);
        for (const [flag, document] of Object.entries(DOCUMENT_FLAGS)) {
            const read = readDocument(plan, object, container, flags, flag);
            if (read === undefined) continue;
            const problems =
                read.problem !== undefined ? [read.problem] : thanosConfigProblems(document, read.document);
            for (const problem of problems) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: name,
                    field: read.where,
                    message: `${problem} (Thanos v0.42.4 ${document})`,
                });
            }
        }
    }
    return findings;
}
