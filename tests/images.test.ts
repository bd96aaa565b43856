// An air-gapped lab (docs/air-gapped.md): every image from the mirror `images.registry` names, and
// `npm run validate`'s list of what each stack pulls. Where the real chart and Helm are present
// (KPS_CHART_DIR: the chart's folder or its .tgz, as in tests/helmTemplate.test.ts; ../shared/reference
// otherwise; HELM or helm on PATH), the chart is rendered with a mirror set and every image of every
// object must come from it.

import { expect } from "chai";
import { CHART_IMAGES } from "../components/kubePrometheusStack/images";
import { helmReleases } from "../offline/plan";
import { helmTemplate } from "../offline/helmTemplate";
import { chartsFile, imagesFile, planPulls } from "../offline/checks/images";
import { RealChart, findRealChart } from "./realChart";
import { expectFinding, loadCommittedPlans, plan, plans } from "./planFixtures";
import { byType, committedEdgeOutputs, problemsOf, projectConfig, runCommittedStack, stackFile } from "./helpers";

const MIRROR = "registry.lab:5000/mirror";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** A valid edge's raw config (keys without the project prefix), for the config rules. */
function edgeRaw(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...projectConfig("cluster-03"), ...extra };
}

/** Every string under an `image` key, anywhere in a value. */
function imagesIn(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(imagesIn);
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([k, v]) => (k === "image" && typeof v === "string" ? [v] : imagesIn(v)));
}

const CENTRAL_MEMCACHED = (central: Record<string, any>) => ({
    ...central,
    queryFrontend: { ...central.queryFrontend, cache: "memcached" },
});

describe("images from a mirror (images.registry)", () => {
    it("rejects what cannot prefix an image reference, naming the key", () => {
        const cases: [string, string][] = [
            ["https://registry.lab:5000", "takes no scheme"],
            ["registry.lab:5000/mirror/", "must not end with a slash"],
            ["registry.lab:5000/mirror:v1", "is a registry prefix, not an image: no tag or digest"],
            ["registry.lab/mirror@sha256:abc", "is a registry prefix, not an image: no tag or digest"],
            ["mirror", 'must start with a registry host (a name with a dot, or a port, or localhost): "mirror"'],
            ["registry.lab/Mirror", "must be host[:port][/path] with lower-case path components"],
        ];
        for (const [registry, message] of cases) {
            const problems = problemsOf(edgeRaw({ images: { registry } }));
            expect(problems, registry).to.have.lengthOf(1);
            expect(problems[0], registry).to.contain(`thanos-multicluster:images.registry ${message}`);
            expect(problems[0], registry).to.contain(`got "${registry}"`);
        }
        for (const registry of [MIRROR, "harbor.lab", "localhost:5000", "10.0.0.5:5000/lab/mirror"])
            expect(problemsOf(edgeRaw({ images: { registry } })), registry).to.deep.equal([]);
        expect(problemsOf(edgeRaw({ images: { registy: MIRROR } }))[0]).to.contain(
            "thanos-multicluster:images.registy is not a setting of this program: did you mean thanos-multicluster:images.registry?",
        );
    });

    it("without a mirror, pulls our images from their upstream registries and leaves the chart's alone", async () => {
        const run = await runCommittedStack(
            "cluster-01",
            {
                "thanos-multicluster:central": CENTRAL_MEMCACHED(
                    stackFile("cluster-01").config["thanos-multicluster:central"] as any,
                ),
            },
            await committedEdgeOutputs(),
        );
        const ours = new Set(
            run.resources.filter((r) => r.custom && r.type !== RELEASE).flatMap((r) => imagesIn(r.inputs)),
        );
        expect([...ours].sort()).to.deep.equal([
            "docker.io/library/haproxy:3.2.26-alpine",
            "docker.io/library/memcached:1.6.38-alpine",
            "quay.io/prometheus/memcached-exporter:v0.15.3",
            "quay.io/thanos/thanos:v0.42.4",
        ]);
        const values = byType(run, RELEASE)[0].inputs.values as any;
        expect(values).not.to.have.property("global");
        expect(values.prometheus.prometheusSpec.thanos.image).to.equal("quay.io/thanos/thanos:v0.42.4");
    });

    it("with a mirror, every image of every object and of the chart comes from it", async () => {
        const central = CENTRAL_MEMCACHED(stackFile("cluster-01").config["thanos-multicluster:central"] as any);
        const run = await runCommittedStack(
            "cluster-01",
            {
                "thanos-multicluster:central": central,
                "thanos-multicluster:images": { registry: MIRROR },
            },
            await committedEdgeOutputs(),
        );
        const ours = new Set(
            run.resources.filter((r) => r.custom && r.type !== RELEASE).flatMap((r) => imagesIn(r.inputs)),
        );
        // The repository path and tag stay; only the registry is the mirror's.
        expect([...ours].sort()).to.deep.equal([
            `${MIRROR}/library/haproxy:3.2.26-alpine`,
            `${MIRROR}/library/memcached:1.6.38-alpine`,
            `${MIRROR}/prometheus/memcached-exporter:v0.15.3`,
            `${MIRROR}/thanos/thanos:v0.42.4`,
        ]);
        const values = byType(run, RELEASE)[0].inputs.values as any;
        expect(values.global).to.deep.equal({ imageRegistry: MIRROR });
        expect(values.prometheus.prometheusSpec.thanos.image).to.equal(`${MIRROR}/thanos/thanos:v0.42.4`);
        const edge = await runCommittedStack("cluster-02", { "thanos-multicluster:images": { registry: MIRROR } });
        const edgeValues = byType(edge, RELEASE)[0].inputs.values as any;
        expect(edgeValues.global).to.deep.equal({ imageRegistry: MIRROR });
        expect(edgeValues.prometheus.prometheusSpec.thanos.image).to.equal(`${MIRROR}/thanos/thanos:v0.42.4`);
    });
});

