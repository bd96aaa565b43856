import { expect } from "chai";
import { checkNodeSourcedPolicies } from "../offline/checks/nodePolicies";
import { modelClass } from "../offline/fieldCheck";
import { kubernetesObjects } from "../offline/plan";
import { StackRun } from "../offline/runStack";
import type { RenderedPlan } from "../offline/checks/renderedPlan";
import { byType, committedEdgeOutputs, k8sObject, runCommittedStack, stackFile } from "./helpers";

const EDGE_LB = {
    ip: "192.168.101.211",
    manageCiliumIpam: true,
    pool: { start: "192.168.101.211", stop: "192.168.101.211" },
    grpcSourceRanges: ["192.168.101.194/32"],
    httpSourceRanges: ["192.168.101.0/24"],
};

/** The plan validate sees, built from a run (manifests and outputs are all the node-policy check reads). */
function planOf(run: StackRun): RenderedPlan {
    return {
        stack: run.stack,
        manifests: kubernetesObjects(run) as Record<string, any>[],
        outputs: run.outputs as Record<string, any>,
    } as unknown as RenderedPlan;
}

function ipBlocks(run: StackRun): string[] {
    return byType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").flatMap((r: any) =>
        r.inputs.spec.ingress.flatMap((rule: any) =>
            (rule.from ?? []).filter((p: any) => p.ipBlock).map((p: any) => p.ipBlock.cidr),
        ),
    );
}

