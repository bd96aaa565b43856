import { expect } from "chai";
import * as yaml from "js-yaml";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../policy/rules";
import { renderStacks } from "../offline/render";
import { execFileSync } from "child_process";
import { TEST_SECRETS } from "./helpers";
import { PROJECT_ROOT } from "../offline/projectRoot";

interface Resource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    provider?: { type: string; name: string; urn: string; props: Record<string, any> };
}

let rendered: Record<string, Resource[]>;

/** The rendered stack's resources as a policy sees them (inputs as props, the provider resolved). */
function stackResources(stack: string): Resource[] {
    return JSON.parse(JSON.stringify(rendered[stack]));
}

function policy(name: string): ResourceValidationPolicy & StackValidationPolicy {
    const found = policies.find((p) => p.name === name);
    if (found === undefined) throw new Error(`no policy ${name}`);
    return found as ResourceValidationPolicy & StackValidationPolicy;
}

/** Runs one policy over a stack's resources and returns the violations it reports. */
async function violations(name: string, resources: Resource[]): Promise<string[]> {
    const p = policy(name);
    const found: string[] = [];
    const reportViolation = (message: string) => found.push(message);
    if (p.validateStack !== undefined) {
        await p.validateStack(
            {
                resources: resources as any,
                stackTags: new Map(),
                getConfig: () => ({}) as any,
                notApplicable: () => undefined as never,
            },
            reportViolation,
        );
    }
    if (p.validateResource !== undefined) {
        const validate = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
        for (const r of resources) {
            for (const v of validate)
                await v(
                    {
                        ...r,
                        opts: {} as any,
                        stackTags: new Map(),
                        getConfig: () => ({}) as any,
                        notApplicable: () => undefined as never,
                    } as any,
                    reportViolation,
                );
        }
    }
    return found;
}

function find(resources: Resource[], type: string, name: string): Resource {
    const r = resources.find((x) => x.type === type && x.props.metadata?.name === name);
    if (r === undefined) throw new Error(`no ${type} ${name}`);
    return r;
}

