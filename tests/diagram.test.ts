// The architecture diagram, drawn from a fresh render of the committed stacks. Expected wiring is
// written from the seed (addresses, ports, replicas), not copied from the drawing.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { draw, readmeBlock } from "../offline/diagram";
import { atWidth, measureSvg } from "../offline/diagram/measure";
import { graph, readArchitecture, toDot, toSvg, wrapLine } from "../offline/diagram/render";
import { overview, roleDetail } from "../offline/diagram/views";
import { PROJECT_ROOT } from "../offline/runStack";
import { committedPlan } from "./renderedPlans";

const EDGES = [
    { stack: "cluster-02", lb: "192.168.101.211" },
    { stack: "cluster-03", lb: "192.168.101.212" },
    { stack: "cluster-04", lb: "192.168.101.213" },
];
const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");

function edgesOf(outDir: string) {
    const g = graph(readArchitecture(outDir));
    return { g, find: (from: string, to: string) => g.edges.filter((e) => e.from === id(from) && e.to === id(to)) };
}

describe("npm run diagram", function () {
    this.timeout(240000);

    it("draws every cluster, its components and its LoadBalancer address from out/", async () => {
        const { g } = edgesOf(await committedPlan());
        expect(g.groups.map((x) => x.label)).to.deep.equal([
            "cluster-01 (central)",
            "cluster-02 (edge)",
            "cluster-03 (edge)",
            "cluster-04 (edge)",
            "object storage s3.minio.miribit.lab:80",
        ]);
        const central = g.groups[0].nodes.map((n) => n.label.join(" "));
        for (const label of [
            "Thanos Query x2",
            "Thanos Store Gateway x2",
            "Thanos Ruler x2",
            "Thanos Compactor",
            "Alertmanager x3",
            "Grafana",
            "LoadBalancer 192.168.101.210",
        ]) {
            expect(central).to.include(label);
        }
        expect(central.some((l) => /^Prometheus x2 \+ Thanos sidecar/.test(l))).to.equal(true);
        for (const [i, edge] of EDGES.entries()) {
            expect(g.groups[i + 1].nodes.map((n) => n.label.join(" "))).to.have.members([
                "Thanos Query x2",
                "Prometheus x2 + Thanos sidecar v0.42.4",
                `LoadBalancer ${edge.lb}`,
            ]);
        }
        expect(g.groups[4].nodes.map((n) => n.label[0])).to.have.members([
            "bucket thanos-bucket",
            "bucket longhorn-backups",
            "bucket opensearch-logs",
        ]);
        expect(g.loose, "every address resolves to a component of the plan").to.deep.equal([]);
    });

    it("draws every link with its address, port and TLS", async () => {
        const { find } = edgesOf(await committedPlan());
        const query = "cluster-01_thanos-query";
        for (const edge of EDGES) {
            const lb = `lb_${edge.lb}`;
            expect(
                find(query, lb).map((e) => e.label),
                edge.stack,
            ).to.deep.equal([["StoreAPI (gRPC, strict)", `${edge.lb}:10901`, "mTLS"]]);
            // One Service: the edge Query's gRPC (mTLS) and its HTTP API; the Query reads its sidecars in-cluster.
            expect(find(lb, `${edge.stack}_thanos-query`).map((e) => e.label)).to.deep.equal([
                [":10901", "mTLS"],
                [":9090", "plaintext"],
            ]);
            expect(find(lb, `${edge.stack}_prometheus-kps-prometheus`)).to.deep.equal([]);
            expect(
                find(`${edge.stack}_thanos-query`, `${edge.stack}_prometheus-kps-prometheus`).map((e) => e.label),
            ).to.deep.equal([
                ["StoreAPI (gRPC, strict)", "prometheus-kps-prometheus-{0,1}.prometheus-operated:10901", "plaintext"],
            ]);
            expect(find(`${edge.stack}_prometheus-kps-prometheus`, "bucket_thanos-bucket")).to.have.lengthOf(1);
        }
        expect(find(query, "cluster-01_prometheus-kps-prometheus")[0].label).to.deep.equal([
            "StoreAPI (gRPC, strict)",
            "prometheus-kps-prometheus-{0,1}.prometheus-operated:10901",
            "plaintext",
        ]);
        expect(find(query, "cluster-01_thanos-store")[0].label).to.deep.equal([
            "StoreAPI (gRPC)",
            "thanos-store-{0,1}.thanos-store:10901",
            "plaintext",
        ]);
        expect(find(query, "cluster-01_thanos-ruler")[0].label).to.deep.equal([
            "StoreAPI (gRPC)",
            "thanos-ruler-{0,1}.thanos-ruler:10901",
            "plaintext",
        ]);
        expect(find("cluster-01_thanos-ruler", "cluster-01_alertmanager-kps-alertmanager")[0].label).to.deep.equal([
            "alerts",
            "alertmanager-kps-alertmanager-{0,1,2}.alertmanager-operated:9093",
            "plaintext",
        ]);
        expect(find("cluster-01_thanos-ruler", query)[0].label).to.deep.equal([
            "rule queries (HTTP)",
            "thanos-query:9090",
            "plaintext",
        ]);
        // Grafana queries through the query-frontend, which sends Query what it has not cached.
        expect(
            find("cluster-01_kube-prometheus-stack-grafana", "cluster-01_thanos-query-frontend")[0].label[1],
        ).to.equal("thanos-query-frontend:9090");
        expect(find("cluster-01_thanos-query-frontend", query)[0].label).to.deep.equal([
            "query-frontend.downstream-url",
            "thanos-query:9090",
            "plaintext",
        ]);
        // The central address's one Service leads through the front door's router, port by port.
        expect(find("lb_192.168.101.210", query)[0].label).to.deep.equal([":9090", "via frontdoor", "plaintext"]);
        expect(find("lb_192.168.101.210", "cluster-01_kube-prometheus-stack-grafana")[0].label).to.deep.equal([
            ":3000",
            "via frontdoor",
            "plaintext",
        ]);
        for (const c of ["thanos-compactor", "thanos-store", "thanos-ruler", "prometheus-kps-prometheus"]) {
            expect(find(`cluster-01_${c}`, "bucket_thanos-bucket")[0].label, c).to.deep.equal([
                c.startsWith("prometheus") ? "objstore (S3), 2h blocks" : "objstore (S3)",
                "s3.minio.miribit.lab:80",
                "plaintext",
            ]);
        }
    });

    it("follows wiring it was not written for: an endpoint file in a ConfigMap, a new component, per-replica Alertmanager addresses", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-"));
        fs.cpSync(await committedPlan(), out, { recursive: true });
        const file = path.join(out, "cluster-01", "manifests.yaml");
        const docs = yaml.loadAll(fs.readFileSync(file, "utf8")) as any[];
        // Whichever form the render uses for Query's endpoints (an inline --endpoint.sd-config or a
        // file from a ConfigMap), the drawing must follow the other form too.
        const query = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "thanos-query");
        const container = query.spec.template.spec.containers[0];
        const inline = container.args.find((a: string) => a.startsWith("--endpoint.sd-config="));
        const fileArg = container.args.find((a: string) => a.startsWith("--endpoint.sd-config-file="));
        expect(
            inline ?? fileArg,
            "Query reads its endpoints from --endpoint.sd-config or --endpoint.sd-config-file",
        ).to.be.a("string");
        if (inline) {
            container.args = container.args.map((a: string) =>
                a === inline ? "--endpoint.sd-config-file=/etc/thanos/endpoints-test/endpoints.yaml" : a,
            );
            container.volumeMounts.push({
                name: "endpoints-test",
                mountPath: "/etc/thanos/endpoints-test",
                readOnly: true,
            });
            query.spec.template.spec.volumes.push({
                name: "endpoints-test",
                configMap: { name: "thanos-query-endpoints-test" },
            });
            docs.push({
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "thanos-query-endpoints-test", namespace: "monitoring" },
                data: { "endpoints.yaml": yaml.dump(JSON.parse(inline.slice("--endpoint.sd-config=".length))) },
            });
        } else {
            const file = fileArg.slice("--endpoint.sd-config-file=".length);
            const mount = container.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
            const volume = query.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
            const configMap = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === volume.configMap.name);
            const text = configMap.data[file.slice(mount.mountPath.length + 1)];
            container.args = container.args.map((a: string) =>
                a === fileArg ? `--endpoint.sd-config=${JSON.stringify(yaml.load(text))}` : a,
            );
            docs.splice(docs.indexOf(configMap), 1);
        }
        const frontendLabels = { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": "query-frontend" };
        docs.push({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "thanos-query-frontend", namespace: "monitoring", labels: frontendLabels },
            spec: {
                replicas: 2,
                template: {
                    metadata: { labels: frontendLabels },
                    spec: {
                        containers: [
                            {
                                name: "thanos",
                                args: [
                                    "query-frontend",
                                    "--query-frontend.downstream-url=http://thanos-query.monitoring.svc.cluster.local:9090",
                                ],
                            },
                        ],
                    },
                },
            },
        });
        // Per-replica Alertmanager Services, unless the render already exposes the replicas (the front
        // door routes them since the central address has one Service; per-replica Services before).
        const hasAlertmanagerServices = docs.some(
            (d) =>
                d.kind === "Service" &&
                (String(d.spec?.selector?.["statefulset.kubernetes.io/pod-name"] ?? "").startsWith("alertmanager-") ||
                    (d.spec?.type === "LoadBalancer" && (d.spec?.ports ?? []).some((p: any) => p.port === 9093))),
        );
        for (const [i, port] of (hasAlertmanagerServices ? [] : [9093, 9094, 9095]).entries()) {
            docs.push({
                apiVersion: "v1",
                kind: "Service",
                metadata: {
                    name: `alertmanager-${i}`,
                    namespace: "monitoring",
                    annotations: { "lbipam.cilium.io/ips": "192.168.101.210" },
                },
                spec: {
                    type: "LoadBalancer",
                    selector: { "statefulset.kubernetes.io/pod-name": `alertmanager-kps-alertmanager-${i}` },
                    ports: [{ name: "http", port, targetPort: 9093 }],
                },
            });
        }
        fs.writeFileSync(file, docs.map((d) => "---\n" + yaml.dump(d)).join(""));

        const { g, find } = edgesOf(out);
        expect(find("cluster-01_thanos-query", "lb_192.168.101.212")[0].label).to.deep.equal([
            "StoreAPI (gRPC, strict)",
            "192.168.101.212:10901",
            "mTLS",
        ]);
        expect(find("cluster-01_thanos-query", "cluster-01_thanos-store")[0].label[1]).to.equal(
            "thanos-store-{0,1}.thanos-store:10901",
        );
        expect(g.groups[0].nodes.map((n) => n.label[0])).to.include("Thanos Query Frontend x2");
        expect(find("cluster-01_thanos-query-frontend", "cluster-01_thanos-query")[0].label).to.deep.equal([
            "query-frontend.downstream-url",
            "thanos-query:9090",
            "plaintext",
        ]);
        const replicas = find("lb_192.168.101.210", "cluster-01_alertmanager-kps-alertmanager")[0].label;
        expect(replicas.filter((l) => l !== "via frontdoor")).to.deep.equal([
            ":9093 → alertmanager-kps-alertmanager-0",
            ":9094 → alertmanager-kps-alertmanager-1",
            ":9095 → alertmanager-kps-alertmanager-2",
            "plaintext",
        ]);
    });

    it("draws each edge Prometheus sending alerts to every central Alertmanager replica, as the stack file says", async () => {
        const { find } = edgesOf(await committedPlan());
        for (const edge of EDGES) {
            const file = yaml.load(
                fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${edge.stack}.yaml`), "utf8"),
            ) as any;
            const targets: string[] = file.config["thanos-multicluster:alerting"].centralAlertmanagers;
            expect(targets, edge.stack).to.deep.equal([
                "192.168.101.210:9093",
                "192.168.101.210:9094",
                "192.168.101.210:9095",
            ]);
            // Through the central LoadBalancer, each port to one Alertmanager pod; plain HTTP today.
            expect(
                find(`${edge.stack}_prometheus-kps-prometheus`, "lb_192.168.101.210").map((e) => e.label),
            ).to.deep.equal([["alerts", "192.168.101.210:9093, :9094, :9095", "plaintext"]]);
        }
        // The central Prometheus alerts its own Alertmanager, as the chart wires it (Service kps-alertmanager, port http-web).
        expect(
            find("cluster-01_prometheus-kps-prometheus", "cluster-01_alertmanager-kps-alertmanager").map(
                (e) => e.label,
            ),
        ).to.deep.equal([["alerts", "kps-alertmanager:http-web", "plaintext"]]);
    });

    it("the overview fits the README: at most 1,200 px wide at 100%, no text under 11 px, every link between clusters", async () => {
        const drawings = await draw(await committedPlan());
        expect(drawings.map((d) => d.name)).to.deep.equal([
            "architecture",
            "architecture-central",
            "architecture-edge",
        ]);
        const size = measureSvg(drawings[0].svg);
        expect(size.widthPx, "overview width in px at 100%").to.be.at.most(1200);
        expect(size.smallestFontPx, `smallest text in px at 100% ("${size.smallestText}")`).to.be.at.least(11);
        for (const d of drawings) {
            const size = measureSvg(d.svg);
            expect(size.smallestFontPx, `${d.name}: smallest text ("${size.smallestText}")`).to.be.at.least(11);
            // A page about 1,000 px wide scales a wider drawing down, its text with it.
            expect(
                atWidth(size, 1000),
                `${d.name}: smallest text at 1,000 px wide (${size.widthPx} px)`,
            ).to.be.at.least(11);
        }
        const g = overview(readArchitecture(await committedPlan()));
        expect(g.loose.map((n) => n.label[0])).to.deep.equal([
            "cluster-01 (central)",
            "cluster-02 (edge)",
            "cluster-03 (edge)",
            "cluster-04 (edge)",
            "object storage",
        ]);
        expect(g.loose[0].label).to.include("LoadBalancer 192.168.101.210");
        const between = (from: string, to: string) =>
            g.edges.filter((e) => e.from === `cluster_${id(from)}` && e.to === `cluster_${id(to)}`).map((e) => e.label);
        for (const edge of EDGES) {
            expect(g.loose.find((n) => n.id === `cluster_${id(edge.stack)}`)!.label).to.include(
                `LoadBalancer ${edge.lb}`,
            );
            expect(between("cluster-01", edge.stack), edge.stack).to.deep.equal([
                ["StoreAPI (gRPC, strict), mutual TLS", "Thanos Query → Thanos Query", `${edge.lb}:10901`],
            ]);
            expect(between(edge.stack, "cluster-01"), `${edge.stack}: the alert path`).to.deep.equal([
                ["alerts, plaintext", "Prometheus → Alertmanager", "192.168.101.210:9093, :9094, :9095"],
            ]);
            expect(between(edge.stack, "objstore"), edge.stack).to.deep.equal([
                ["objstore (S3), plaintext", "Prometheus → thanos-bucket", "s3.minio.miribit.lab:80"],
            ]);
        }
        // The overview draws what is in the SVG: the alert path's text is there, at a readable size.
        expect(drawings[0].svg).to.contain("192.168.101.210:9093, :9094, :9095");
        expect(drawings[0].mermaid).to.contain('cluster_cluster_02 -.->|"alerts, plaintext<br/>');
    });

    it("a detail drawing draws far ends alike but for their cluster as one box: the edges' LoadBalancers, their Prometheus", async () => {
        const central = roleDetail(readArchitecture(await committedPlan()), "central");
        const query = "cluster_01_thanos_query";
        const toEdges = central.edges.filter((e) => e.from === query && e.tls === "mTLS");
        expect(toEdges.map((e) => e.label)).to.deep.equal([
            ["StoreAPI (gRPC, strict)", ...EDGES.map((edge) => `${edge.lb}:10901`), "mTLS"],
        ]);
        const box = central.loose.find((n) => n.id === toEdges[0].to)!;
        expect(box.label).to.deep.equal(EDGES.map((edge) => `LoadBalancer ${edge.lb} (${edge.stack})`));
        const alerts = central.edges.filter((e) => e.to === "lb_192_168_101_210" && e.label[0] === "alerts");
        expect(alerts).to.have.lengthOf(1);
        expect(central.loose.find((n) => n.id === alerts[0].from)!.label).to.deep.equal([
            "Prometheus x2",
            "(cluster-02, cluster-03, cluster-04)",
        ]);
        // Every far end is drawn: no link points at a box the drawing lacks.
        const ids = new Set([
            ...central.groups.flatMap((g) => g.nodes.map((n) => n.id)),
            ...central.loose.map((n) => n.id),
        ]);
        for (const e of central.edges)
            expect([ids.has(e.from), ids.has(e.to)], `${e.from} -> ${e.to}`).to.deep.equal([true, true]);
        // A long label line breaks at a space, after a comma or dash, or before a name's dot, never inside an address.
        expect(wrapLine("alertmanager-kps-alertmanager-{0,1,2}.alertmanager-operated:9093", 24)).to.deep.equal([
            "alertmanager-kps-",
            "alertmanager-{0,1,2}",
            ".alertmanager-",
            "operated:9093",
        ]);
        expect(wrapLine("192.168.101.211:10901, :10911", 24)).to.deep.equal(["192.168.101.211:10901,", ":10911"]);
        expect(wrapLine("short", 24)).to.deep.equal(["short"]);
    });

    it("each drawing's legend shows the link styles it uses and no other", async () => {
        const arch = readArchitecture(await committedPlan());
        const drawings = await draw(await committedPlan());
        const graphs = [overview(arch), roleDetail(arch, "central"), roleDetail(arch, "edge")];
        const names: Record<string, string> = {
            mTLS: "mutual TLS",
            TLS: "TLS",
            plaintext: "plaintext",
            unknown: "TLS unknown",
        };
        for (const [i, d] of drawings.entries()) {
            const legend = [...d.dot.matchAll(/legend_[0-9]+_a -> legend_[0-9]+_b \[label="([^"]+)"/g)].map(
                (m) => m[1],
            );
            const used = [...new Set(graphs[i].edges.map((e) => names[e.tls]))];
            expect(legend, d.name).to.have.members(used);
            expect(legend.length, d.name).to.equal(used.length);
        }
        // Today no link uses one-way TLS: no legend shows it.
        expect(drawings.some((d) => /label="TLS"/.test(d.dot))).to.equal(false);
    });

    it("measures what a reader sees: the whole graph in one drawing is too wide, and a scaled drawing's text shrinks", async () => {
        const arch = readArchitecture(await committedPlan());
        const whole = measureSvg(await toSvg(toDot(graph(arch))));
        expect(whole.widthPx, "the whole graph at once (why the README shows the overview)").to.be.above(1200);
        // Graphviz scales a drawing down to its `size` with a scale() on the graph group.
        const dot = toDot(overview(arch)).replace("digraph architecture {", 'digraph architecture {\n  size="4,4";');
        const scaled = await toSvg(dot);
        expect(scaled).to.match(/transform="scale\(0\.[0-9]+ 0\.[0-9]+\)/);
        const small = measureSvg(scaled);
        expect(small.widthPx).to.be.at.most(4 * 96 + 1);
        expect(small.smallestFontPx).to.be.below(11);
        // The committed drawing before the overview: 2,396 pt wide, link labels in 8 pt.
        const before = measureSvg(
            '<svg width="2396pt" height="863pt" viewBox="0.00 0.00 2396.00 863.00"><g transform="scale(1 1) rotate(0) translate(4 859)"><text font-size="8.00">alerts</text></g></svg>',
        );
        expect(before.widthPx).to.be.closeTo(3194.7, 0.1);
        expect(before.smallestFontPx).to.be.closeTo(10.67, 0.01);
    });

    it("the committed drawings (docs/, README) match the render; refresh with `npm run render && npm run diagram -- --update`", async () => {
        const drawings = await draw(await committedPlan());
        const hint =
            "the diagram no longer matches the render: run `npm run render && npm run diagram -- --update` and commit docs/ and README.md";
        for (const d of drawings) {
            expect(d.svg, d.name).to.match(
                /^<\?xml[\s\S]*<svg[\s\S]*cluster(-|&#45;)0[1-4] \((central|edge)\)[\s\S]*<\/svg>\s*$/,
            );
            expect(fs.readFileSync(path.join(PROJECT_ROOT, "docs", `${d.name}.mmd`), "utf8"), hint).to.equal(d.mermaid);
            expect(fs.readFileSync(path.join(PROJECT_ROOT, "docs", `${d.name}.svg`), "utf8") === d.svg, hint).to.equal(
                true,
            );
        }
        expect(fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8"), hint).to.contain(readmeBlock(drawings));
    });
});