describe("multi-node clusters under Cilium", () => {
    let edge: StackRun;
    let central: StackRun;

    before(async () => {
        edge = await runCommittedStack("cluster-02", {
            "thanos-multicluster:nodeIps": ["192.168.101.196", "192.168.101.201", "192.168.101.202"],
            // No loadBalancer.l2AnnouncerNode: one Service holds the edge's address, so one lease.
            "thanos-multicluster:loadBalancer": EDGE_LB,
        });
        central = await runCommittedStack(
            "cluster-01",
            // No loadBalancer.l2AnnouncerNode: one Service (the front door) holds the central address.
            { "thanos-multicluster:nodeIps": ["192.168.101.194", "192.168.101.203", "192.168.101.204"] },
            await committedEdgeOutputs(),
        );
    });

    it("accepts a multi-node central cluster without a pinned announcer: one Service, the front door, holds the address, its L2 policy pins no node", () => {
        const [policy] = byType(central, "kubernetes:cilium.io/v2alpha1:CiliumL2AnnouncementPolicy").map(
            (r) => r.inputs as any,
        );
        expect(policy.spec.nodeSelector).to.equal(undefined);
        const loadBalancers = byType(central, "kubernetes:core/v1:Service").filter(
            (r: any) => r.inputs.spec.type === "LoadBalancer",
        );
        expect(loadBalancers.map((r: any) => r.inputs.metadata.name)).to.deep.equal(["frontdoor"]);
        const service = k8sObject(central, "Service", "frontdoor");
        expect(service.metadata.annotations["lbipam.cilium.io/ips"]).to.equal("192.168.101.210");
        // Local: the announcing node's own router pod takes the connection with the client's address.
        expect(service.spec.externalTrafficPolicy).to.equal("Local");
        // Not awaited: migrating, it gets the address only once Pulumi has deleted the five old
        // Services at the end of the same update (docs/operations.md).
        expect(service.metadata.annotations["pulumi.com/skipAwait"]).to.equal("true");
        for (const [k, v] of Object.entries(policy.spec.serviceSelector.matchLabels))
            expect(service.metadata.labels[k]).to.equal(v);
        // A router on every node the lease may land on: a DaemonSet tolerating every taint.
        const router = k8sObject(central, "DaemonSet", "frontdoor");
        expect(router.spec.template.spec.tolerations).to.deep.equal([{ operator: "Exists" }]);
        expect(router.spec.template.spec.nodeSelector).to.equal(undefined);
        // A rollout starts a node's new router before stopping its old one (maxSurge, no port is
        // claimed on the host): with externalTrafficPolicy Local the lease holder never lacks a local backend.
        expect(router.spec.updateStrategy).to.deep.equal({
            type: "RollingUpdate",
            rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
        });
        // ...and the old one stops only once the new one has been ready a while: /healthz answers as soon
        // as HAProxy listens, while its servers (init-addr none) wait for their first DNS answer and
        // health check (every 5 s).
        expect(router.spec.minReadySeconds).to.be.at.least(5);
        // Readiness is /healthz (503 while no server is up); liveness must not be, or a router that can
        // reach nothing would be restarted in a loop.
        expect(router.spec.template.spec.containers[0].readinessProbe.httpGet.path).to.equal("/healthz");
        expect(router.spec.template.spec.containers[0].livenessProbe.httpGet).to.equal(undefined);
        // A stopping router keeps accepting until Cilium has taken its endpoint out (preStop wait), then
        // HAProxy soft-stops (the image's stop signal, SIGUSR1) and drains for up to hard-stop-after:
        // the grace period covers both, or the kubelet kills it mid-drain.
        const [container] = router.spec.template.spec.containers;
        const [, wait] = container.lifecycle?.preStop?.exec?.command ?? [];
        expect(Number(wait), "the preStop wait (sleep <seconds>)").to.be.at.least(3);
        const config = k8sObject(central, "ConfigMap", "frontdoor").data["haproxy.cfg"];
        const hardStop = Number(/^\s*hard-stop-after (\d+)s$/m.exec(config)?.[1]);
        expect(router.spec.template.spec.terminationGracePeriodSeconds).to.be.greaterThan(Number(wait) + hardStop);
        for (const container of router.spec.template.spec.containers)
            for (const port of container.ports) expect(port).not.to.have.property("hostPort");
        expect(router.spec.selector.matchLabels).to.deep.equal(service.spec.selector);
        // The outputs the operators and the edges read keep their addresses and ports.
        expect(central.outputs.queryUrl).to.equal("http://192.168.101.210:9090");
        expect(central.outputs.grafanaUrl).to.equal("http://192.168.101.210:3000");
        expect(central.outputs.alertmanagerEdgeEndpoints).to.deep.equal([
            "192.168.101.210:9093",
            "192.168.101.210:9094",
            "192.168.101.210:9095",
        ]);
        expect(service.spec.ports.map((p: any) => p.port)).to.deep.equal([9090, 3000, 9093, 9094, 9095]);
    });

    it("no LoadBalancer Service on any stack carries a sharing key", async () => {
        for (const run of [edge, central, await runCommittedStack("cluster-03")])
            for (const r of byType(run, "kubernetes:core/v1:Service").filter(
                (r: any) => r.inputs.spec.type === "LoadBalancer",
            ))
                expect((r.inputs as any).metadata.annotations ?? {}).not.to.have.property(
                    "lbipam.cilium.io/sharing-key",
                );
        // Nor does the chart's Grafana: it is in-cluster only now.
        const release = byType(central, "kubernetes:helm.sh/v3:Release")[0] as any;
        expect(release.inputs.values.grafana.service).to.deep.equal({ type: "ClusterIP", port: 3000 });
    });

    it("accepts a multi-node edge without a pinned announcer: its L2 policy pins no node, and one Service holds the address", () => {
        const [policy] = byType(edge, "kubernetes:cilium.io/v2alpha1:CiliumL2AnnouncementPolicy").map(
            (r) => r.inputs as any,
        );
        expect(policy.spec.nodeSelector).to.equal(undefined);
        const holders = byType(edge, "kubernetes:core/v1:Service").filter(
            (r: any) => r.inputs.metadata.annotations?.["lbipam.cilium.io/ips"] === "192.168.101.211",
        );
        expect(holders.map((r: any) => r.inputs.metadata.name)).to.deep.equal(["thanos-query-lb"]);
        const service = k8sObject(edge, "Service", "thanos-query-lb");
        expect(service.metadata.annotations).not.to.have.property("lbipam.cilium.io/sharing-key");
        for (const [k, v] of Object.entries(policy.spec.serviceSelector.matchLabels))
            expect(service.metadata.labels[k]).to.equal(v);
    });

    it("refuses loadBalancer.l2AnnouncerNode on an edge, naming the key and the fix", async () => {
        let error: unknown;
        try {
            await runCommittedStack("cluster-02", {
                "thanos-multicluster:nodeIps": ["192.168.101.196", "192.168.101.201"],
                "thanos-multicluster:loadBalancer": { ...EDGE_LB, l2AnnouncerNode: "cluster-02-worker-1" },
            });
        } catch (err) {
            error = err;
        }
        expect(String(error)).to.contain("thanos-multicluster:loadBalancer.l2AnnouncerNode is no longer used");
        expect(String(error)).to.contain("pulumi config rm --path loadBalancer.l2AnnouncerNode");
    });

    it("a one-node cluster's L2 policy has no node selector", async () => {
        const run = await runCommittedStack("cluster-03");
        const [policy] = byType(run, "kubernetes:cilium.io/v2alpha1:CiliumL2AnnouncementPolicy").map(
            (r) => r.inputs as any,
        );
        expect(policy.spec.nodeSelector).to.equal(undefined);
    });

    it("puts no node address in any ipBlock, on any stack (Cilium ignores them without policy-cidr-match-mode=nodes)", () => {
        for (const run of [edge, central]) {
            // The edges' node addresses admitted to the central Alertmanager are other clusters' nodes:
            // to the central Cilium they are outside addresses, which ipBlock matches.
            for (const cidr of ipBlocks(run))
                expect([
                    "192.168.101.194/32",
                    "192.168.101.0/24",
                    "192.168.101.196/32",
                    "192.168.101.197/32",
                    "192.168.101.198/32",
                ]).to.include(cidr);
        }
        expect(ipBlocks(edge)).to.deep.equal(["192.168.101.194/32", "192.168.101.0/24"]);
    });

    it("admits load-balanced traffic SNATed by any node through CiliumNetworkPolicy entities, on an edge's LoadBalancer ports only", () => {
        const entities = (run: StackRun, name: string) => k8sObject(run, "CiliumNetworkPolicy", name).spec;
        expect(entities(edge, "thanos-query-from-nodes")).to.deep.equal({
            endpointSelector: {
                matchLabels: {
                    "app.kubernetes.io/name": "thanos",
                    "app.kubernetes.io/component": "query",
                    "app.kubernetes.io/part-of": "thanos-multicluster",
                },
            },
            ingress: [
                {
                    fromEntities: ["host", "remote-node"],
                    toPorts: [
                        {
                            ports: [
                                { port: "10901", protocol: "TCP" },
                                { port: "9090", protocol: "TCP" },
                            ],
                        },
                    ],
                },
            ],
        });
        // Centrally nothing arrives SNATed by a node: the front door's Service keeps the client's
        // address (externalTrafficPolicy Local) and its routers reach Query and Grafana as pods. The
        // one Cilium policy is Alertmanager's: the routers, at L7 (the edges' requests and the
        // routers' health check), and the pod's own node at L4 for kubelet's probes.
        expect(
            byType(central, "kubernetes:cilium.io/v2:CiliumNetworkPolicy")
                .map((r: any) => r.inputs.metadata.name)
                .sort(),
        ).to.deep.equal(["alertmanager-edge-api"]);
        const alertmanager = entities(central, "alertmanager-edge-api").ingress;
        expect(alertmanager.map((r: any) => r.fromEntities ?? r.fromEndpoints)).to.deep.equal([
            [
                {
                    matchLabels: {
                        "app.kubernetes.io/name": "haproxy",
                        "app.kubernetes.io/component": "frontdoor",
                        "app.kubernetes.io/part-of": "thanos-multicluster",
                    },
                },
            ],
            ["host"],
        ]);
        expect(alertmanager[0].toPorts[0].rules.http).to.deep.include({ method: "POST", path: "/api/v2/alerts" });
        expect(alertmanager[1].toPorts).to.deep.equal([{ ports: [{ port: "9093", protocol: "TCP" }] }]);
    });

    it("every CiliumNetworkPolicy validates against Cilium's CRD schema (@kubernetes-models/cilium)", async () => {
        const CiliumNetworkPolicy = await modelClass("cilium.io/v2", "CiliumNetworkPolicy");
        const policies = [
            ...byType(edge, "kubernetes:cilium.io/v2:CiliumNetworkPolicy"),
            ...byType(central, "kubernetes:cilium.io/v2:CiliumNetworkPolicy"),
        ];
        expect(policies).to.have.lengthOf(2);
        for (const policy of policies) new CiliumNetworkPolicy(policy.inputs).validate();
        // The schema does reject a wrong entity: the check can fail.
        const broken = JSON.parse(JSON.stringify(policies[0].inputs));
        broken.spec.ingress[0].fromEntities = ["nodes"];
        expect(() => new CiliumNetworkPolicy(broken).validate()).to.throw();
    });

    it("validate reports a node rule that admits the world, opens another port, or is missing", () => {
        expect(checkNodeSourcedPolicies(planOf(edge))).to.deep.equal([]);
        expect(checkNodeSourcedPolicies(planOf(central))).to.deep.equal([]);
        const world = planOf(edge);
        world.manifests.find((o) => o.kind === "CiliumNetworkPolicy")!.spec.ingress[0].fromEntities.push("world");
        expect(
            checkNodeSourcedPolicies(world)
                .map((f) => f.message)
                .join("\n"),
        ).to.contain("admits world");
        const port = planOf(edge);
        port.manifests
            .find((o) => o.kind === "CiliumNetworkPolicy")!
            .spec.ingress[0].toPorts[0].ports.push({ port: "9091", protocol: "TCP" });
        expect(
            checkNodeSourcedPolicies(port)
                .map((f) => f.message)
                .join("\n"),
        ).to.contain("opens port 9091");
        const missing = planOf(edge);
        missing.manifests = missing.manifests.filter(
            (o) => !(o.kind === "CiliumNetworkPolicy" && o.metadata.name === "thanos-query-from-nodes"),
        );
        expect(
            checkNodeSourcedPolicies(missing)
                .map((f) => f.message)
                .join("\n"),
        ).to.contain("no CiliumNetworkPolicy admits the cluster's nodes (host, remote-node) on 10901");
    });

    it("committed stack files list their nodes as nodeIps", () => {
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            expect(stackFile(stack).config["thanos-multicluster:nodeIps"]).to.be.an("array").with.lengthOf(1);
            expect(stackFile(stack).config["thanos-multicluster:nodeIp"]).to.equal(undefined);
        }
    });
});
