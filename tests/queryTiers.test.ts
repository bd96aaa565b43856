// The central Query's tiers (components/thanosQuery/tiers.ts, docs/architecture.md): where the
// design switches from one Query to mid-tier groups, how edges are grouped, and what each Query
// reads, built by the functions the render uses; then a render past the switch, checked by validate.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    EdgeCluster,
    QueryEndpoint,
    QueryLayout,
    edgeTlsChecksum,
    endpointFileYaml,
    queryArgs,
    queryLayout,
    queryReplicaLabels,
    queryTierArgs,
    tierGroups,
} from "../components/thanosQuery";
import { centralQueryInputs } from "../components/thanosControlPlane";
import { CentralSettings, parseClusterSettings } from "../config";
import { thanosConfigProblems } from "../schemas/thanos";
import { generatedEdgeName, writeGeneratedDeployment } from "../offline/generatedDeployment";
import { renderStacks } from "../offline/render";
import { findStackFiles } from "../offline/stackFiles";
import { RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { checkInvariants } from "../offline/checks/crossStack";
import { checkScale } from "../offline/checks/scale";
import { checkThanosConfigs } from "../offline/checks/thanosConfigs";
import { checkAvailability } from "../offline/checks/availability";
import { checkNetwork } from "../offline/checks/network";
import { queryReaders } from "../offline/checks/queryTiers";
import { formatFindings } from "../offline/validate";
import { tierStats } from "../offline/bench/tierStats";
import { TEST_SECRETS, generatedEdgeCluster, projectConfig } from "./helpers";

function centralSettings(overrides: Record<string, unknown> = {}): CentralSettings {
    const config = projectConfig("cluster-01");
    config.central = { ...config.central, ...overrides };
    return parseClusterSettings(config, { kubeconfig: false }).central!;
}

const edge = generatedEdgeCluster;

function layoutFor(edges: EdgeCluster[], central: CentralSettings): QueryLayout {
    return queryLayout(
        centralQueryInputs("cluster-01", 2, central, edges),
        edges.map((e) => e.stackName),
        central.query.maxEdgesPerQuery,
    );
}

/** The edges (by stack) whose entries a Query's endpoints hold. */
function edgesRead(endpoints: QueryEndpoint[], edges: EdgeCluster[]): string[] {
    return edges.filter((e) => endpoints.some((x) => x.address === e.queryEndpoint)).map((e) => e.stackName);
}

describe("the central Query's tiers", () => {
    const central = centralSettings();

    it("reads at most 25 edges per Query by default, and refuses a maximum below 2 naming the key", () => {
        expect(central.query.maxEdgesPerQuery).to.equal(25);
        for (const bad of [1, 0, 2.5, "many"]) {
            expect(() => centralSettings({ query: { maxEdgesPerQuery: bad } }), String(bad)).to.throw(
                /central\.query\.maxEdgesPerQuery/,
            );
        }
        expect(centralSettings({ query: { maxEdgesPerQuery: 40 } }).query.maxEdgesPerQuery).to.equal(40);
    });

    it("stays one tier up to the maximum and switches to groups one edge past it", () => {
        const at = layoutFor(
            Array.from({ length: 25 }, (_, i) => edge(i)),
            central,
        );
        expect(at.tiers).to.deep.equal([]);
        expect(at.top.filter((e) => e.group === true)).to.deep.equal([]);
        expect(at.top.filter((e) => e.tls !== undefined)).to.have.lengthOf(25);

        const past = layoutFor(
            Array.from({ length: 26 }, (_, i) => edge(i)),
            central,
        );
        expect(past.tiers.map((t) => t.stacks.length)).to.deep.equal([25, 1]);
        expect(past.top.filter((e) => e.tls !== undefined)).to.deep.equal([]);
        expect(past.top.filter((e) => e.group === true).map((e) => e.address)).to.deep.equal([
            "thanos-query-tier-1.monitoring.svc.cluster.local:10901",
            "thanos-query-tier-2.monitoring.svc.cluster.local:10901",
        ]);
    });

    it("at 300 edges: no Query reads more than 25 edges, every edge exactly once across the tiers", () => {
        const edges = Array.from({ length: 300 }, (_, i) => edge(i));
        const layout = layoutFor(edges, central);
        expect(layout.tiers).to.have.lengthOf(12);
        expect(edgesRead(layout.top, edges)).to.deep.equal([]);
        const readers = [layout.top, ...layout.tiers.map((t) => t.endpoints)];
        for (const endpoints of readers) expect(edgesRead(endpoints, edges).length).to.be.at.most(25);
        for (const e of edges)
            for (const address of [e.queryEndpoint]) {
                const holders = readers.filter((endpoints) => endpoints.some((x) => x.address === address));
                expect(holders, address).to.have.lengthOf(1);
                expect(
                    holders[0].filter((x) => x.address === address),
                    address,
                ).to.have.lengthOf(1);
            }
        // The top reads each group once, strictly, as an HA group; the files are what Thanos v0.42.4 reads.
        const groups = layout.top.filter((e) => e.group === true);
        expect(groups).to.have.lengthOf(12);
        expect(groups.every((g) => g.strict)).to.equal(true);
        for (const endpoints of readers) {
            const document = yaml.load(endpointFileYaml(endpoints));
            expect(thanosConfigProblems("endpoint-sd-config", document)).to.deep.equal([]);
        }
        const topFile = yaml.load(endpointFileYaml(layout.top)) as { endpoints: Record<string, unknown>[] };
        expect(topFile.endpoints.filter((e) => e.group === true && e.strict === true)).to.have.lengthOf(12);
    });

    it("keeps every existing group as it was when an edge is appended", () => {
        const order = Array.from({ length: 60 }, (_, i) => generatedEdgeName(i + 1));
        const before = tierGroups(order, 25);
        const after = tierGroups([...order, "edge-new"], 25);
        expect(after.slice(0, before.length - 1)).to.deep.equal(before.slice(0, -1));
        expect(after[before.length - 1]).to.deep.equal([...before[before.length - 1], "edge-new"]);
        expect(tierGroups([...order.slice(0, 50), "edge-new"], 25)).to.deep.equal([
            order.slice(0, 25),
            order.slice(25, 50),
            ["edge-new"],
        ]);
        expect(() => tierGroups(order, 0)).to.throw(/maxEdgesPerQuery/);
    });

    it("rolls only the group of an edge whose CA changes", () => {
        const edges = Array.from({ length: 60 }, (_, i) => edge(i));
        const renewed = edges.map((e, i) => (i === 30 ? edge(i, "renewed ca") : e));
        const groups = tierGroups(
            edges.map((e) => e.stackName),
            25,
        );
        const checksums = (all: EdgeCluster[]) =>
            groups.map((stacks) =>
                edgeTlsChecksum(
                    all.filter((e) => stacks.includes(e.stackName)),
                    "client",
                ),
            );
        const [a, b] = [checksums(edges), checksums(renewed)];
        expect(a.map((c, i) => c !== b[i])).to.deep.equal([false, true, false]);
    });

    it("deduplicates at the top only: a mid tier names no replica label, the top every one", () => {
        const edges = Array.from({ length: 30 }, (_, i) => edge(i));
        expect(queryTierArgs(central).filter((a) => a.startsWith("--query.replica-label"))).to.deep.equal([]);
        expect(queryArgs(central, queryReplicaLabels(edges))).to.include("--query.replica-label=prometheus_replica");
        const timeout = (args: string[]) => args.find((a) => a.startsWith("--store.response-timeout="));
        expect(timeout(queryTierArgs(central))).to.equal("--store.response-timeout=30s");
        expect(timeout(queryArgs(central, []))).to.equal("--store.response-timeout=1m");
        // Distributed mode stays an opt-in for later: neither tier sets it.
        expect(
            [...queryTierArgs(central), ...queryArgs(central, [])].some((a) => a.startsWith("--query.mode")),
        ).to.equal(false);
    });
});

describe("a generated deployment of 12 edges, past a maximum of 5 edges per Query", () => {
    let dir: string;
    let plans: RenderedPlan[];
    let central: RenderedPlan;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-query-tiers-"));
        writeGeneratedDeployment(dir, 12);
        const file = path.join(dir, "Pulumi.cluster-01.yaml");
        const stack = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, any> };
        stack.config["thanos-multicluster:central"].query = {
            ...stack.config["thanos-multicluster:central"].query,
            maxEdgesPerQuery: 5,
        };
        fs.writeFileSync(file, yaml.dump(stack));
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            await renderStacks({
                outDir: path.join(dir, "out"),
                stackFiles: findStackFiles(dir),
                secrets: TEST_SECRETS,
                log: () => undefined,
            });
        } finally {
            process.chdir(cwd);
        }
        plans = loadPlans(path.join(dir, "out"), dir);
        central = plans.find((p) => p.stack === "cluster-01")!;
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs three mid-tier pairs of 5, 5 and 2 edges under the top Query", () => {
        const readers = queryReaders(central);
        expect(readers[0].name).to.equal("Deployment/monitoring/thanos-query");
        expect(readers.map((r) => r.name).sort()).to.deep.equal([
            "Deployment/monitoring/thanos-query",
            "Deployment/monitoring/thanos-query-tier-1",
            "Deployment/monitoring/thanos-query-tier-2",
            "Deployment/monitoring/thanos-query-tier-3",
        ]);
        const stats = tierStats(plans);
        expect(stats).to.deep.include({ groups: 3, topEdgeEndpoints: 0, midEdgeEndpoints: { min: 2, max: 5 } });
        // Each edge's CA is mounted by its group's two pods alone.
        expect(stats.podsRolledByOneEdgeCa).to.equal(2);
        expect(stats.wanTlsConnections).to.equal(12 * 2);
        for (const kind of ["Service", "PodDisruptionBudget", "ConfigMap"]) {
            const names = central.manifests.filter((o) => o.kind === kind).map((o) => o.metadata.name);
            const expected = ["thanos-query-tier-1", "thanos-query-tier-2", "thanos-query-tier-3"].map((n) =>
                kind === "ConfigMap" ? `${n}-endpoints` : n,
            );
            expect(names, kind).to.include.members(expected);
        }
        const top = readers[0].object.spec.template;
        expect(top.metadata.annotations ?? {}).to.not.have.property("checksum/edge-tls");
        expect(top.spec.volumes.map((v: { name: string }) => v.name)).to.deep.equal(["endpoints"]);
    });

    it("passes validate's wiring, tier, config-document, scale, availability and network checks", () => {
        const findings = [
            ...plans.flatMap((p) => [...checkScale(p), ...checkThanosConfigs(p), ...checkAvailability(p)]),
            ...checkNetwork(central),
            ...checkInvariants(plans),
        ];
        const errors = findings.filter((f) => f.severity === "error");
        expect(errors, formatFindings(errors)).to.deep.equal([]);
    });

    it("reports an edge read twice, a mid tier over the maximum and a group the top reads loosely", () => {
        const copy = structuredClone(central);
        const files = copy.manifests.filter(
            (o) => o.kind === "ConfigMap" && /^thanos-query(-tier-\d)?-endpoints$/.test(o.metadata.name),
        );
        const file = (name: string) => files.find((o) => o.metadata.name === name)!;
        const tier1 = yaml.load(file("thanos-query-tier-1-endpoints").data["endpoints.yaml"]) as { endpoints: any[] };
        const tier2 = yaml.load(file("thanos-query-tier-2-endpoints").data["endpoints.yaml"]) as { endpoints: any[] };
        // tier 2 also reads tier 1's first edge: twice through the tiers, and 6 edges in tier 2.
        tier2.endpoints.push(...tier1.endpoints.slice(0, 1));
        file("thanos-query-tier-2-endpoints").data["endpoints.yaml"] = yaml.dump(tier2);
        const top = yaml.load(file("thanos-query-endpoints").data["endpoints.yaml"]) as { endpoints: any[] };
        top.endpoints.find((e) => e.group === true).strict = false;
        file("thanos-query-endpoints").data["endpoints.yaml"] = yaml.dump(top);
        const messages = checkInvariants(plans.map((p) => (p === central ? copy : p))).map(
            (f) => `${f.object} ${f.message}`,
        );
        expect(messages.join("\n")).to.contain("reads 6 edges, over central.query.maxEdgesPerQuery (5)");
        expect(messages.join("\n")).to.match(
            /is read by Deployment\/monitoring\/thanos-query-tier-1 and Deployment\/monitoring\/thanos-query-tier-2/,
        );
        expect(messages.join("\n")).to.contain("must be strict, or a mid tier that is down");
    });
});
