import { expect } from "chai";
import { FrontDoorRoute, haproxyConfig } from "../../components/frontDoor/haproxyConfig";
import { checkFrontDoor, frontendSources, haproxyPath } from "./frontDoor";
import { expectFinding, loadCommittedPlans, manifest, plan, plans } from "../../tests/planFixtures";

const ROUTE: FrontDoorRoute = {
    name: "query",
    port: 9090,
    sourceRanges: ["192.168.101.0/24"],
    sourceKey: "central.uiSourceRanges",
    mode: "tcp",
    server: { host: "thanos-query.monitoring.svc.cluster.local", port: 9090 },
    healthPath: "/-/ready",
};

describe("npm run validate: the central front door", () => {
    before(loadCommittedPlans);

    it("the generator refuses routes the router could not serve: a repeated name or port, no range, an HTTP route with no request", () => {
        const options = { metricsPort: 8405 };
        expect(() => haproxyConfig([ROUTE, { ...ROUTE, port: 3000 }], options)).to.throw("repeat a name");
        expect(() => haproxyConfig([ROUTE, { ...ROUTE, name: "grafana" }], options)).to.throw("ports repeat");
        expect(() => haproxyConfig([ROUTE], { metricsPort: 9090 })).to.throw("ports repeat");
        expect(() => haproxyConfig([{ ...ROUTE, sourceRanges: [] }], options)).to.throw("no source ranges");
        expect(() => haproxyConfig([{ ...ROUTE, mode: "http" }], options)).to.throw("no allowed request");
        const config = haproxyConfig([ROUTE], options);
        expect(frontendSources(config).get("query")).to.deep.equal({ port: 9090, sources: ["192.168.101.0/24"] });
    });

    it("the committed central stack passes; each port's ACL is its own list, the router on every node", () => {
        expect(checkFrontDoor(plan(plans(), "cluster-01"))).to.deep.equal([]);
        expect(checkFrontDoor(plan(plans(), "cluster-02"))).to.deep.equal([]);
    });

    it("reports an ACL admitting another port's audience, a port with no frontend, and a router kept off some nodes", () => {
        const central = plan(plans(), "cluster-01");
        const configMap = manifest(central, "ConfigMap", "frontdoor");
        // Grafana's frontend admitting the edges' nodes too; alertmanager-2's frontend gone.
        configMap.data["haproxy.cfg"] = configMap.data["haproxy.cfg"]
            .replace(/(frontend grafana[\s\S]*?acl allowed_source src [^\n]*)/, "$1 192.168.101.196/32")
            .replace(/frontend alertmanager-2[\s\S]*?(?=\n\nbackend)/, "");
        const router = manifest(central, "DaemonSet", "frontdoor");
        router.spec.template.spec.tolerations = [];
        router.spec.template.spec.nodeSelector = { "node-role.kubernetes.io/worker": "" };
        const findings = checkFrontDoor(central);
        expectFinding(findings, {
            message: "frontend grafana admits [192.168.101.0/24, 192.168.101.196/32], not central.uiSourceRanges",
        });
        expectFinding(findings, { message: "no frontend binds port 9095 (alertmanager-2)" });
        expectFinding(findings, { field: "spec.template.spec.tolerations", message: "must tolerate every taint" });
        expectFinding(findings, { message: "selects nodes" });
    });

    it("runs the config through the real haproxy -c: a config HAProxy refuses is reported with its words", function () {
        if (haproxyPath() === undefined) {
            if (process.env.CI === "true") throw new Error("haproxy not found: .ci/tools.sh installs it");
            this.skip();
        }
        const central = plan(plans(), "cluster-01");
        const configMap = manifest(central, "ConfigMap", "frontdoor");
        configMap.data["haproxy.cfg"] = configMap.data["haproxy.cfg"].replace(
            "timeout connect 5s",
            "timeout connect 5 parsecs",
        );
        expectFinding(checkFrontDoor(central), { field: "data.haproxy.cfg", message: "haproxy -c refuses it" });
    });
});
