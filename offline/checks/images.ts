// Every image and chart a stack's plan pulls, for an operator filling an air-gapped mirror
// (docs/air-gapped.md): our own objects' images as rendered in out/<stack>/manifests.yaml, the
// chart's from the table of kube-prometheus-stack 88.5.3's images for the values we pass (the chart
// itself is not here to render; tests/images.test.ts renders it where it is present and requires
// exactly the table's images), and each release's chart and where Helm gets it. With
// `images.registry` set, an image that does not come from the mirror is an error: the lab cannot
// pull it.

import { IMAGES, ImageName, imageReference } from "../../components/images";
import { CHART_IMAGES, chartImages } from "../../components/kubePrometheusStack/images";
import { Finding, RenderedPlan, objectName, setting } from "./renderedPlan";

export interface PulledImage {
    /** What the cluster pulls (the mirror's reference where one is configured). */
    reference: string;
    /** Where a copy comes from: the upstream reference (`reference` itself without a mirror). */
    upstream: string;
    /** Who pulls it: objects of ours, or the chart (and which part of it). */
    pulledBy: string[];
    /** How the plan knows: our rendered objects, or the chart's image table and our values. */
    from: "manifests" | "chart image table";
}

export interface PulledChart {
    release: string;
    chart: string;
    version: string;
    /** The repository URL, or `file:<path>` for a chart file the operator provides. */
    source: string;
    /** The existing release this stack takes over (the import id), where it adopts one. */
    adopts?: string;
}

export interface PlanPulls {
    images: PulledImage[];
    charts: PulledChart[];
    findings: Finding[];
}

/** Every string under an `image` key of an object (containers, init containers, CR images). */
function imageFields(value: unknown, at: string, found: { field: string; image: string }[]): void {
    if (Array.isArray(value)) value.forEach((v, i) => imageFields(v, `${at}[${i}]`, found));
    else if (typeof value === "object" && value !== null)
        for (const [key, child] of Object.entries(value)) {
            const where = at === "" ? key : `${at}.${key}`;
            if (key === "image" && typeof child === "string") found.push({ field: where, image: child });
            else imageFields(child, where, found);
        }
}

/** The known image (ours or the chart's) a reference is a copy of: same repository path and tag. */
function knownImage(reference: string): ImageName | undefined {
    return [...Object.values(IMAGES), ...CHART_IMAGES].find((image) =>
        reference.endsWith(`/${image.repository}:${image.tag}`),
    );
}

function mirrorOf(plan: RenderedPlan): string | undefined {
    const registry = setting(plan, "images")?.registry;
    return typeof registry === "string" && registry !== "" ? registry : undefined;
}

/** The images and charts one stack pulls, and what keeps the mirror from serving all of them. */
export function planPulls(plan: RenderedPlan): PlanPulls {
    const mirror = mirrorOf(plan);
    const findings: Finding[] = [];
    const byReference = new Map<string, PulledImage>();
    const add = (reference: string, upstream: string, pulledBy: string, from: PulledImage["from"]) => {
        const entry = byReference.get(reference) ?? { reference, upstream, pulledBy: [], from };
        if (!entry.pulledBy.includes(pulledBy)) entry.pulledBy.push(pulledBy);
        byReference.set(reference, entry);
    };
    const fromMirror = (reference: string, object: string, field: string) => {
        if (mirror !== undefined && !reference.startsWith(`${mirror}/`))
            findings.push({
                severity: "error",
                stack: plan.stack,
                object,
                field,
                message: `pulls ${reference}, not from the mirror images.registry (${mirror}): an air-gapped cluster cannot pull it`,
            });
    };

    for (const object of plan.manifests) {
        const found: { field: string; image: string }[] = [];
        imageFields(object, "", found);
        for (const { field, image } of found) {
            const known = knownImage(image);
            if (known === undefined) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: objectName(object),
                    field,
                    message: `pulls ${image}, which is not in components/images.ts: the image list cannot say where to copy it from`,
                });
            }
            fromMirror(image, objectName(object), field);
            add(image, known ? imageReference(known, {}) : image, objectName(object), "manifests");
        }
    }

    const charts: PulledChart[] = [];
    for (const release of plan.releases) {
        const adopts = plan.resources.find(
            (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs?.name === release.name,
        )?.import;
        charts.push({
            release: `${release.namespace}/${release.name}`,
            chart: release.chart,
            version: release.version,
            source: release.chartFile !== undefined ? `file:${release.chartFile}` : release.repository,
            ...(typeof adopts === "string" ? { adopts } : {}),
        });
        if (release.chart !== "kube-prometheus-stack") continue;
        const where = `release/${release.namespace}/${release.name}`;
        const values = release.values as Record<string, any>;
        const chartRegistry: unknown = values.global?.imageRegistry;
        if (mirror !== undefined && chartRegistry !== mirror)
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: where,
                field: "values.global.imageRegistry",
                message: `is ${JSON.stringify(chartRegistry)}, not the mirror images.registry (${mirror}): the chart would pull its images upstream`,
            });
        const central = values.grafana?.enabled === true || values.alertmanager?.enabled === true;
        const sidecar: unknown = values.prometheus?.prometheusSpec?.thanos?.image;
        for (const image of chartImages(central)) {
            const upstream = imageReference(image, {});
            // The sidecar's image is ours to set (prometheusSpec.thanos.image); the others follow global.imageRegistry.
            const isSidecar = image.repository === IMAGES.thanos.repository && typeof sidecar === "string";
            const reference = isSidecar
                ? (sidecar as string)
                : imageReference(image, { registry: typeof chartRegistry === "string" ? chartRegistry : undefined });
            if (isSidecar) fromMirror(reference, where, "values.prometheus.prometheusSpec.thanos.image");
            add(reference, upstream, `${where}: ${image.what}`, "chart image table");
        }
    }
    const images = [...byReference.values()].sort((a, b) => a.reference.localeCompare(b.reference));
    return { images, charts, findings };
}

/** out/<stack>/images.txt: `<upstream> <reference>` per line, what `crane copy`/`skopeo copy` take. */
export function imagesFile(pulls: PlanPulls): string {
    const pairs = [...new Set(pulls.images.map((i) => `${i.upstream} ${i.reference}`))].sort();
    return pairs.map((line) => `${line}\n`).join("");
}

/** out/<stack>/charts.txt: `<chart> <version> <repository URL or file:path>` per release. */
export function chartsFile(pulls: PlanPulls): string {
    return pulls.charts.map((c) => `${c.chart} ${c.version} ${c.source}\n`).join("");
}

/** The report validate prints: per stack, every chart and image, and how each is known. */
export function formatPulls(stack: string, pulls: PlanPulls): string {
    const lines = [`${stack}: ${pulls.charts.length} chart(s), ${pulls.images.length} image(s)`];
    for (const c of pulls.charts) {
        const adopted = c.adopts !== undefined ? `, taking over the existing release ${c.adopts}` : "";
        lines.push(`  chart ${c.chart} ${c.version} from ${c.source} (release ${c.release}${adopted})`);
    }
    for (const i of pulls.images) {
        const copy = i.upstream === i.reference ? "" : ` (copy of ${i.upstream})`;
        lines.push(`  image ${i.reference}${copy} [${i.from}]`);
    }
    return lines.join("\n");
}

export function checkImages(plan: RenderedPlan): Finding[] {
    return planPulls(plan).findings;
}