describe("npm run validate: what each stack pulls", () => {
    before(loadCommittedPlans);

    const EDGE_IMAGES = [
        "ghcr.io/jkroepke/kube-webhook-certgen:1.8.7",
        "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
        "quay.io/prometheus-operator/prometheus-operator:v0.93.1",
        "quay.io/prometheus/node-exporter:v1.12.1-distroless",
        "quay.io/prometheus/prometheus:v3.14.0-distroless",
        "quay.io/thanos/thanos:v0.42.4",
        "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
    ];
    const CENTRAL_ONLY = [
        "docker.io/grafana/grafana:13.2.0",
        // The front door's router (components/frontDoor.ts).
        "docker.io/library/haproxy:3.2.26-alpine",
        "quay.io/kiwigrid/k8s-sidecar:2.10.1",
        "quay.io/prometheus/alertmanager:v0.34.0",
    ];

    it("lists the chart and every image of the committed stacks, the central one with Alertmanager, Grafana and the front door", () => {
        const all = plans();
        const edge = planPulls(plan(all, "cluster-02"));
        expect(edge.findings).to.deep.equal([]);
        expect(edge.images.map((i) => i.reference)).to.deep.equal(EDGE_IMAGES);
        expect(edge.charts).to.deep.equal([
            {
                release: "monitoring/kube-prometheus-stack",
                chart: "kube-prometheus-stack",
                version: "88.5.3",
                source: "https://prometheus-community.github.io/helm-charts",
                // The committed stacks take the existing release over (docs/existing-kube-prometheus-stack.md).
                adopts: "monitoring/kube-prometheus-stack",
            },
        ]);
        expect(chartsFile(edge)).to.equal(
            "kube-prometheus-stack 88.5.3 https://prometheus-community.github.io/helm-charts\n",
        );
        // Without a mirror each image is pulled as it is named upstream.
        expect(imagesFile(edge)).to.equal(EDGE_IMAGES.map((i) => `${i} ${i}\n`).join(""));
        const central = planPulls(plan(all, "cluster-01"));
        expect(central.images.map((i) => i.reference)).to.deep.equal([...EDGE_IMAGES, ...CENTRAL_ONLY].sort());
        // Our Thanos components' image is the sidecar's: listed once, pulled by both.
        const thanos = central.images.find((i) => i.reference === "quay.io/thanos/thanos:v0.42.4")!;
        expect(thanos.from).to.equal("manifests");
        expect(thanos.pulledBy).to.include("StatefulSet/monitoring/thanos-compactor");
        expect(thanos.pulledBy.some((p) => p.includes("Thanos sidecar"))).to.equal(true);
    });

    it("with a mirror, pairs each upstream image with its copy, and reports what the mirror would not serve", () => {
        const all = plans();
        const edge = plan(all, "cluster-02");
        edge.config["thanos-multicluster:images"] = { registry: MIRROR };
        const values = edge.releases[0].values as any;
        values.global = { imageRegistry: MIRROR };
        values.prometheus.prometheusSpec.thanos.image = `${MIRROR}/thanos/thanos:v0.42.4`;
        // The edge's own Thanos Query, as the program renders it with images.registry.
        const query = edge.manifests.find((o) => o.kind === "Deployment" && o.metadata.name === "thanos-query")!;
        query.spec.template.spec.containers[0].image = `${MIRROR}/thanos/thanos:v0.42.4`;
        const pulls = planPulls(edge);
        expect(pulls.findings).to.deep.equal([]);
        expect(imagesFile(pulls)).to.equal(
            EDGE_IMAGES.map((i) => `${i} ${MIRROR}/${i.slice(i.indexOf("/") + 1)}\n`)
                .sort()
                .join(""),
        );

        delete values.global;
        values.prometheus.prometheusSpec.thanos.image = "quay.io/thanos/thanos:v0.42.4";
        const upstream = planPulls(edge).findings;
        expectFinding(upstream, {
            field: "values.global.imageRegistry",
            message: "the chart would pull its images upstream",
        });
        expectFinding(upstream, {
            field: "values.prometheus.prometheusSpec.thanos.image",
            message: `pulls quay.io/thanos/thanos:v0.42.4, not from the mirror images.registry (${MIRROR})`,
        });

        const central = plan(all, "cluster-01");
        central.config["thanos-multicluster:images"] = { registry: MIRROR };
        const findings = planPulls(central).findings;
        expectFinding(findings, {
            object: "StatefulSet/monitoring/thanos-compactor",
            field: "spec.template.spec.containers[0].image",
            message: "not from the mirror",
        });
    });

    it("reports an image the tables do not know: the list could not say where to copy it from", () => {
        const all = plans();
        const central = plan(all, "cluster-01");
        const compactor = central.manifests.find(
            (o) => o.metadata?.name === "thanos-compactor" && o.kind === "StatefulSet",
        )!;
        compactor.spec.template.spec.initContainers = [{ name: "wait", image: "docker.io/library/busybox:1.37" }];
        expectFinding(planPulls(central).findings, {
            field: "spec.template.spec.initContainers[0].image",
            message: "pulls docker.io/library/busybox:1.37, which is not in components/images.ts",
        });
    });
});

