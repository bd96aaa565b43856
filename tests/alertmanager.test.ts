// Alerting: the config rules of receivers and edge targets, the central Alertmanager config under
// Alertmanager's own amtool (check-config, and `config routes test` on a table of alerts), the
// edges' Prometheus alerting entry under promtool, and the per-replica exposure on the central
// address. amtool and promtool are Debian's prometheus-alertmanager and prometheus packages: the
// tests that run them are skipped without them, except in CI.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { AlertRoutingSettings, RawConfig, edgeAlertingProblems, parseClusterSettings } from "../config";
import { alertmanagerConfig } from "../components/alertmanagerConfig";
import { frontDoorServiceSpec } from "../components/frontDoor";
import { edgeAlertmanagerConfigs } from "../components/kubePrometheusStack";
import { monitoringBasePolicies } from "../components/networkPolicies";
import { amtoolAvailable, amtoolCheckConfig, routeReceivers, withConfigFile } from "../offline/checks/alertmanager";
import { promtool, promtoolAvailable } from "../offline/promtool";
import { PROJECT_ROOT, StackRunError } from "../offline/runStack";
import { placeholderSecrets } from "../offline/render";
import { TEST_SECRETS, committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";
import { problemsOf } from "./helpers";

const CLUSTERS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

/** A committed stack's raw config (without the project prefix). */
function rawOf(stack: string): RawConfig {
    const config = stackFile(stack).config;
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith("thanos-multicluster:"))
            .map(([k, v]) => [k.slice("thanos-multicluster:".length), JSON.parse(JSON.stringify(v))]),
    );
}

function centralRaw(): RawConfig {
    return rawOf("cluster-01");
}

