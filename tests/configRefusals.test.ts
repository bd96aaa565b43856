// Config the consumers would refuse is refused when the config is read, naming the key; config they
// accept is accepted. Each refusal is shown to match the consumer: the config that would be rendered
// without it is refused by amtool as well, and the accepted neighbour passes amtool.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { alertmanagerConfig } from "../components/alertmanagerConfig";
import { ciliumLoadBalancerIpamSpecs } from "../components/ciliumLoadBalancerIpam";
import { RawConfig, parseClusterSettings } from "../config";
import { pemBundleProblems } from "../config/pemBundle";
import { amtoolAvailable, amtoolCheckConfig } from "../offline/checks/alertmanager";
import { StackRunError } from "../offline/runStack";
import { committedEdgeOutputs, problemsOf, runCommittedStack, projectConfig } from "./helpers";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", "certs", name), "utf8");
const CA = fixture("deployment-ca-until-2036.pem");

function raw(stack: string): Record<string, any> {
    return projectConfig(stack);
}

function withAlertmanager(patch: Record<string, unknown>): RawConfig {
    const central = raw("cluster-01");
    central.central.alertmanager = { ...central.central.alertmanager, ...patch };
    return central;
}

/** The central Alertmanager config the routing would render, read without the config's refusals. */
function renderedBypassingRules(patch: Record<string, any>): Record<string, any> {
    const routing = parseClusterSettings(raw("cluster-01"), { kubeconfig: false }).central!.alertmanager;
    return alertmanagerConfig({ ...routing, ...patch }) as any;
}

describe("config refusals: Alertmanager durations", () => {
    for (const [key, field] of [
        ["groupInterval", "group_interval"],
        ["repeatInterval", "repeat_interval"],
    ] as const) {
        it(`central.alertmanager.${key}: 0 is refused naming the key, as Alertmanager refuses a zero ${field}`, function () {
            for (const zero of ["0s", "0m", "0h"]) {
                const problems = problemsOf(withAlertmanager({ [key]: zero }));
                expect(problems, zero).to.have.lengthOf(1);
                expect(problems[0]).to.contain(`central.alertmanager.${key}`).and.contain("above 0");
            }
            expect(problemsOf(withAlertmanager({ [key]: "1m" }))).to.deep.equal([]);
            if (!amtoolAvailable()) {
                if (process.env.CI === "true") throw new Error("amtool is missing: bash .ci/tools.sh installs it");
                this.skip();
            }
            const refused = amtoolCheckConfig(renderedBypassingRules({ [key]: "0s" }));
            expect(refused.status).to.not.equal(0);
            expect(refused.output).to.contain(`${field} cannot be zero`);
            expect(amtoolCheckConfig(renderedBypassingRules({ [key]: "1m" })).status).to.equal(0);
        });
    }

    it("central.alertmanager.deadMansSwitch.interval: 0 is refused when the switch is on (its route's intervals)", function () {
        const problems = problemsOf(withAlertmanager({ deadMansSwitch: { enabled: true, interval: "0s" } }));
        expect(problems.filter((p) => p.includes("central.alertmanager.deadMansSwitch.interval"))).to.have.lengthOf(1);
        expect(problems.join("\n")).to.contain("above 0");
        // Off, the interval renders nothing: accepted.
        expect(problemsOf(withAlertmanager({ deadMansSwitch: { enabled: false, interval: "0s" } }))).to.deep.equal([]);
        if (!amtoolAvailable()) this.skip();
        const refused = amtoolCheckConfig(
            renderedBypassingRules({ deadMansSwitch: { enabled: true, interval: "0s" } }),
        );
        expect(refused.status).to.not.equal(0);
        expect(refused.output).to.contain("cannot be zero");
    });

    it("units out of order are refused naming the key, as Alertmanager refuses them; in order they are accepted", function () {
        const problems = problemsOf(withAlertmanager({ groupWait: "30s1m" }));
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.contain("thanos-multicluster:central.alertmanager.groupWait must be a duration");
        expect(problemsOf(withAlertmanager({ groupWait: "1m30s", repeatInterval: "1d12h" }))).to.deep.equal([]);
        if (!amtoolAvailable()) this.skip();
        const refused = amtoolCheckConfig(renderedBypassingRules({ groupWait: "30s1m" }));
        expect(refused.status).to.not.equal(0);
        expect(refused.output).to.contain('not a valid duration string: "30s1m"');
        const accepted = amtoolCheckConfig(renderedBypassingRules({ groupWait: "1m30s", repeatInterval: "1d12h" }));
        expect(accepted.status, accepted.output).to.equal(0);
    });

    it("a zero group wait is accepted, as Alertmanager accepts it", function () {
        expect(problemsOf(withAlertmanager({ groupWait: "0s" }))).to.deep.equal([]);
        if (!amtoolAvailable()) this.skip();
        const run = amtoolCheckConfig(renderedBypassingRules({ groupWait: "0s" }));
        expect(run.status, run.output).to.equal(0);
    });
});

