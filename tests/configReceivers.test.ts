// The central Alertmanager's receivers as Alertmanager 0.34 reads them: every receiver name and
// email address it takes is accepted (shown with amtool check-config on the rendered config), an
// address its email notifier could not parse when sending is refused naming the key, and a
// credential written inside a receiver is reported as a secret in clear, with the secret config key
// that holds it, before any resource is registered.

import { expect } from "chai";
import { alertmanagerConfig } from "../components/alertmanagerConfig";
import { RawConfig, parseClusterSettings } from "../config";
import { mailAddressProblem, parseMailAddressList } from "../config/mailAddresses";
import { amtoolAvailable, amtoolCheckConfig, routeReceivers, withConfigFile } from "../offline/checks/alertmanager";
import { StackRunError } from "../offline/runStack";
import { committedEdgeOutputs, problemsOf, runCommittedStack, stackFile, projectConfig } from "./helpers";

function centralRaw(): Record<string, any> {
    return projectConfig("cluster-01");
}

function withAlertmanager(patch: Record<string, unknown>): RawConfig {
    const central = centralRaw();
    central.central.alertmanager = { ...central.central.alertmanager, ...patch };
    return central;
}

/** One email receiver (and the committed webhook receiver as the critical one). */
function withEmail(email: Record<string, unknown>, name = "team-mail"): RawConfig {
    return withAlertmanager({
        receivers: [
            { name: "oncall", webhook: {} },
            { name, email: { smarthost: "smtp.example.com:587", ...email } },
        ],
        defaultReceiver: name,
        criticalReceiver: "oncall",
    });
}

function rendered(raw: RawConfig): Record<string, any> {
    return alertmanagerConfig(parseClusterSettings(raw, { kubeconfig: false }).central!.alertmanager) as any;
}

function needsAmtool(context: Mocha.Context): void {
    if (amtoolAvailable()) return;
    if (process.env.CI === "true") throw new Error("amtool is missing: bash .ci/tools.sh installs it");
    context.skip();
}

describe("receivers: the names Alertmanager takes are accepted", () => {
    const names = ["Ops Team (EU)", "oncall/24x7", "Équipe ops", "team_mail.primary"];

    it("any non-empty name, as Alertmanager's config takes it, renders and routes under amtool", function () {
        for (const name of names) {
            const raw = withEmail({ to: "ops@example.com", from: "am@example.com" }, name);
            expect(problemsOf(raw), name).to.deep.equal([]);
        }
        needsAmtool(this);
        for (const name of names) {
            const config = rendered(withEmail({ to: "ops@example.com", from: "am@example.com" }, name));
            const run = amtoolCheckConfig(config);
            expect(run.status, `${name}: ${run.output}`).to.equal(0);
            withConfigFile(config, (file) =>
                expect(
                    routeReceivers(file, { alertname: "X", cluster: "cluster-02", severity: "warning" }),
                ).to.deep.equal([name]),
            );
        }
    });

    it("what Alertmanager refuses stays refused: a repeated name (amtool: not unique), an empty one, the program's own", function () {
        const twice = withAlertmanager({
            receivers: [
                { name: "Ops Team", webhook: {} },
                { name: "Ops Team", slack: { channel: "#x" } },
            ],
            defaultReceiver: "Ops Team",
        });
        expect(problemsOf(twice).join("\n")).to.contain(
            "thanos-multicluster:central.alertmanager.receivers names Ops Team more than once",
        );
        expect(problemsOf(withAlertmanager({ receivers: [{ name: "", webhook: {} }] }))[0]).to.contain(
            "thanos-multicluster:central.alertmanager.receivers[0].name is required",
        );
        expect(problemsOf(withAlertmanager({ receivers: [{ name: "deadmansswitch", webhook: {} }] }))[0]).to.contain(
            'thanos-multicluster:central.alertmanager.receivers[0].name "deadmansswitch" is reserved',
        );
        needsAmtool(this);
        const config = rendered(withEmail({ to: "ops@example.com", from: "am@example.com" }, "Ops Team"));
        config.receivers.push({ name: "Ops Team" });
        const run = amtoolCheckConfig(config);
        expect(run.status).to.not.equal(0);
        expect(run.output).to.contain('"Ops Team" is not unique');
    });
});

describe("receivers: a Slack receiver without a channel", () => {
    it("is accepted, as Alertmanager takes it (the incoming webhook's own channel), and renders no channel", function () {
        const raw = withAlertmanager({ receivers: [{ name: "team-slack", slack: {} }], defaultReceiver: "team-slack" });
        expect(problemsOf(raw)).to.deep.equal([]);
        const config = rendered(raw);
        expect(config.receivers[0].slack_configs[0]).to.not.have.property("channel");
        needsAmtool(this);
        const run = amtoolCheckConfig(config);
        expect(run.status, run.output).to.equal(0);
    });
});

