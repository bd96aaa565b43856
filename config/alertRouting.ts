// Alerting settings: the central Alertmanager's receivers and routes (`central.alertmanager.*`),
// and where an edge's Prometheus sends its alerts (`alerting.*`). Credentials are never settings:
// each receiver kind reads its one secret config key (ALERTING_SECRET_KEYS), which the program
// stores in a Kubernetes Secret that Alertmanager reads through a `*_file` field.

import { mailAddressProblem } from "./mailAddresses";
import type { Reader } from "./reader";
import { parseIPv4, parseIPv4Cidr } from "./units";

/** Alertmanager's port on each pod, and the first of the per-replica ports on the central address. */
export const ALERTMANAGER_BASE_PORT = 9093;

/** LoadBalancer port of central Alertmanager replica i on the central address (9093, 9094, 9095, ...). */
export function alertmanagerLoadBalancerPort(replica: number): number {
    return ALERTMANAGER_BASE_PORT + replica;
}

/** The secret config key each receiver kind reads, and what it holds. */
export const ALERTING_SECRET_KEYS = {
    alertmanagerWebhookUrl: "the URL of the webhook receiver (it may carry a token)",
    alertmanagerSlackApiUrl: "the Slack incoming-webhook URL of the slack receiver",
    alertmanagerSmtpPassword: "the SMTP password of the email receiver's authUsername",
    alertmanagerDeadMansSwitchUrl: "the URL the Watchdog pings (a dead man's switch service)",
} as const;
export type AlertingSecretKey = keyof typeof ALERTING_SECRET_KEYS;

/** Receiver names Alertmanager's config reserves for the program. */
export const NULL_RECEIVER = "null";
export const DEAD_MANS_SWITCH_RECEIVER = "deadmansswitch";

export interface WebhookReceiverSettings {
    /** Also notify when the alert resolves. */
    sendResolved: boolean;
}

export interface SlackReceiverSettings {
    /**
     * Channel (`#alerts`) or user the incoming webhook posts to; unset, the channel the incoming
     * webhook was created for (Alertmanager sends no channel then, and takes a config without one).
     */
    channel?: string;
    sendResolved: boolean;
}

export interface EmailReceiverSettings {
    /** Recipients: an RFC 5322 address list (`ops@example.com, "Ops Team" <ops@example.org>`). */
    to: string;
    /** Sender: exactly one address, optionally with a display name. */
    from: string;
    /** SMTP server as host:port. */
    smarthost: string;
    /** SMTP user; its password is the secret alertmanagerSmtpPassword. */
    authUsername?: string;
    /** STARTTLS required (Alertmanager's default). */
    requireTls: boolean;
    sendResolved: boolean;
}

export interface ReceiverSettings {
    name: string;
    webhook?: WebhookReceiverSettings;
    slack?: SlackReceiverSettings;
    email?: EmailReceiverSettings;
}

export interface AlertRoutingSettings {
    /** Who is notified: at least one. */
    receivers: ReceiverSettings[];
    /** The receiver of every alert no other route takes. */
    defaultReceiver: string;
    /** The receiver of `severity="critical"` alerts; the default receiver when unset. */
    criticalReceiver: string;
    /** Watchdog alerts ping alertmanagerDeadMansSwitchUrl every deadMansSwitchInterval. */
    deadMansSwitch: { enabled: boolean; interval: string };
    groupWait: string;
    groupInterval: string;
    repeatInterval: string;
    /** CIDRs the edges' Prometheus send alerts from, to the per-replica ports on the central address. */
    edgeSourceRanges: string[];
}

/** Edges: the central Alertmanager replicas, every one (replicas deduplicate only what they all receive). */
export interface EdgeAlertingSettings {
    centralAlertmanagers: string[];
}

const RECEIVER_KINDS = ["webhook", "slack", "email"] as const;

