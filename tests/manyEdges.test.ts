// Many edges: a generated deployment (stack files as a user would add them) renders, and its central
// stack stays deployable: every edge replica in Query's endpoint file exactly once, no container
// argument over 128 KiB, no ConfigMap or Secret near 1 MiB. The full 300-edge render is the
// benchmark's (`npm run bench -- --edges 300` runs these checks on it); here a 12-edge render, plus
// the central's endpoint file and Query's arguments built for 300 edges by the same functions.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    EdgeCluster,
    endpointFileYaml,
    queryArgs,
    queryConfigMapSpec,
    queryEndpoints,
    queryReplicaLabels,
} from "../components/thanosQuery";
import { centralQueryInputs } from "../components/thanosControlPlane";
import { MAX_ARGUMENT_BYTES, MAX_CONFIG_OBJECT_BYTES, checkScale, configObjectBytes } from "../offline/checks/scale";
import { generatedEdgeName, writeGeneratedDeployment } from "../offline/generatedDeployment";
import { renderStacks } from "../offline/render";
import { findStackFiles } from "../offline/stackFiles";
import { checkThanosConfigs } from "../offline/checks/thanosConfigs";
import { checkInvariants } from "../offline/checks/crossStack";
import { Finding, RenderedPlan, loadPlans } from "../offline/checks/renderedPlan";
import { checkThanosFlags } from "../offline/checks/thanosFlags";
import { formatFindings } from "../offline/validate";
import { TEST_SECRETS, generatedEdgeCluster, projectConfig } from "./helpers";
import { parseClusterSettings } from "../config";

const EDGES = 12;

function endpointAddresses(plan: RenderedPlan): string[] {
    const configMap = plan.manifests.find(
        (o) => o.kind === "ConfigMap" && o.metadata.name === "thanos-query-endpoints",
    )!;
    return (yaml.load(configMap.data["endpoints.yaml"]) as { endpoints: { address: string }[] }).endpoints.map(
        (e) => e.address,
    );
}

describe(`a generated deployment of ${EDGES} edges`, () => {
    let dir: string;
    let outDir: string;
    let plans: RenderedPlan[];

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-many-edges-"));
        outDir = path.join(dir, "out");
        writeGeneratedDeployment(dir, EDGES);
        // The program reads its sibling stack files from the working directory, as under `pulumi up`.
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            await renderStacks({
                outDir,
                stackFiles: findStackFiles(dir),
                secrets: TEST_SECRETS,
                log: () => undefined,
            });
        } finally {
            process.chdir(cwd);
        }
        plans = loadPlans(outDir, dir);
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("renders every edge and the central stack, which lists them all", () => {
        expect(plans.map((p) => p.stack).sort()).to.deep.equal(
            [...Array.from({ length: EDGES }, (_, i) => generatedEdgeName(i + 1)), "cluster-01"].sort(),
        );
        const central = (yaml.load(fs.readFileSync(path.join(dir, "Pulumi.cluster-01.yaml"), "utf8")) as any).config[
            "thanos-multicluster:central"
        ];
        expect(central.edgeStacks).to.have.lengthOf(EDGES);
    });

    it("wires every edge's Query into the central Query's endpoint file exactly once", () => {
        const central = plans.find((p) => p.stack === "cluster-01")!;
        const addresses = endpointAddresses(central);
        const edgeAddresses = plans
            .filter((p) => p.outputs.role === "edge")
            .map((p) => p.outputs.queryEndpoint as string);
        expect(new Set(edgeAddresses).size).to.equal(EDGES);
        for (const address of edgeAddresses)
            expect(
                addresses.filter((a) => a === address),
                address,
            ).to.have.lengthOf(1);
        expect(new Set(addresses).size).to.equal(addresses.length);
    });

    it("passes validate's wiring, config-document and scale checks (the object schemas are the same as in the four-stack render)", () => {
        const findings = [
            ...plans.flatMap((p) => [...checkScale(p), ...checkThanosConfigs(p), ...checkThanosFlags(p)]),
            ...checkInvariants(plans),
        ];
        const errors = findings.filter((f) => f.severity === "error");
        expect(errors, formatFindings(errors)).to.deep.equal([]);
    });
});