/** Every image the rendered chart makes a node pull: `image` fields, and the operator's image flags. */
function renderedImages(objects: Record<string, any>[]): string[] {
    const flags = objects
        .filter((o) => o.kind === "Deployment")
        .flatMap((o) => o.spec.template.spec.containers.flatMap((c: any) => (c.args ?? []) as string[]))
        .map((arg) => /^--(?:prometheus-config-reloader|[a-z-]*default-base-image)=(.+)$/.exec(arg)?.[1])
        .filter((image): image is string => image !== undefined);
    return [...new Set([...imagesIn(objects), ...flags])].sort();
}

describe("the real chart with a mirror (skipped without the chart and Helm)", () => {
    let found: RealChart | undefined;
    before(function () {
        found = findRealChart();
        if (found === undefined) this.skip();
    });

    for (const stack of ["cluster-01", "cluster-02"]) {
        it(`${stack}: every image of every rendered object comes from the mirror, and they are the table's images`, async () => {
            const run = await runCommittedStack(
                stack,
                { "thanos-multicluster:images": { registry: MIRROR } },
                await committedEdgeOutputs(),
            );
            const [release] = helmReleases(run);
            const result = helmTemplate(found!.helm, found!.chart, release, release.values);
            if ("error" in result) throw new Error(result.error);
            const images = renderedImages(result.objects);
            expect(images.length).to.be.greaterThan(5);
            for (const image of images) expect(image, image).to.match(new RegExp(`^${MIRROR}/`));
            // Exactly the table's images for this release (the operator's Thanos base image is the sidecar's).
            const central = stack === "cluster-01";
            const expected = CHART_IMAGES.filter((i) => central || !i.centralOnly).map(
                (i) => `${MIRROR}/${i.repository}:${i.tag}`,
            );
            expect(images).to.deep.equal([...new Set(expected)].sort());
        });
    }

    it("without a mirror, the chart pulls exactly the table's upstream images", async () => {
        const run = await runCommittedStack("cluster-02");
        const [release] = helmReleases(run);
        const result = helmTemplate(found!.helm, found!.chart, release, release.values);
        if ("error" in result) throw new Error(result.error);
        expect(renderedImages(result.objects)).to.deep.equal(
            CHART_IMAGES.filter((i) => !i.centralOnly)
                .map((i) => `${i.registry}/${i.repository}:${i.tag}`)
                .sort(),
        );
    });
});