function withAlertmanager(patch: Record<string, unknown>, base: RawConfig = centralRaw()): RawConfig {
    const raw = JSON.parse(JSON.stringify(base)) as Record<string, any>;
    raw.central.alertmanager = { ...raw.central.alertmanager, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete raw.central.alertmanager[k];
    return raw;
}

function routingOf(raw: RawConfig): AlertRoutingSettings {
    return parseClusterSettings(raw, { kubeconfig: false }).central!.alertmanager;
}

/** A fuller routing, written out by hand: Slack for critical alerts, email for the rest, a dead man's switch. */
function teamRouting(): RawConfig {
    return withAlertmanager({
        receivers: [
            {
                name: "team-mail",
                email: {
                    to: "oncall@example.com",
                    from: "alertmanager@example.com",
                    smarthost: "smtp.example.com:587",
                    authUsername: "alertmanager",
                },
            },
            { name: "team-slack", slack: { channel: "#alerts" } },
        ],
        defaultReceiver: "team-mail",
        criticalReceiver: "team-slack",
        deadMansSwitch: { enabled: true },
    });
}

describe("alerting config rules", () => {
    it("a central stack without a receiver is rejected, naming the key and how to add one", () => {
        for (const receivers of [undefined, []]) {
            const problems = problemsOf(withAlertmanager({ receivers }));
            expect(problems).to.have.lengthOf(1);
            expect(problems[0]).to.contain("thanos-multicluster:central.alertmanager.receivers is required");
            expect(problems[0]).to.contain("pulumi config set --secret alertmanagerWebhookUrl");
        }
    });

    it("a receiver must notify someone, by a known kind, under its own name", () => {
        expect(problemsOf(withAlertmanager({ receivers: [{ name: "oncall" }] }))[0]).to.contain(
            'central.alertmanager.receivers[0] (receiver "oncall") notifies nobody',
        );
        expect(
            problemsOf(withAlertmanager({ receivers: [{ name: "null", webhook: {} }], defaultReceiver: "null" })).join(
                "\n",
            ),
        ).to.contain('receivers[0].name "null" is reserved');
        const twice = problemsOf(
            withAlertmanager({
                receivers: [
                    { name: "a", webhook: {} },
                    { name: "a", slack: { channel: "#x" } },
                ],
                defaultReceiver: "a",
            }),
        );
        expect(twice.join("\n")).to.contain("names a more than once");
        const twoWebhooks = problemsOf(
            withAlertmanager({
                receivers: [
                    { name: "a", webhook: {} },
                    { name: "b", webhook: {} },
                ],
                defaultReceiver: "a",
            }),
        );
        expect(twoWebhooks.join("\n")).to.contain("has webhook in a and b");
        expect(problemsOf(withAlertmanager({ receivers: [{ name: "s", slack: { channel: 7 } }] }))[0]).to.contain(
            "central.alertmanager.receivers[0].slack.channel must be a string",
        );
        const mail = problemsOf(
            withAlertmanager({
                receivers: [{ name: "m", email: { to: "nobody", from: "a@b.example", smarthost: "smtp.example.com" } }],
            }),
        );
        expect(mail.join("\n")).to.contain('receivers[0].email.to ("nobody") has "nobody" without an @domain');
        expect(mail.join("\n")).to.contain("receivers[0].email.smarthost must be host:port");
    });

    it("the default and critical receivers must be receivers; with one receiver it is the default", () => {
        expect(routingOf(centralRaw())).to.include({ defaultReceiver: "oncall", criticalReceiver: "oncall" });
        const two = {
            receivers: [
                { name: "a", webhook: {} },
                { name: "b", slack: { channel: "#x" } },
            ],
        };
        expect(problemsOf(withAlertmanager({ ...two, defaultReceiver: undefined }))[0]).to.contain(
            "central.alertmanager.defaultReceiver is required",
        );
        expect(problemsOf(withAlertmanager({ ...two, defaultReceiver: "c" }))[0]).to.contain(
            'central.alertmanager.defaultReceiver ("c") is not a receiver',
        );
        expect(problemsOf(withAlertmanager({ ...two, defaultReceiver: "a", criticalReceiver: "z" }))[0]).to.contain(
            'central.alertmanager.criticalReceiver ("z")',
        );
    });

    it("an edge must name the central Alertmanager replicas as host:port; the central stack must not", () => {
        const edge = rawOf("cluster-02");
        expect(parseClusterSettings(edge, { kubeconfig: false }).alerting.centralAlertmanagers).to.deep.equal([
            "192.168.101.210:9093",
            "192.168.101.210:9094",
            "192.168.101.210:9095",
        ]);
        expect(problemsOf({ ...edge, alerting: undefined })[0]).to.contain(
            "thanos-multicluster:alerting.centralAlertmanagers is required",
        );
        expect(problemsOf({ ...edge, alerting: { centralAlertmanagers: [] } })[0]).to.contain(
            "must not be empty on an edge",
        );
        expect(problemsOf({ ...edge, alerting: { centralAlertmanagers: ["192.168.101.210"] } })[0]).to.contain(
            "alerting.centralAlertmanagers[0] must be host:port",
        );
        expect(
            problemsOf({ ...centralRaw(), alerting: { centralAlertmanagers: ["192.168.101.210:9093"] } })[0],
        ).to.contain("thanos-multicluster:alerting is set on the central stack");
    });

    it("an edge's targets are checked against the central stack file: every replica, on its port", () => {
        const central = { stack: "cluster-01", ip: "192.168.101.210", replicas: 3 };
        expect(
            edgeAlertingProblems(
                { centralAlertmanagers: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"] },
                central,
            ),
        ).to.deep.equal([]);
        const missing = edgeAlertingProblems({ centralAlertmanagers: ["192.168.101.210:9093"] }, central);
        expect(missing).to.have.lengthOf(1);
        expect(missing[0]).to.contain("thanos-multicluster:alerting.centralAlertmanagers");
        expect(missing[0]).to.contain("missing 192.168.101.210:9094, 192.168.101.210:9095");
        expect(
            edgeAlertingProblems(
                { centralAlertmanagers: ["192.168.101.220:9093", "192.168.101.210:9094", "192.168.101.210:9095"] },
                central,
            )[0],
        ).to.contain("192.168.101.220:9093 is not one of them");
        // Without a central stack file next to it, an edge deploys on its own config.
        expect(edgeAlertingProblems({ centralAlertmanagers: ["10.0.0.1:9093"] }, undefined)).to.deep.equal([]);
    });

    it("each receiver's secret is required when it is used, named with the key that needs it, and never in clear", async () => {
        const edges = await committedEdgeOutputs();
        const { alertmanagerWebhookUrl: _url, ...withoutUrl } = TEST_SECRETS;
        let error: unknown;
        try {
            await runCommittedStack("cluster-01", {}, edges, withoutUrl);
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        expect((error as Error).message).to.contain(
            "thanos-multicluster:alertmanagerWebhookUrl is required by thanos-multicluster:central.alertmanager.receivers[0].webhook: run `pulumi config set --secret alertmanagerWebhookUrl`",
        );
        // The render's placeholders cover every receiver's secret.
        expect(Object.keys(placeholderSecrets())).to.include.members([
            "alertmanagerWebhookUrl",
            "alertmanagerSlackApiUrl",
            "alertmanagerSmtpPassword",
            "alertmanagerDeadMansSwitchUrl",
        ]);
    });
});

describe("the central Alertmanager config", () => {
    it("groups by cluster and alert name, inhibits only within a cluster, and reads every credential from a mounted file", () => {
        const config = alertmanagerConfig(routingOf(teamRouting()));
        expect(config.route.group_by).to.deep.equal(["cluster", "alertname"]);
        expect(config.route.receiver).to.equal("team-mail");
        for (const rule of config.inhibit_rules) expect(rule.equal).to.include("cluster");
        const text = JSON.stringify(config);
        // The credentials are files under the operator's mount of the Secret alertmanager-receivers.
        expect(text).to.contain('"api_url_file":"/etc/alertmanager/secrets/alertmanager-receivers/slack-api-url"');
        expect(text).to.contain(
            '"auth_password_file":"/etc/alertmanager/secrets/alertmanager-receivers/smtp-password"',
        );
        expect(text).to.contain('"url_file":"/etc/alertmanager/secrets/alertmanager-receivers/deadmansswitch-url"');
        expect(text).not.to.match(/"(api_url|auth_password|url)":/);
    });

    it("is the chart's alertmanager.config, and Alertmanager mounts the receivers' Secret, whose values stay secret", async () => {
        const run = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const values = (run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any).values;
        expect(values.alertmanager.config.route.group_by).to.deep.equal(["cluster", "alertname"]);
        expect(values.alertmanager.alertmanagerSpec.secrets).to.deep.equal(["alertmanager-receivers"]);
        expect(JSON.stringify(values)).not.to.contain(TEST_SECRETS.alertmanagerWebhookUrl);
        const secret = run.resources.find(
            (r) =>
                r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata?.name === "alertmanager-receivers",
        )!;
        expect(Object.keys((secret.inputs as any).stringData.value ?? (secret.inputs as any).stringData)).to.deep.equal(
            // The oncall webhook's URL and the dead man's switch's (both on in the committed stack).
            ["deadmansswitch-url", "webhook-url"],
        );
    });
});

describe("the central Alertmanager config under amtool", () => {
    before(function () {
        if (!amtoolAvailable()) {
            if (process.env.CI === "true")
                throw new Error("amtool is missing: .ci/run must install it (bash .ci/tools.sh)");
            this.skip();
        }
    });

    it("passes amtool check-config, as committed and with Slack, email and a dead man's switch", () => {
        for (const raw of [centralRaw(), teamRouting()]) {
            const result = amtoolCheckConfig(alertmanagerConfig(routingOf(raw)) as any);
            expect(result.status, result.output).to.equal(0);
            expect(result.output).to.contain("SUCCESS");
        }
    });

    it("amtool catches a broken config (the check can fail)", () => {
        const broken = alertmanagerConfig(routingOf(centralRaw())) as any;
        broken.route.receiver = "nobody";
        const result = amtoolCheckConfig(broken);
        expect(result.status).not.to.equal(0);
        expect(result.output).to.contain('undefined receiver "nobody"');
    });

    it("routes every cluster's alerts, each severity, to the receiver that notifies (committed stack)", () => {
        withConfigFile(alertmanagerConfig(routingOf(centralRaw())) as any, (file) => {
            for (const cluster of CLUSTERS) {
                for (const [severity, expected] of [
                    ["critical", "oncall"],
                    ["warning", "oncall"],
                    ["info", "oncall"],
                ]) {
                    expect(
                        routeReceivers(file, { alertname: "KubePodCrashLooping", cluster, severity }),
                        `${cluster} ${severity}`,
                    ).to.deep.equal([expected]);
                }
                // Watchdogs prove the path: the committed stack's dead man's switch receives them.
                expect(routeReceivers(file, { alertname: "Watchdog", cluster, severity: "none" })).to.deep.equal([
                    "deadmansswitch",
                ]);
            }
            expect(routeReceivers(file, { alertname: "ThanosRulerWatchdog", severity: "none" })).to.deep.equal([
                "deadmansswitch",
            ]);
        });
    });

    it("routes critical alerts to Slack, the rest to email and watchdogs to the dead man's switch (team routing)", () => {
        withConfigFile(alertmanagerConfig(routingOf(teamRouting())) as any, (file) => {
            for (const cluster of CLUSTERS) {
                expect(
                    routeReceivers(file, { alertname: "ClusterMetricsMissing", cluster, severity: "critical" }),
                ).to.deep.equal(["team-slack"]);
                expect(
                    routeReceivers(file, { alertname: "KubeMemoryOvercommit", cluster, severity: "warning" }),
                ).to.deep.equal(["team-mail"]);
                expect(
                    routeReceivers(file, { alertname: "KubeletTooManyPods", cluster, severity: "info" }),
                ).to.deep.equal(["team-mail"]);
                expect(routeReceivers(file, { alertname: "Watchdog", cluster, severity: "none" })).to.deep.equal([
                    "deadmansswitch",
                ]);
                expect(routeReceivers(file, { alertname: "InfoInhibitor", cluster, severity: "none" })).to.deep.equal([
                    "null",
                ]);
            }
            expect(routeReceivers(file, { alertname: "ThanosRulerWatchdog", severity: "none" })).to.deep.equal([
                "deadmansswitch",
            ]);
        });
    });
});

describe("edge alerts reach the central Alertmanager", () => {
    it("each edge Prometheus sends to every central replica, which the central stack exposes one port each", async () => {
        const edge = await runCommittedStack("cluster-03");
        const values = (edge.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any).values;
        expect(values.alertmanager.enabled).to.equal(false);
        expect(values.prometheus.prometheusSpec.additionalAlertManagerConfigs).to.deep.equal([
            {
                scheme: "http",
                api_version: "v2",
                timeout: "10s",
                static_configs: [{ targets: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"] }],
            },
        ]);

        const settings = parseClusterSettings(centralRaw(), { kubeconfig: false });
        // Each replica is one port of the central front door's one Service (no sharing key), which
        // admits the edges' ranges among the operators' (the router narrows each port to its own).
        const service = frontDoorServiceSpec(settings) as any;
        expect(
            service.spec.ports.filter((p: any) => p.name.startsWith("alertmanager-")).map((p: any) => [p.name, p.port]),
        ).to.deep.equal([
            ["alertmanager-0", 9093],
            ["alertmanager-1", 9094],
            ["alertmanager-2", 9095],
        ]);
        expect(service.spec).to.include({
            type: "LoadBalancer",
            externalTrafficPolicy: "Local",
            allocateLoadBalancerNodePorts: false,
        });
        expect(service.spec.loadBalancerSourceRanges).to.include.members([
            "192.168.101.196/32",
            "192.168.101.197/32",
            "192.168.101.198/32",
        ]);
        expect(service.metadata.annotations).to.include({ "lbipam.cilium.io/ips": "192.168.101.210" });
        expect(service.metadata.annotations).not.to.have.property("lbipam.cilium.io/sharing-key");
    });

    it("the NetworkPolicy gives the whole API and gossip to the namespace only (the edges come in at L7)", () => {
        const settings = parseClusterSettings(centralRaw(), { kubeconfig: false });
        const policy = monitoringBasePolicies(settings).find((p) => p.metadata.name === "alertmanager") as any;
        expect(policy.spec.podSelector.matchLabels).to.deep.equal({
            "app.kubernetes.io/name": "alertmanager",
            alertmanager: "kps-alertmanager",
        });
        const [api, internal] = policy.spec.ingress;
        expect(api.ports).to.deep.equal([{ protocol: "TCP", port: 9093 }]);
        // The namespace but the front door's routers: an L4 rule for them on 9093 would void the L7
        // rule they reach it by (alertmanager-edge-api, tests/multiNode.test.ts and
        // offline/checks/alertmanagerIngress.ts); no ipBlock (the edges come through the routers).
        const exceptRouter = {
            podSelector: {
                matchExpressions: [{ key: "app.kubernetes.io/component", operator: "NotIn", values: ["frontdoor"] }],
            },
        };
        expect(api.from).to.deep.equal([exceptRouter]);
        expect(internal.from).to.deep.equal([exceptRouter]);
        expect(internal.ports).to.deep.include({ protocol: "UDP", port: 9094 });
    });

    it("the edges' alerting entry passes promtool check config", function () {
        if (!promtoolAvailable()) {
            if (process.env.CI === "true") throw new Error("promtool is missing");
            this.skip();
        }
        const settings = parseClusterSettings(rawOf("cluster-02"), { kubeconfig: false });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-alerting-"));
        try {
            fs.writeFileSync(
                path.join(dir, "prometheus.yml"),
                yaml.dump({ alerting: { alertmanagers: edgeAlertmanagerConfigs(settings) } }),
            );
            const run = promtool(["check", "config", "prometheus.yml"], dir);
            expect(run.status, run.output).to.equal(0);
            fs.writeFileSync(
                path.join(dir, "bad.yml"),
                yaml.dump({
                    alerting: { alertmanagers: [{ ...edgeAlertmanagerConfigs(settings)[0], api_version: "v3" }] },
                }),
            );
            expect(promtool(["check", "config", "bad.yml"], dir).status).not.to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("alerting fields against the pinned operator CRDs (skipped where ../shared/reference is absent)", () => {
    const crds = path.join(PROJECT_ROOT, "..", "shared", "reference", "prometheus-operator-crds-v0.93");

    function specProperties(file: string): Record<string, any> {
        const crd = yaml.load(fs.readFileSync(path.join(crds, file), "utf8")) as any;
        return crd.spec.versions.find((v: any) => v.name === "v1").schema.openAPIV3Schema.properties.spec.properties;
    }

    it("the Prometheus CR takes additionalAlertManagerConfigs as a Secret key, and the Alertmanager CR mounts secrets", function () {
        if (!fs.existsSync(crds)) this.skip();
        const prometheus = specProperties("crd-prometheuses.yaml");
        // What the chart renders from prometheusSpec.additionalAlertManagerConfigs: { name, key } of its Secret.
        expect(prometheus.additionalAlertManagerConfigs.type).to.equal("object");
        expect(prometheus.additionalAlertManagerConfigs.properties).to.include.keys(["name", "key"]);
        const alertmanager = specProperties("crd-alertmanagers.yaml");
        expect(alertmanager.secrets.type).to.equal("array");
        expect(alertmanager.secrets.description).to.contain("/etc/alertmanager/secrets/");
    });
});