describe("receivers: the email addresses Alertmanager's notifier reads are accepted", () => {
    const to = [
        "ops@example.com",
        '"Ops Team" <ops@example.com>',
        "Ops Team <ops@example.com>",
        '"Ops Team" <ops@example.com>, lead@example.com, Night Shift <night@example.org>',
        "ops@example.com, ",
        "root@localhost",
        '"first last"@example.com',
        "ops+alerts@[192.0.2.1]",
        "J. Smith <j.smith@example.com>",
    ];

    it("parses display names, several recipients and what net/mail allows in an address", () => {
        expect(parseMailAddressList('"Ops Team" <ops@example.com>, lead@example.com')).to.deep.equal([
            "ops@example.com",
            "lead@example.com",
        ]);
        expect(parseMailAddressList('"Ops, \\"EU\\"" <ops@example.com>')).to.deep.equal(["ops@example.com"]);
        expect(parseMailAddressList(" , ops@example.com,,")).to.deep.equal(["ops@example.com"]);
        for (const address of to) expect(mailAddressProblem(address, false), address).to.equal(undefined);
    });

    it("accepts each as `to`, with a display name in `from`, and amtool accepts the rendered config", function () {
        for (const address of to) {
            expect(
                problemsOf(withEmail({ to: address, from: '"Alertmanager" <am@example.com>' })),
                address,
            ).to.deep.equal([]);
        }
        needsAmtool(this);
        for (const address of to) {
            const config = rendered(withEmail({ to: address, from: '"Alertmanager" <am@example.com>' }));
            expect(config.receivers[1].email_configs[0].to).to.equal(address);
            const run = amtoolCheckConfig(config);
            expect(run.status, `${address}: ${run.output}`).to.equal(0);
        }
    });

    it("refuses, naming the key, an address the notifier could not parse when sending, or a second sender", () => {
        const refusals: [Record<string, string>, string, string][] = [
            [{ to: "nobody", from: "am@example.com" }, "to", "without an @domain"],
            [{ to: "ops@example..com", from: "am@example.com" }, "to", "two dots together"],
            [{ to: '"Ops Team <ops@example.com>', from: "am@example.com" }, "to", "never closed"],
            [{ to: "Ops Team <ops@example.com", from: "am@example.com" }, "to", "has no >"],
            [{ to: "ops@example.com; lead@example.com", from: "am@example.com" }, "to", "a comma was expected"],
            [{ to: "{{ .GroupLabels.team }}@example.com", from: "am@example.com" }, "to", "Go template"],
            [{ to: "ops@example.com", from: "am@example.com, other@example.com" }, "from", "exactly one"],
            [{ to: "ops@example.com", from: "Alertmanager" }, "from", "without an @domain"],
            [{ to: "ops@example.com lead@example.com", from: "am@example.com" }, "to", "a comma was expected"],
            [{ to: "nobody, Ops Team <ops@example.com>", from: "am@example.com" }, "to", '"nobody" without an @domain'],
        ];
        for (const [email, key, phrase] of refusals) {
            const problems = problemsOf(withEmail(email));
            expect(problems, JSON.stringify(email)).to.have.lengthOf(1);
            expect(problems[0]).to.contain(`thanos-multicluster:central.alertmanager.receivers[1].email.${key} (`);
            expect(problems[0]).to.contain(phrase).and.contain("Alertmanager could not send any email");
        }
    });

    it("the refused ones pass amtool: Alertmanager parses addresses only when it sends, so only this check catches them", function () {
        needsAmtool(this);
        const routing = parseClusterSettings(withEmail({ to: "ops@example.com", from: "am@example.com" }), {
            kubeconfig: false,
        }).central!.alertmanager;
        const config = alertmanagerConfig(routing) as any;
        config.receivers[1].email_configs[0].to = "nobody";
        config.receivers[1].email_configs[0].from = "am@example.com, other@example.com";
        const run = amtoolCheckConfig(config);
        expect(run.status, run.output).to.equal(0);
    });
});