describe("the central stack's Query at 300 edges (the same functions the render uses)", () => {
    const central = parseClusterSettings(projectConfig("cluster-01"), { kubeconfig: false }).central!;
    const edges: EdgeCluster[] = Array.from({ length: 300 }, (_, i) => generatedEdgeCluster(i));
    const endpoints = queryEndpoints(centralQueryInputs("cluster-01", 2, central, edges));

    it("names each of the 300 edges' Query exactly once in the endpoint file", () => {
        const addresses = (
            yaml.load(endpointFileYaml(endpoints)) as { endpoints: { address: string }[] }
        ).endpoints.map((e) => e.address);
        for (const edge of edges)
            expect(
                addresses.filter((a) => a === edge.queryEndpoint),
                edge.queryEndpoint,
            ).to.have.lengthOf(1);
        expect(new Set(addresses).size).to.equal(addresses.length);
    });

    it("keeps every argument under 128 KiB and the endpoint ConfigMap far from 1 MiB", () => {
        for (const arg of queryArgs(central, queryReplicaLabels(edges)))
            expect(Buffer.byteLength(arg)).to.be.at.most(MAX_ARGUMENT_BYTES);
        const configMap = { kind: "ConfigMap", ...queryConfigMapSpec(endpointFileYaml(endpoints)) } as Record<
            string,
            any
        >;
        expect(configObjectBytes(configMap)).to.be.below(MAX_CONFIG_OBJECT_BYTES);
    });
});

describe("the scale check", () => {
    const plan = (manifests: Record<string, any>[]): RenderedPlan => ({
        stack: "cluster-01",
        config: {},
        manifests,
        releases: [],
        resources: [],
        outputs: {},
        files: {},
    });
    const messages = (findings: Finding[]) => findings.map((f) => `${f.object} ${f.field} ${f.message}`).join("\n");

    it("reports an argument over 128 KiB, a ConfigMap near 1 MiB and an endpoint named twice", () => {
        const deployment = {
            kind: "Deployment",
            metadata: { name: "thanos-query", namespace: "monitoring" },
            spec: {
                template: {
                    spec: {
                        volumes: [{ name: "endpoints", configMap: { name: "thanos-query-endpoints" } }],
                        containers: [
                            {
                                name: "thanos",
                                image: "quay.io/thanos/thanos:v0.42.4",
                                args: [
                                    "query",
                                    `--endpoint.sd-config=${"x".repeat(MAX_ARGUMENT_BYTES + 1)}`,
                                    "--endpoint.sd-config-file=/etc/thanos/endpoints/endpoints.yaml",
                                ],
                                volumeMounts: [{ name: "endpoints", mountPath: "/etc/thanos/endpoints" }],
                            },
                        ],
                    },
                },
            },
        };
        const twice = yaml.dump({ endpoints: [{ address: "10.21.0.1:10901" }, { address: "10.21.0.1:10901" }] });
        const small = {
            kind: "ConfigMap",
            metadata: { name: "thanos-query-endpoints", namespace: "monitoring" },
            data: { "endpoints.yaml": twice },
        };
        const big = {
            kind: "Secret",
            metadata: { name: "big", namespace: "monitoring" },
            stringData: { blob: "y".repeat(900 * 1024) },
        };
        expect(checkScale(plan([deployment, small]))).to.satisfy((f: Finding[]) =>
            messages(f).includes("over Linux's 128 KiB"),
        );
        expect(messages(checkScale(plan([big])))).to.contain("Secret/monitoring/big data holds 901 KiB");
        // Without the inline flag, the file is read and the repeated address reported.
        deployment.spec.template.spec.containers[0].args.splice(1, 1);
        expect(messages(checkScale(plan([deployment, small])))).to.contain("names 10.21.0.1:10901 more than once");
    });
});
