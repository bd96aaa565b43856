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
            manifest(central, "Service", "frontdoor").spec.loadBalancerSourceRanges.push("0.0.0.0/0");
            const kps = central.releases.find((r) => r.chart === "kube-prometheus-stack")!.values as any;
            // Grafana's own Service back on a LoadBalancer, with no range: reported too.
            kps.grafana.service = { type: "LoadBalancer", port: 3000, loadBalancerSourceRanges: [] };
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

            it("the committed central stack: edges post alerts only, through the front door; the namespace keeps the API, probes pass", () => {
                expect(ingressFindings(plan(plans(), "cluster-01"))).to.deep.equal([]);
            });

            it("reports an L4 rule for the routers on 9093, which voids the L7 rule, and an edge or node let in directly", () => {
                const central = plan(plans(), "cluster-01");
                // The namespace peer without its exception for the routers: they get in at L4.
                manifest(central, "NetworkPolicy", "alertmanager").spec.ingress[0].from = [{ podSelector: {} }];
                expectFinding(ingressFindings(central), {
                    field: "spec.ingress",
                    message:
                        "the front door's routers (the edges' requests) are admitted at L4 by NetworkPolicy/monitoring/alertmanager",
                });
                const direct = plan(plans(), "cluster-01");
                manifest(direct, "NetworkPolicy", "alertmanager").spec.ingress[0].from.push({
                    ipBlock: { cidr: "192.168.101.196/32" },
                });
                manifest(direct, "CiliumNetworkPolicy", "alertmanager-edge-api").spec.ingress[1].fromEntities.push(
                    "remote-node",
                );
                const findings = ingressFindings(direct);
                expectFinding(findings, { message: "edge range 192.168.101.196/32 reaches the API directly" });
                expectFinding(findings, { message: "another node (remote-node) reaches the API directly" });
            });

            it("reports an HTTP rule that lets the routers near silences or the UI, or refuses the edges' alerts", () => {
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
                manifest(prefix, "CiliumNetworkPolicy", "alertmanager-edge-api").spec.ingress[0].toPorts[0].rules.http =
                    [{ method: "POST", path: "/api/v2/alert" }];
                const refused = ingressFindings(prefix);
                expectFinding(refused, { message: "POST /api/v2/alerts is refused (403)" });
                expectFinding(refused, { message: "GET /-/ready is refused (403)" });
            });

            it("reports routers that cannot reach the API, a probe the host could not make, and an edge range the front door drops", () => {
                const central = plan(plans(), "cluster-01");
                manifest(central, "CiliumNetworkPolicy", "alertmanager-edge-api").spec.ingress = [];
                manifest(central, "NetworkPolicy", "frontdoor").spec.ingress[3].from.pop();
                const findings = ingressFindings(central);
                expectFinding(findings, {
                    message: "the front door's routers (the edges' requests) cannot reach the API at all",
                });
                expectFinding(findings, { message: "cannot GET /-/ready" });
                expectFinding(findings, {
                    message:
                        "192.168.101.198/32 (central.alertmanager.edgeSourceRanges) cannot reach the front door's port 9094",
                });
            });
        });

        it("reports the central front door without externalTrafficPolicy Local, or a port admitting another port's audience", () => {
            const central = plan(plans(), "cluster-01");
            expect(checkNetwork(central)).to.deep.equal([]);
            manifest(central, "Service", "frontdoor").spec.externalTrafficPolicy = "Cluster";
            // Grafana's port admitting an edge node: only central.uiSourceRanges may.
            manifest(central, "NetworkPolicy", "frontdoor").spec.ingress[1].from.push({
                ipBlock: { cidr: "10.1.2.3/32" },
            });
            // Alertmanager-0's port missing an edge range.
            manifest(central, "NetworkPolicy", "frontdoor").spec.ingress[2].from.shift();
            const findings = checkNetwork(central);
            expectFinding(findings, { field: "spec.externalTrafficPolicy", message: "must be Local" });
            expectFinding(findings, {
                message: "port 3000 (grafana) admits 10.1.2.3/32, which is not in central.uiSourceRanges",
            });
            expectFinding(findings, {
                message:
                    "port 9093 (alertmanager-0) does not admit 192.168.101.196/32 (central.alertmanager.edgeSourceRanges)",
            });
            // A second LoadBalancer on the central address, sharing it.
            const shared = plan(plans(), "cluster-01");
            const second = structuredClone(manifest(shared, "Service", "frontdoor"));
            second.metadata.name = "thanos-query-lb";
            second.metadata.annotations["lbipam.cilium.io/sharing-key"] = "thanos-central";
            shared.manifests.push(second);
            const sharedFindings = checkNetwork(shared);
            expectFinding(sharedFindings, { object: "(address 192.168.101.210)", message: "is held by 2" });
            expectFinding(sharedFindings, {
                object: "Service/monitoring/thanos-query-lb",
                field: "metadata.annotations",
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
            expectFinding(findings, { field: "spec.nodeSelector", message: "pins the announcement to some nodes" });
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