describe("receivers: a credential written inside a receiver is a secret in clear", () => {
    const VALUE = "https://hooks.example.com/services/T000/B000/XXXXSECRETXXXX";
    const cases: [string, Record<string, unknown>, string][] = [
        [
            "receivers[0].webhook.url",
            { receivers: [{ name: "oncall", webhook: { url: VALUE } }] },
            "alertmanagerWebhookUrl",
        ],
        [
            "receivers[0].webhook.webhookUrl",
            { receivers: [{ name: "oncall", webhook: { webhookUrl: VALUE } }] },
            "alertmanagerWebhookUrl",
        ],
        [
            "receivers[0].slack.api_url",
            { receivers: [{ name: "oncall", slack: { channel: "#alerts", api_url: VALUE } }] },
            "alertmanagerSlackApiUrl",
        ],
        [
            "receivers[0].slack.apiUrl",
            { receivers: [{ name: "oncall", slack: { channel: "#alerts", apiUrl: VALUE } }] },
            "alertmanagerSlackApiUrl",
        ],
        [
            "receivers[0].email.auth_password",
            {
                receivers: [
                    {
                        name: "oncall",
                        email: {
                            to: "ops@example.com",
                            from: "am@example.com",
                            smarthost: "smtp.example.com:587",
                            authUsername: "am",
                            auth_password: VALUE,
                        },
                    },
                ],
            },
            "alertmanagerSmtpPassword",
        ],
        [
            "receivers[0].email.password",
            {
                receivers: [
                    {
                        name: "oncall",
                        email: {
                            to: "ops@example.com",
                            from: "am@example.com",
                            smarthost: "smtp.example.com:587",
                            password: VALUE,
                        },
                    },
                ],
            },
            "alertmanagerSmtpPassword",
        ],
        [
            "deadMansSwitch.url",
            { deadMansSwitch: { enabled: true, interval: "1m", url: VALUE } },
            "alertmanagerDeadMansSwitchUrl",
        ],
    ];

    for (const [key, patch, secretKey] of cases) {
        it(`central.alertmanager.${key} is reported as a secret to rotate, fixed by ${secretKey}`, () => {
            const problems = problemsOf(withAlertmanager(patch));
            expect(problems, JSON.stringify(problems)).to.have.lengthOf(1);
            expect(problems[0]).to.contain(
                `thanos-multicluster:central.alertmanager.${key} is a secret stored in clear in the stack file`,
            );
            expect(problems[0]).to.contain("rotate it").and.contain(`pulumi config set --secret ${secretKey}`);
            expect(problems[0]).not.to.contain("not a setting");
            expect(problems[0]).not.to.contain(VALUE);
        });
    }

    it("a block of Alertmanager's own holding a credential (http_config) is a secret in clear, never echoed", () => {
        const problems = problemsOf(
            withAlertmanager({
                receivers: [
                    {
                        name: "oncall",
                        webhook: { http_config: { basic_auth: { username: "am", password: "hunter2-XYZ" } } },
                    },
                ],
            }),
        );
        expect(problems, JSON.stringify(problems)).to.have.lengthOf(1);
        expect(problems[0]).to.contain(
            "thanos-multicluster:central.alertmanager.receivers[0].webhook.http_config holds a secret stored in clear in the stack file (thanos-multicluster:central.alertmanager.receivers[0].webhook.http_config.basic_auth.password)",
        );
        expect(problems[0]).to.contain("rotate it").and.contain("pulumi config set --secret alertmanagerWebhookUrl");
        expect(problems[0]).not.to.contain("hunter2-XYZ");
        const plain = problemsOf(
            withAlertmanager({ receivers: [{ name: "oncall", webhook: { http_config: { follow_redirects: true } } }] }),
        );
        expect(plain).to.have.lengthOf(1);
        expect(plain[0]).to.contain("webhook.http_config is not a setting of this program");
    });

    it("an unrelated unknown key in a receiver is still an unknown setting", () => {
        const problems = problemsOf(
            withAlertmanager({ receivers: [{ name: "oncall", webhook: { sendResolve: true } }] }),
        );
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.contain(
            "central.alertmanager.receivers[0].webhook.sendResolve is not a setting of this program: did you mean",
        );
    });

    it("fails the stack before any resource is registered, without echoing the credential", async function () {
        this.timeout(120_000);
        const alertmanager = {
            ...(stackFile("cluster-01").config["thanos-multicluster:central"] as any).alertmanager,
            receivers: [{ name: "oncall", webhook: { url: VALUE } }],
        };
        const central = { ...(stackFile("cluster-01").config["thanos-multicluster:central"] as any), alertmanager };
        let error: unknown;
        try {
            await runCommittedStack(
                "cluster-01",
                { "thanos-multicluster:central": central },
                await committedEdgeOutputs(),
            );
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        const run = error as StackRunError;
        expect(run.resources, "resources registered before the error").to.deep.equal([]);
        expect(run.message).to.contain(
            "thanos-multicluster:central.alertmanager.receivers[0].webhook.url is a secret stored in clear",
        );
        expect(run.message).to.contain("pulumi config set --secret alertmanagerWebhookUrl");
        expect(run.message).not.to.contain(VALUE);
    });
});
