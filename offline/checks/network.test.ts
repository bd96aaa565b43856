import { expect } from "chai";
import { checkNetwork } from "./network";
import { expectFinding, loadCommittedPlans, manifest, plan, plans } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("network", () => {
        it("reports a sidecar gRPC open beyond the central cluster", () => {
            const all = plans();
            const edge = plan(all, "cluster-02");
            manifest(edge, "NetworkPolicy", "prometheus").spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } });
            expectFinding(checkNetwork(edge), {
                field: "spec.ingress.from.ipBlock",
                message: "0.0.0.0/0 may reach the sidecar's gRPC",
            });
            const open = plans();
            delete manifest(plan(open, "cluster-03"), "NetworkPolicy", "prometheus").spec.ingress[0].from;
            expectFinding(checkNetwork(plan(open, "cluster-03")), {
                field: "spec.ingress",
                message: "open to any source",
            });
            const none = plans();
            plan(none, "cluster-04").manifests = plan(none, "cluster-04").manifests.filter(
                (o) => o.kind !== "NetworkPolicy",
            );
            expectFinding(checkNetwork(plan(none, "cluster-04")), { message: "open to any source" });
        });

        it("reports a LoadBalancer with no source range, and warns about one open to 0.0.0.0/0", () => {
            const pristine = plans();
            for (const p of pristine)
                expect(checkNetwork(p).filter((f) => f.field.includes("loadBalancerSourceRanges"))).to.deep.equal([]);
            const all = plans();
            delete manifest(plan(all, "cluster-02"), "Service", "thanos-query-lb").spec.loadBalancerSourceRanges;
            expectFinding(checkNetwork(plan(all, "cluster-02")), {
                object: "Service/monitoring/thanos-query-lb",
                field: "spec.loadBalancerSourceRanges",
                message: "admits every address",
            });
            const central = plan(all, "cluster-01");
            manifest(central, "Service", "thanos-query-lb").spec.loadBalancerSourceRanges.push("0.0.0.0/0");
            const kps = central.releases.find((r) => r.chart === "kube-prometheus-stack")!.values as any;
            kps.grafana.service.loadBalancerSourceRanges = [];
            const findings = checkNetwork(central);
            expectFinding(findings, {
                severity: "warning",
                field: "spec.loadBalancerSourceRanges",
                message: "0.0.0.0/0",
            });
            expectFinding(findings, { field: "grafana.service.loadBalancerSourceRanges", message: "is empty" });
        });

        it("reports in-cluster pods other than Query reaching the central sidecars", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "NetworkPolicy", "prometheus").spec.ingress[0].from = [
                { podSelector: {} },
            ];
            expectFinding(checkNetwork(plan(all, "cluster-01")), { field: "spec.ingress.from.podSelector" });
        });

        it("reports a sidecar HTTP port on a LoadBalancer", () => {
            const all = plans();
            // No stack exposes a sidecar since contract 4: the edge's one LoadBalancer, pointed at a
            // Prometheus pod, stands for one (its http port is then the sidecar's).
            manifest(plan(all, "cluster-02"), "Service", "thanos-query-lb").spec.selector = {
                "statefulset.kubernetes.io/pod-name": "prometheus-kps-prometheus-1",
            };
            expectFinding(checkNetwork(plan(all, "cluster-02")), {
                object: "Service/monitoring/thanos-query-lb",
                message: "only the sidecar's gRPC may leave",
            });
        });

        describe("Alertmanager's API from the edges (as Cilium would enforce the rendered policies)", () => {
            const ingressFindings = (p: ReturnType<typeof plan>) =>
                checkNetwork(p).filter((f) => f.object === "(Alertmanager pods, port 9093)");

            it("the committed central stack: edges post alerts only, the namespace keeps the API, probes pass", () => {
                expect(ingressFindings(plan(plans(), "cluster-01"))).to.deep.equal([]);
            });

            it("reports an L4 rule for an edge range on 9093, which voids the L7 rule", () => {
                const all = plans();
                const central = plan(all, "cluster-01");
                manifest(central, "NetworkPolicy", "alertmanager").spec.ingress[0].from.push({
                    ipBlock: { cidr: "192.168.101.196/32" },
                });
                expectFinding(ingressFindings(central), {
                    field: "spec.ingress",
                    message: "edge range 192.168.101.196/32 is admitted at L4 by NetworkPolicy/monitoring/alertmanager",
                });
                const nodes = plan(plans(), "cluster-01");
                manifest(nodes, "CiliumNetworkPolicy", "alertmanager-edge-api").spec.ingress[2].fromEntities.push(
                    "remote-node",
                );
                expectFinding(ingressFindings(nodes), { message: "another node (remote-node" });
            });

            it("reports an HTTP rule that lets an edge near silences or the UI", () => {
                const central = plan(plans(), "cluster-01");
                manifest(
                    central,
                    "CiliumNetworkPolicy",
                    "alertmanager-edge-api",
                ).spec.ingress[0].toPorts[0].rules.http.push({ method: "POST|GET", path: "/api/v2/.*" });
                const findings = ingressFindings(central);
                expectFinding(findings, { field: "rules.http", message: "POST /api/v2/silences is allowed" });
                expectFinding(findings, { field: "rules.http", message: "GET /api/v2/silences is allowed" });
                // Full match: a path regex without the query part does not match a request with one.
                const prefix = plan(plans(), "cluster-01");
                manifest(prefix, "CiliumNetworkPolicy", "alertmanager-edge-api").spec.ingress[1].toPorts[0].rules.http =
                    [{ method: "POST", path: "/api/v2/alert" }];
                expectFinding(ingressFindings(prefix), { message: "POST /api/v2/alerts is refused (403)" });
            });

            it("reports edges that cannot reach the API, and a probe the host could not make", () => {
                const central = plan(plans(), "cluster-01");
                const policy = manifest(central, "CiliumNetworkPolicy", "alertmanager-edge-api");
                policy.spec.ingress = policy.spec.ingress.slice(0, 1);
                policy.spec.ingress[0].fromCIDR = ["192.168.101.196/32"];
                const findings = ingressFindings(central);
                expectFinding(findings, { message: "edge range 192.168.101.197/32 cannot reach the API at all" });
                expectFinding(findings, { message: "another node (remote-node" });
                expectFinding(findings, { message: "cannot GET /-/ready" });
                expectFinding(findings, { field: "spec.ingress.fromCIDR", message: "192.168.101.198/32" });
            });
        });

        it("reports an edge address held by more than one Service, shared, or announced from pinned nodes", () => {
            const all = plans();
            const edge = plan(all, "cluster-03");
            expect(checkNetwork(edge)).to.deep.equal([]);
            const lb = manifest(edge, "Service", "thanos-query-lb");
            lb.metadata.annotations["lbipam.cilium.io/sharing-key"] = "thanos-sidecar";
            const second = structuredClone(lb);
            second.metadata.name = "thanos-sidecar-1";
            edge.manifests.push(second);
            manifest(edge, "CiliumL2AnnouncementPolicy", "monitoring-lb-ipam").spec.nodeSelector = {
                matchLabels: { "kubernetes.io/hostname": "worker-1" },
            };
            const findings = checkNetwork(edge);
            expectFinding(findings, {
                object: "(address 192.168.101.212)",
                message:
                    "is held by 2 LoadBalancer Services (Service/monitoring/thanos-query-lb, Service/monitoring/thanos-sidecar-1)",
            });
            expectFinding(findings, { object: "Service/monitoring/thanos-query-lb", field: "metadata.annotations" });
            expectFinding(findings, { field: "spec.nodeSelector", message: "pins the edge's announcement" });
        });

        it("reports an edge Query port open beyond its own source ranges, and pods reaching its gRPC", () => {
            const all = plans();
            expect(checkNetwork(plan(all, "cluster-02"))).to.deep.equal([]);
            const query = manifest(plan(all, "cluster-02"), "NetworkPolicy", "thanos-query");
            query.spec.ingress[0].from.push({ ipBlock: { cidr: "192.168.101.0/24" } }, { podSelector: {} });
            const findings = checkNetwork(plan(all, "cluster-02"));
            expectFinding(findings, {
                field: "spec.ingress.from.ipBlock",
                message:
                    "192.168.101.0/24 may reach the edge Query's gRPC (10901) but is not in loadBalancer.grpcSourceRanges",
            });
            expectFinding(findings, { field: "spec.ingress.from", message: "pods may reach the edge Query's gRPC" });
            const open = plan(all, "cluster-02");
            open.manifests = open.manifests.filter(
                (o) => !(o.kind === "NetworkPolicy" && o.metadata.name === "thanos-query"),
            );
            expectFinding(checkNetwork(open), { message: "HTTP API (9090) is open to any source" });
        });

        it("reports Query or Grafana reachable beyond the UI source ranges", () => {
            const all = plans();
            manifest(plan(all, "cluster-01"), "NetworkPolicy", "grafana").spec.ingress[0].from.push({
                ipBlock: { cidr: "10.0.0.0/8" },
            });
            expectFinding(checkNetwork(plan(all, "cluster-01")), {
                object: "NetworkPolicy (Grafana pods)",
                message: "10.0.0.0/8",
            });
        });
    });
});