describe("the policy pack", () => {
    before(async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-policy-"));
        await renderStacks({ outDir, secrets: TEST_SECRETS, log: () => undefined });
        rendered = {};
        for (const stack of ["cluster-01", "cluster-02"]) {
            const resources = JSON.parse(fs.readFileSync(path.join(outDir, stack, "resources.json"), "utf8")) as any[];
            const byUrn = new Map(resources.map((r) => [r.urn, r]));
            rendered[stack] = resources.map((r) => {
                const provider = r.provider ? byUrn.get(r.provider) : undefined;
                return {
                    type: r.type,
                    name: r.name,
                    urn: r.urn,
                    props: r.inputs,
                    provider: provider && {
                        type: provider.type,
                        name: provider.name,
                        urn: provider.urn,
                        props: provider.inputs,
                    },
                };
            });
        }
        fs.rmSync(outDir, { recursive: true, force: true });
    });

    it("loads without the offline render's runner, which turns off Pulumi's stack capture, nor the Pulumi SDK", () => {
        const loaded = execFileSync(
            process.execPath,
            [
                "-r",
                path.join(PROJECT_ROOT, "offline", "tsRegister.cjs"),
                "-e",
                'require("./policy/rules.ts"); console.log(JSON.stringify(Object.keys(require.cache)))',
            ],
            { cwd: PROJECT_ROOT, encoding: "utf8" },
        );
        const modules = (JSON.parse(loaded) as string[]).map((m) => path.relative(PROJECT_ROOT, m));
        expect(modules).to.include(path.join("offline", "checks", "security.ts"));
        expect(modules.filter((m) => /^offline\/(runStack|mockEngine|render)\.ts$/.test(m))).to.deep.equal([]);
        // Nor the Pulumi SDKs (a second of CPU to load): the checks it shares with `npm run validate`
        // read names from components/names.ts, not from the components that declare resources.
        expect(modules.filter((m) => m.includes("node_modules/@pulumi/pulumi/")).slice(0, 3)).to.deep.equal([]);
    });

    it("passes the rendered stacks", async () => {
        for (const stack of Object.keys(rendered)) {
            for (const p of policies)
                expect(await violations(p.name, stackResources(stack)), `${stack} ${p.name}`).to.deep.equal([]);
        }
    });

    it("explicit-kubernetes-provider: a resource on the default provider", async () => {
        const resources = stackResources("cluster-02");
        find(resources, "kubernetes:core/v1:Service", "thanos-query-lb").provider = {
            type: "pulumi:providers:kubernetes",
            name: "default_4_34_2",
            urn: "urn:default",
            props: {},
        };
        const found = await violations("explicit-kubernetes-provider", resources);
        expect(found).to.have.lengthOf(1);
        expect(found[0]).to.contain("default Kubernetes provider");
    });

    it("sidecar-grpc-only: an HTTP port, open source ranges or NodePorts on a sidecar LoadBalancer", async () => {
        const resources = stackResources("cluster-02");
        // No stack exposes a sidecar since contract 4: the edge's one LoadBalancer, pointed at a
        // Prometheus pod (its gRPC and HTTP ports), stands for one.
        const spec = find(resources, "kubernetes:core/v1:Service", "thanos-query-lb").props.spec;
        spec.selector = { "statefulset.kubernetes.io/pod-name": "prometheus-kps-prometheus-1" };
        spec.loadBalancerSourceRanges = [];
        delete spec.allocateLoadBalancerNodePorts;
        const found = (await violations("sidecar-grpc-only", resources)).join("\n");
        expect(found).to.contain("exposes http of a Prometheus pod");
        expect(found).to.contain("no loadBalancerSourceRanges");
        expect(found).to.contain("allocates NodePorts");
    });

    it("one-service-per-address: a LoadBalancer Service with a sharing key", async () => {
        const resources = stackResources("cluster-01");
        const frontDoor = find(resources, "kubernetes:core/v1:Service", "frontdoor").props;
        frontDoor.metadata.annotations["lbipam.cilium.io/sharing-key"] = "thanos-central";
        expect(await violations("one-service-per-address", resources)).to.deep.equal([
            "Service frontdoor shares its address (lbipam.cilium.io/sharing-key: thanos-central): one Service per address (cilium/cilium#48419)",
        ]);
    });

    it("strict-remote-endpoints: a remote sidecar that is not strict", async () => {
        const resources = stackResources("cluster-01");
        const configMap = find(resources, "kubernetes:core/v1:ConfigMap", "thanos-query-endpoints").props;
        const config = yaml.load(configMap.data["endpoints.yaml"]) as { endpoints: any[] };
        config.endpoints.find((e: any) => e.address === "192.168.101.211:10901").strict = false;
        configMap.data["endpoints.yaml"] = yaml.dump(config);
        expect(await violations("strict-remote-endpoints", resources)).to.deep.equal([
            "thanos-query-endpoints: remote endpoint 192.168.101.211:10901 must be strict",
        ]);
    });

    it("strict-remote-endpoints: a mid-tier Query's file too, and a group the top reads loosely", async () => {
        const resources = stackResources("cluster-01");
        const configMap = find(resources, "kubernetes:core/v1:ConfigMap", "thanos-query-endpoints").props;
        const config = yaml.load(configMap.data["endpoints.yaml"]) as { endpoints: any[] };
        config.endpoints.find((e: any) => e.address === "192.168.101.211:10901").strict = false;
        const tier = structuredClone(configMap);
        tier.metadata.name = "thanos-query-tier-1-endpoints";
        tier.data["endpoints.yaml"] = yaml.dump(config);
        const group = { address: "thanos-query-tier-1.monitoring.svc.cluster.local:10901", group: true, strict: false };
        configMap.data["endpoints.yaml"] = yaml.dump({ endpoints: [group] });
        const tierResource = { ...find(resources, "kubernetes:core/v1:ConfigMap", "thanos-query-endpoints") };
        resources.push({ ...tierResource, name: "thanos-query-tier-1-endpoints", props: tier });
        expect(await violations("strict-remote-endpoints", resources)).to.deep.equal([
            "thanos-query-endpoints: mid-tier group thanos-query-tier-1.monitoring.svc.cluster.local:10901 must be strict",
            "thanos-query-tier-1-endpoints: remote endpoint 192.168.101.211:10901 must be strict",
        ]);
    });

    it("prometheus-for-thanos: block size, inline credentials, retention and replicas", async () => {
        const resources = stackResources("cluster-02");
        const spec = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.props.values.prometheus
            .prometheusSpec;
        spec.thanos.blockSize = "6h";
        spec.thanos.objectStorageConfig.secret = { type: "S3" };
        spec.retention = "2h";
        spec.replicas = 1;
        // A sidecar serving TLS (no stack does since contract 4) without a client CA.
        spec.thanos.grpcServerTlsConfig = { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" };
        const found = await violations("prometheus-for-thanos", resources);
        expect(found).to.have.lengthOf(5);
        expect(found.join("\n")).to.contain("without a client CA");
    });

    it("thanos-flags, restricted-pods, availability and one-compactor run validate's checks", async () => {
        const resources = stackResources("cluster-01");
        const store = find(resources, "kubernetes:apps/v1:StatefulSet", "thanos-store");
        store.props.spec.template.spec.containers[0].args.push("--store.grpc.series-limit=1");
        store.props.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
        store.props.spec.replicas = 1;
        const compactor = find(resources, "kubernetes:apps/v1:StatefulSet", "thanos-compactor");
        resources.push({ ...JSON.parse(JSON.stringify(compactor)), urn: `${compactor.urn}-copy` });
        expect((await violations("thanos-flags", resources)).join("\n")).to.contain("--store.grpc.series-limit");
        expect((await violations("restricted-pods", resources)).join("\n")).to.contain("readOnlyRootFilesystem");
        expect((await violations("availability", resources)).join("\n")).to.contain("spec.replicas");
        expect(await violations("one-compactor", resources)).to.deep.equal([
            "(stack) compactor: 2 compactors: one bucket takes exactly one",
        ]);
    });
});