/** host:port with an IPv4 address or DNS name and a valid port. */
export function hostPortProblem(text: string): string | undefined {
    const match = /^([A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(text);
    if (!match) return `must be host:port, e.g. 192.168.101.210:9093; got "${text}"`;
    const port = Number(match[2]);
    if (port < 1 || port > 65535) return `has port ${port} outside 1-65535`;
    const host = match[1];
    if (/^[0-9.]+$/.test(host) && parseIPv4(host) === undefined) return `has an invalid IPv4 address "${host}"`;
    return undefined;
}

/** What each receiver kind's credential is called in Alertmanager's config (and its camel-case spelling). */
const CREDENTIAL_NAMES: Record<(typeof RECEIVER_KINDS)[number], RegExp> = {
    webhook: /^(url|webhook_?url)$/i,
    slack: /^(api_?url|url|webhook_?url)$/i,
    email: /^(auth_?)?(password|secret)$/i,
};

function readReceiver(r: Reader, path: string): ReceiverSettings {
    // Alertmanager takes any non-empty name, unique among the receivers ("Ops Team (EU)" too): the
    // name is only a string of its config, and of the routes that name it.
    const name = r.string(`${path}.name`, "name the receiver, e.g. oncall") ?? "";
    if (name === NULL_RECEIVER || name === DEAD_MANS_SWITCH_RECEIVER)
        r.problem(`${path}.name`, `"${name}" is reserved for the program's own receiver; choose another name`);
    const receiver: ReceiverSettings = { name };
    // A credential written where Alertmanager's own config has it (`url`, `api_url`, `auth_password`)
    // is a secret in clear: reported so, with the secret config key that holds it.
    for (const kind of RECEIVER_KINDS) r.credentialOf(`${path}.${kind}`, secretKeyOf(kind), CREDENTIAL_NAMES[kind]);
    if (r.has(`${path}.webhook`)) {
        r.object(`${path}.webhook`);
        receiver.webhook = { sendResolved: r.boolean(`${path}.webhook.sendResolved`, true) };
    }
    if (r.has(`${path}.slack`)) {
        r.object(`${path}.slack`);
        const channel = r.optionalString(`${path}.slack.channel`, "name the Slack channel, e.g. '#alerts'");
        receiver.slack = {
            ...(channel !== undefined ? { channel } : {}),
            sendResolved: r.boolean(`${path}.slack.sendResolved`, true),
        };
    }
    if (r.has(`${path}.email`)) {
        r.object(`${path}.email`);
        // Alertmanager parses both only when it sends (net/mail): refused here rather than on every notification.
        const address = (key: "to" | "from", example: string) => {
            const value = r.string(`${path}.email.${key}`, `give an address, e.g. ${example}`) ?? "";
            const problem = value === "" ? undefined : mailAddressProblem(value, key === "from");
            if (problem !== undefined)
                r.problem(
                    `${path}.email.${key}`,
                    `(${JSON.stringify(value)}) ${problem}: Alertmanager could not send any email; give ${key === "to" ? "one or more addresses separated by commas" : "one address"}, e.g. ${example}`,
                );
            return value;
        };
        const to = address("to", '"Ops Team" <oncall@example.com>, lead@example.com');
        const from = address("from", '"Alertmanager" <alertmanager@example.com>');
        const smarthost =
            r.string(`${path}.email.smarthost`, "give the SMTP server as host:port, e.g. smtp.example.com:587") ?? "";
        const problem = smarthost === "" ? undefined : hostPortProblem(smarthost);
        if (problem !== undefined) r.problem(`${path}.email.smarthost`, problem);
        const authUsername = r.optionalString(`${path}.email.authUsername`, "give the SMTP user name");
        receiver.email = {
            to,
            from,
            smarthost,
            ...(authUsername !== undefined ? { authUsername } : {}),
            requireTls: r.boolean(`${path}.email.requireTls`, true),
            sendResolved: r.boolean(`${path}.email.sendResolved`, false),
        };
    }
    if (receiver.webhook === undefined && receiver.slack === undefined && receiver.email === undefined) {
        r.problem(path, `(receiver "${name}") notifies nobody: give it a webhook, slack or email section`);
    }
    return receiver;
}

/** Reads `central.alertmanager`'s routing keys (replicas and storage are read by readCentral). */
export function readAlertRouting(r: Reader): AlertRoutingSettings {
    const base = "central.alertmanager";
    const count = r.sectionList(`${base}.receivers`);
    const receivers: ReceiverSettings[] = [];
    if (count === 0 && !r.problems.some((p) => p.includes(`${base}.receivers `))) {
        r.problem(
            `${base}.receivers`,
            "is required: without a receiver no alert reaches anyone. Add one, e.g. `pulumi config set --path 'central.alertmanager.receivers[0].name' oncall`, " +
                "`pulumi config set --path 'central.alertmanager.receivers[0].webhook.sendResolved' true` and `pulumi config set --secret alertmanagerWebhookUrl <url>`",
        );
    }
    for (let i = 0; i < count; i++) receivers.push(readReceiver(r, `${base}.receivers[${i}]`));
    const names = receivers.map((x) => x.name);
    const repeated = names.filter((n, i) => n !== "" && names.indexOf(n) !== i);
    if (repeated.length > 0)
        r.problem(
            `${base}.receivers`,
            `names ${[...new Set(repeated)].join(", ")} more than once: every receiver needs its own name`,
        );
    for (const kind of RECEIVER_KINDS) {
        const users = receivers.filter((x) => x[kind] !== undefined).map((x) => x.name);
        if (users.length > 1) {
            r.problem(
                `${base}.receivers`,
                `has ${kind} in ${users.join(" and ")}: each kind reads one secret (${secretKeyOf(kind)}), so at most one receiver may use it; put both people in one receiver`,
            );
        }
    }

    const receiverRef = (key: string, fallback?: string): string => {
        const value =
            fallback === undefined
                ? r.string(
                      `${base}.${key}`,
                      `name the receiver that gets every alert, one of: ${names.join(", ") || "(none yet)"}`,
                  )
                : r.string(`${base}.${key}`, "", fallback);
        // A fallback is another key's value: its own key reports it.
        const given = fallback === undefined || r.has(`${base}.${key}`);
        if (given && value !== undefined && value !== "" && names.length > 0 && !names.includes(value)) {
            r.problem(
                `${base}.${key}`,
                `("${value}") is not a receiver of ${base}.receivers; one of: ${names.join(", ")}`,
            );
        }
        return value ?? "";
    };
    const defaultReceiver = receiverRef("defaultReceiver", names.length <= 1 ? (names[0] ?? "") : undefined);
    const criticalReceiver = receiverRef("criticalReceiver", defaultReceiver);
    // Only these two route to a receiver of the config: Alertmanager accepts another one, and never notifies it.
    if (names.includes(defaultReceiver) && names.includes(criticalReceiver)) {
        receivers.forEach((receiver, i) => {
            if (receiver.name !== "" && receiver.name !== defaultReceiver && receiver.name !== criticalReceiver)
                r.problem(
                    `${base}.receivers[${i}]`,
                    `(receiver "${receiver.name}") gets no alert: only ${base}.defaultReceiver ("${defaultReceiver}") and ${base}.criticalReceiver ("${criticalReceiver}") are routed; name it in one of them, or remove it`,
                );
        });
    }

    r.object(`${base}.deadMansSwitch`);
    r.credentialOf(`${base}.deadMansSwitch`, "alertmanagerDeadMansSwitchUrl", /^(url|webhook_?url)$/i);
    const enabled = r.boolean(`${base}.deadMansSwitch.enabled`, false);
    // The switch's route notifies every interval: its group_interval and repeat_interval.
    const deadMansSwitch = {
        enabled,
        interval: enabled
            ? notZero(r, `${base}.deadMansSwitch.interval`, "1m", "group_interval and repeat_interval")
            : r.duration(`${base}.deadMansSwitch.interval`, "1m", "1m").text,
    };
    const edgeSourceRanges = r.stringList(
        `${base}.edgeSourceRanges`,
        "list the CIDRs the edges send alerts from, e.g. [192.168.101.196/32]",
        [],
    );
    // An empty source-range list leaves a LoadBalancer open to every address.
    if (edgeSourceRanges.length === 0)
        r.problem(
            `${base}.edgeSourceRanges`,
            "is empty, which opens the Alertmanager LoadBalancers to every address: list the CIDRs the edges send alerts from (their nodes), e.g. [192.168.101.196/32]",
        );
    for (const [i, cidr] of edgeSourceRanges.entries()) {
        if (parseIPv4Cidr(cidr) === undefined)
            r.problem(`${base}.edgeSourceRanges[${i}]`, `must be an IPv4 CIDR with no host bits set; got "${cidr}"`);
    }
    return {
        receivers,
        defaultReceiver,
        criticalReceiver,
        deadMansSwitch,
        groupWait: r.duration(`${base}.groupWait`, "30s", "30s").text,
        groupInterval: notZero(r, `${base}.groupInterval`, "5m", "group_interval"),
        repeatInterval: notZero(r, `${base}.repeatInterval`, "4h", "repeat_interval"),
        edgeSourceRanges,
    };
}

/**
 * A duration Alertmanager takes as a route's group_interval or repeat_interval, which it refuses
 * to be zero ("group_interval cannot be zero", config/config.go): refused here, naming the key,
 * instead of by amtool after rendering or by the running Alertmanager, which keeps its old config.
 */
function notZero(r: Reader, path: string, fallback: string, routeField: string): string {
    const { text, ms } = r.duration(path, fallback, fallback);
    if (ms === 0)
        r.problem(
            path,
            `must be above 0 (got ${text}): Alertmanager refuses a route whose ${routeField} is zero, and keeps running its previous config; e.g. ${fallback}`,
        );
    return text;
}

export function secretKeyOf(kind: (typeof RECEIVER_KINDS)[number]): AlertingSecretKey {
    return kind === "webhook"
        ? "alertmanagerWebhookUrl"
        : kind === "slack"
          ? "alertmanagerSlackApiUrl"
          : "alertmanagerSmtpPassword";
}

/** The secret config keys the routing needs, each with the config key that needs it. */
export function requiredAlertingSecrets(routing: AlertRoutingSettings): { key: AlertingSecretKey; neededBy: string }[] {
    const needed: { key: AlertingSecretKey; neededBy: string }[] = [];
    for (const [i, receiver] of routing.receivers.entries()) {
        const at = `central.alertmanager.receivers[${i}]`;
        if (receiver.webhook !== undefined) needed.push({ key: "alertmanagerWebhookUrl", neededBy: `${at}.webhook` });
        if (receiver.slack !== undefined) needed.push({ key: "alertmanagerSlackApiUrl", neededBy: `${at}.slack` });
        if (receiver.email?.authUsername !== undefined)
            needed.push({ key: "alertmanagerSmtpPassword", neededBy: `${at}.email.authUsername` });
    }
    if (routing.deadMansSwitch.enabled)
        needed.push({ key: "alertmanagerDeadMansSwitchUrl", neededBy: "central.alertmanager.deadMansSwitch.enabled" });
    return needed;
}

/** Reads an edge's `alerting` object: the central Alertmanager replicas, as plain host:port config. */
export function readEdgeAlerting(r: Reader, isEdge: boolean): EdgeAlertingSettings {
    r.object("alerting");
    if (!isEdge) {
        if (r.has("alerting")) {
            r.skip("alerting");
            r.problem(
                "alerting",
                "is set on the central stack: its Prometheus and Ruler reach Alertmanager in-cluster; remove it (edges use it)",
            );
        }
        return { centralAlertmanagers: [] };
    }
    const centralAlertmanagers = r.stringList(
        "alerting.centralAlertmanagers",
        "list every central Alertmanager replica as host:port on the central address, e.g. [192.168.101.210:9093, 192.168.101.210:9094, 192.168.101.210:9095]",
    );
    if (centralAlertmanagers.length === 0 && r.problems.every((p) => !p.includes("alerting.centralAlertmanagers"))) {
        r.problem(
            "alerting.centralAlertmanagers",
            "must not be empty on an edge: this cluster's alerts would be evaluated and dropped; list every central Alertmanager replica",
        );
    }
    for (const [i, target] of centralAlertmanagers.entries()) {
        const problem = hostPortProblem(target);
        if (problem !== undefined) r.problem(`alerting.centralAlertmanagers[${i}]`, problem);
    }
    const repeated = centralAlertmanagers.filter((t, i) => centralAlertmanagers.indexOf(t) !== i);
    if (repeated.length > 0)
        r.problem("alerting.centralAlertmanagers", `lists ${[...new Set(repeated)].join(", ")} more than once`);
    return { centralAlertmanagers };
}

/** What a central stack file exposes for alerts (its pinned address and replica count), as siblings.ts reads it. */
export interface CentralAlertmanagerExposure {
    stack: string;
    ip?: string;
    replicas?: number;
}

/** The central Alertmanager addresses an edge must list, from the central stack file. */
export function expectedCentralAlertmanagers(central: CentralAlertmanagerExposure): string[] | undefined {
    if (central.ip === undefined) return undefined;
    const replicas = central.replicas ?? 3;
    return Array.from({ length: replicas }, (_, i) => `${central.ip}:${alertmanagerLoadBalancerPort(i)}`);
}

/** An edge's alerting targets against the central stack file next to it (when there is one). */
export function edgeAlertingProblems(
    edge: EdgeAlertingSettings,
    central: CentralAlertmanagerExposure | undefined,
): string[] {
    if (central === undefined) return [];
    const expected = expectedCentralAlertmanagers(central);
    if (expected === undefined) return [];
    const listed = new Set(edge.centralAlertmanagers);
    const missing = expected.filter((t) => !listed.has(t));
    const unknown = edge.centralAlertmanagers.filter((t) => !expected.includes(t));
    if (missing.length === 0 && unknown.length === 0) return [];
    return [
        `thanos-multicluster:alerting.centralAlertmanagers must list every Alertmanager replica the central stack ${central.stack} (Pulumi.${central.stack}.yaml) exposes, ` +
            `[${expected.join(", ")}]` +
            (missing.length > 0
                ? `; missing ${missing.join(", ")} (a replica that misses an alert cannot deduplicate it)`
                : "") +
            (unknown.length > 0 ? `; ${unknown.join(", ")} is not one of them` : ""),
    ];
}
