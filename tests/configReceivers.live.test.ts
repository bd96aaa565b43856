// Email addresses, live: amtool check-config does not parse `to` and `from` (Alertmanager parses them
// with Go's net/mail only when it sends), so a real Alertmanager (prometheus-alertmanager, Debian
// sid's 0.3x) is started on loopback with the rendered config, its email receivers pointed at a
// small SMTP server of this test, also on loopback. What it sends as MAIL FROM and RCPT TO is what
// net/mail made of the addresses the config accepted, and must equal what config/mailAddresses.ts
// made of them; an address the config refuses makes Alertmanager fail the notification.
// The parser is the Go standard library's the binary was built with: Alertmanager v0.34.0 needs Go
// 1.25 (its go.mod; its release is built with 1.26), and Go 1.19's net/mail (Debian bookworm's 0.25)
// still refuses a domain literal such as ops@[192.0.2.1]. Needs ALERTMANAGER_BIN (or alertmanager /
// prometheus-alertmanager on PATH) built with Go 1.25 or later, as Debian sid's is; skipped without
// one, except under CI=true.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { alertmanagerConfig } from "../components/alertmanagerConfig";
import { RawConfig, parseClusterSettings } from "../config";
import { parseMailAddressList } from "../config/mailAddresses";
import { problemsOf, projectConfig } from "./helpers";
import { until } from "./live/ask";
import { findBinary, freeLoopbackPort, missingBinaryMessage } from "./live/binaries";
import { LiveProcesses, startSingleAlertmanager } from "./live/processes";

/** The addresses the config accepts (each form once), as one `to`. */
const TO =
    '"Ops Team" <ops@example.com>, lead@example.com, Night Shift <night@example.org>, root@localhost, ' +
    '"first last"@example.com, J. Smith <j.smith@example.com>, ops+alerts@[192.0.2.1],';
const FROM = '"Alertmanager" <am@example.com>';