describe("config refusals: objectStorage.caBundle is certificates", () => {
    const https = (caBundle: string): RawConfig => {
        const edge = raw("cluster-02");
        edge.objectStorage = { endpoint: "s3.minio.miribit.lab:443", bucket: "thanos-bucket", caBundle };
        return edge;
    };
    const KEY =
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

    it("accepts real certificates, with a bundle's comments around them", () => {
        expect(pemBundleProblems(CA)).to.deep.equal([]);
        expect(
            pemBundleProblems(`# the lab's CA\n${CA}\n# and again\n${fixture("deployment-ca-until-2027.pem")}`),
        ).to.deep.equal([]);
        expect(problemsOf(https(`# the lab's CA\n${CA}`))).to.deep.equal([]);
    });

    it("refuses a block that does not parse, naming the key", () => {
        const broken = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTEST\n-----END CERTIFICATE-----\n";
        const problems = problemsOf(https(`${CA}${broken}`));
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.contain("objectStorage.caBundle").and.contain("certificate 2 does not parse as X.509");
        expect(problemsOf(https("not a certificate"))[0])
            .to.contain("objectStorage.caBundle")
            .and.contain("holds no PEM certificate");
    });

    it("refuses a private key, and the stack registers nothing, so no ConfigMap holds it", async () => {
        const problems = problemsOf(https(`${CA}${KEY}`));
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.contain("objectStorage.caBundle").and.contain("holds a private key");
        const edges = await committedEdgeOutputs();
        let error: unknown;
        try {
            await runCommittedStack(
                "cluster-02",
                {
                    "thanos-multicluster:objectStorage": {
                        endpoint: "s3.minio.miribit.lab:443",
                        bucket: "thanos-bucket",
                        caBundle: `${CA}${KEY}`,
                    },
                },
                edges,
            );
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        const run = error as StackRunError;
        expect(run.message).to.contain("objectStorage.caBundle");
        expect(JSON.stringify(run.resources)).not.to.contain("PRIVATE KEY");
        expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")).to.deep.equal([]);
    });
});

describe("config refusals: the central stack on several nodes needs no announcer node, and refuses one", () => {
    // One Service holds the central address (the front door), so Cilium runs one L2 lease for it and
    // any node may announce it; a router pod on every node serves whichever holds it.
    const NODES = ["192.168.101.194", "192.168.101.201", "192.168.101.202"];
    const central = (extra: Record<string, unknown> = {}): RawConfig => {
        const config = raw("cluster-01");
        config.nodeIps = NODES;
        config.loadBalancer = { ...config.loadBalancer, ...extra };
        return config;
    };

    it("accepts a multi-node central cluster without loadBalancer.l2AnnouncerNode; its L2 policy pins no node", () => {
        expect(problemsOf(central())).to.deep.equal([]);
        const lb = parseClusterSettings(central(), { kubeconfig: false }).loadBalancer;
        const policy = ciliumLoadBalancerIpamSpecs("lb", lb).find((s) => s.kind === "CiliumL2AnnouncementPolicy")!;
        expect(policy.spec).not.to.have.property("nodeSelector");
    });

    it("refuses loadBalancer.l2AnnouncerNode, whatever it names, naming the key and the fix", () => {
        for (const node of ["worker-1", "192.168.101.201", "Worker_1"]) {
            const problems = problemsOf(central({ l2AnnouncerNode: node }));
            expect(problems, node).to.have.lengthOf(1);
            expect(problems[0]).to.match(/^thanos-multicluster:loadBalancer\.l2AnnouncerNode is no longer used/);
            expect(problems[0]).to.contain("the central front door");
            expect(problems[0]).to.contain("pulumi config rm --path loadBalancer.l2AnnouncerNode");
        }
    });

    it("a refused announcer fails the central stack before any resource is registered", async () => {
        const config = central({ l2AnnouncerNode: "worker-1" });
        let error: unknown;
        try {
            await runCommittedStack(
                "cluster-01",
                {
                    "thanos-multicluster:nodeIps": config.nodeIps,
                    "thanos-multicluster:loadBalancer": config.loadBalancer,
                },
                await committedEdgeOutputs(),
            );
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        expect((error as StackRunError).resources).to.deep.equal([]);
        expect((error as Error).message).to.contain("thanos-multicluster:loadBalancer.l2AnnouncerNode");
    });
});