/** The Go version an Alertmanager binary was built with (`go version: go1.27.1`), as [major, minor]. */
function goVersionOf(binary: string): [number, number] | undefined {
    const out = spawnSync(binary, ["--version"], { encoding: "utf8" });
    const match = /go version:\s+go(\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`);
    return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** Addresses the config refuses (in `to` or `from`), each in its own receiver of the live config. */
const REFUSED: ["to" | "from", string][] = [
    ["to", "ops@example..com"],
    ["to", '"Ops Team <ops@example.com>'],
    ["to", "Ops Team <ops@example.com"],
    ["to", "ops@example.com; lead@example.com"],
    ["to", "ops@example.com lead@example.com"],
    ["to", "nobody, Ops Team <ops@example.com>"],
    ["from", "am@example.com, other@example.com"],
    ["from", "Alertmanager"],
];

/** One SMTP session as the server saw it: the commands, in order. */
type Session = string[];

/** A minimal SMTP server on loopback that accepts every command and records each session. */
function smtpServer(): { server: net.Server; sessions: Session[] } {
    const sessions: Session[] = [];
    const server = net.createServer((socket) => {
        const session: Session = [];
        sessions.push(session);
        let buffer = "";
        let inData = false;
        socket.write("220 localhost ESMTP test\r\n");
        socket.on("data", (chunk) => {
            buffer += chunk.toString("utf8");
            for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
                const line = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                if (inData) {
                    if (line === ".") {
                        inData = false;
                        socket.write("250 queued\r\n");
                    }
                    continue;
                }
                session.push(line);
                const verb = line.slice(0, 4).toUpperCase();
                if (verb === "EHLO" || verb === "HELO") socket.write("250 localhost\r\n");
                else if (verb === "DATA") {
                    inData = true;
                    socket.write("354 go ahead\r\n");
                } else if (verb === "QUIT") socket.end("221 bye\r\n");
                else socket.write("250 ok\r\n");
            }
        });
        socket.on("error", () => undefined);
    });
    return { server, sessions };
}

/** The committed central stack's raw config with two email receivers on the test's SMTP server. */
function centralWithEmail(smarthost: string): RawConfig {
    const raw = projectConfig("cluster-01") as Record<string, any>;
    const email = { to: TO, from: FROM, smarthost, requireTls: false };
    raw.central.alertmanager = {
        ...raw.central.alertmanager,
        receivers: [
            { name: "Ops Team (mail)", email },
            { name: "oncall", slack: { channel: "#alerts" } },
        ],
        defaultReceiver: "Ops Team (mail)",
        criticalReceiver: "oncall",
        deadMansSwitch: { enabled: false },
        groupWait: "0s",
    };
    return raw;
}

describe("email addresses, live: what Alertmanager sends to is what the config read", function () {
    this.timeout(60_000);
    const binary = findBinary("alertmanager");
    const smtp = smtpServer();
    let dir: string;
    const processes = new LiveProcesses(() => dir);
    let base: string;
    let log: string;

    before(async function () {
        const go = binary === undefined ? undefined : goVersionOf(binary);
        if (go === undefined || go[0] < 1 || (go[0] === 1 && go[1] < 25)) {
            if (process.env.CI === "true")
                throw new Error(
                    binary === undefined
                        ? missingBinaryMessage("alertmanager")
                        : `${binary} is built with Go ${go?.join(".") ?? "(unknown)"}: Alertmanager 0.34 parses addresses with Go 1.25 or later (Debian sid's prometheus-alertmanager)`,
                );
            this.skip();
        }
        await new Promise<void>((resolve) => smtp.server.listen(0, "127.0.0.1", resolve));
        const smtpPort = (smtp.server.address() as net.AddressInfo).port;
        const raw = centralWithEmail(`127.0.0.1:${smtpPort}`);
        expect(problemsOf(raw)).to.deep.equal([]);
        const config = alertmanagerConfig(
            parseClusterSettings(raw, { kubeconfig: false }).central!.alertmanager,
        ) as any;
        // The critical receiver, and one receiver per refused address, bypassing the config's rules.
        config.receivers[1] = {
            name: "oncall",
            email_configs: [{ ...config.receivers[0].email_configs[0], to: "nobody" }],
        };
        REFUSED.forEach(([field, value], i) => {
            config.receivers.push({
                name: `refused-${i}`,
                email_configs: [{ ...config.receivers[0].email_configs[0], [field]: value }],
            });
            config.route.routes.unshift({ receiver: `refused-${i}`, matchers: [`case="${i}"`] });
        });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-email-"));
        fs.writeFileSync(path.join(dir, "alertmanager.yaml"), yaml.dump(config, { lineWidth: -1 }));
        ({ base, log } = await startSingleAlertmanager(processes, binary!, dir, await freeLoopbackPort()));
    });

    after(async () => {
        await processes.stopAll();
        await new Promise((r) => smtp.server.close(r));
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function post(labels: Record<string, string>): Promise<void> {
        const response = await fetch(`${base}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([{ labels, startsAt: new Date().toISOString() }]),
        });
        expect(response.status, await response.text()).to.equal(200);
    }

    it("sends from the one sender and to every recipient of the display-name list, as config/mailAddresses.ts reads them", async () => {
        await post({ alertname: "MailCheck", cluster: "cluster-02", severity: "warning" });
        await until("a mail handed over", 20_000, async () => smtp.sessions.some((s) => s.includes("DATA")));
        const session = smtp.sessions.find((s) => s.includes("DATA"))!;
        const mailFrom = session.filter((l) => /^MAIL FROM:/i.test(l)).map((l) => /<([^>]*)>/.exec(l)![1]);
        const rcptTo = session.filter((l) => /^RCPT TO:/i.test(l)).map((l) => /<([^>]*)>/.exec(l)![1]);
        expect(mailFrom).to.deep.equal(parseMailAddressList(FROM));
        expect(rcptTo).to.deep.equal(parseMailAddressList(TO));
        // Not copied from the parser: the addresses the list was written with.
        expect(rcptTo).to.deep.equal([
            "ops@example.com",
            "lead@example.com",
            "night@example.org",
            "root@localhost",
            "first last@example.com",
            "j.smith@example.com",
            "ops+alerts@[192.0.2.1]",
        ]);
    });

    it("fails the notification to an address the config refuses, recipient-less", async () => {
        expect(problemsOf(centralWithEmail("127.0.0.1:25")).join("\n")).to.equal("");
        const refused = centralWithEmail("127.0.0.1:25") as Record<string, any>;
        refused.central.alertmanager.receivers[0].email.to = "nobody";
        expect(problemsOf(refused).join("\n")).to.contain(
            'thanos-multicluster:central.alertmanager.receivers[0].email.to ("nobody") has "nobody" without an @domain',
        );
        const before = smtp.sessions.length;
        await post({ alertname: "MailCheck", cluster: "cluster-02", severity: "critical" });
        await until("the failed notification logged", 20_000, async () =>
            fs.readFileSync(log, "utf8").includes("parse 'to' addresses"),
        );
        const later = smtp.sessions.slice(before);
        expect(later.flat().filter((l) => /^RCPT TO:/i.test(l))).to.deep.equal([]);
        expect(later.flat().filter((l) => l === "DATA")).to.deep.equal([]);
    });

    it("every other address the config refuses fails Alertmanager's notification too, and no mail is handed over", async () => {
        for (const [field, value] of REFUSED) {
            const raw = centralWithEmail("127.0.0.1:25") as Record<string, any>;
            raw.central.alertmanager.receivers[0].email[field] = value;
            const problems = problemsOf(raw);
            expect(problems, value).to.have.lengthOf(1);
            expect(problems[0]).to.contain(`thanos-multicluster:central.alertmanager.receivers[0].email.${field} (`);
        }
        const before = smtp.sessions.length;
        for (const i of REFUSED.keys()) await post({ alertname: "MailCheck", cluster: "cluster-03", case: `${i}` });
        const failed = (i: number) =>
            fs
                .readFileSync(log, "utf8")
                .split("\n")
                .find((line) => line.includes("Notify for alerts failed") && line.includes(`refused-${i}/email[0]`));
        for (const [i, [field, value]] of REFUSED.entries()) {
            await until(`the notification to ${field} ${value} failed`, 20_000, async () => failed(i) !== undefined);
            expect(failed(i), value).to.contain(field === "to" ? "parse 'to' addresses" : "'from'");
        }
        const later = smtp.sessions.slice(before);
        expect(later.flat().filter((l) => /^RCPT TO:/i.test(l))).to.deep.equal([]);
        expect(later.flat().filter((l) => l === "DATA")).to.deep.equal([]);
    });
});
