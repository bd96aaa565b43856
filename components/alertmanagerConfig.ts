import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import {
    AlertRoutingSettings,
    AlertingSecretKey,
    DEAD_MANS_SWITCH_RECEIVER,
    NULL_RECEIVER,
    ReceiverSettings,
} from "../config";
import { CLUSTER_LABEL, MANAGED_BY_LABEL, PART_OF_LABEL } from "./names";

/**
 * The receivers' credentials. The operator mounts each `alertmanagerSpec.secrets` entry at
 * /etc/alertmanager/secrets/<name>/, one file per key; the config names those files (`*_file`).
 */
export const ALERTMANAGER_RECEIVER_SECRET = {
    name: "alertmanager-receivers",
    mountPath: "/etc/alertmanager/secrets/alertmanager-receivers",
};

/** The file (key of the receivers' Secret) of each secret config key. */
export const RECEIVER_SECRET_FILES: Record<AlertingSecretKey, string> = {
    alertmanagerWebhookUrl: "webhook-url",
    alertmanagerSlackApiUrl: "slack-api-url",
    alertmanagerSmtpPassword: "smtp-password",
    alertmanagerDeadMansSwitchUrl: "deadmansswitch-url",
};

export function receiverSecretFile(key: AlertingSecretKey): string {
    return `${ALERTMANAGER_RECEIVER_SECRET.mountPath}/${RECEIVER_SECRET_FILES[key]}`;
}

/** Alerts are grouped per cluster and alert name: one notification per problem per cluster. */
export const GROUP_BY = [CLUSTER_LABEL, "alertname"];

/**
 * Always-firing alerts that prove the alert path: kube-prometheus-stack's `Watchdog` (every
 * cluster's Prometheus) and the Ruler's watchdog, all with severity "none".
 */
export const WATCHDOG_MATCHERS = ['severity="none"', 'alertname=~".*Watchdog"'];

/**
 * Alertmanager's config (the YAML document's object), as Alertmanager 0.34 reads it. It is the
 * chart's `alertmanager.config` value, so the plan shows it; it holds no credential, only file
 * paths. Every key of the chart's default config is set, so Helm's merge with the defaults adds
 * nothing (lists replace, and the route sets each key the default route has).
 */
export interface AlertmanagerConfigDocument {
    global: { resolve_timeout: string };
    route: Route;
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    receivers: Receiver[];
    /** The chart's default names /etc/alertmanager/config/*.tmpl; we ship no templates. */
    templates: string[];
}

interface Route {
    receiver: string;
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
    matchers?: string[];
    routes?: Route[];
}

interface Receiver {
    name: string;
    webhook_configs?: { url_file: string; send_resolved: boolean }[];
    slack_configs?: { api_url_file: string; channel?: string; send_resolved: boolean }[];
    email_configs?: {
        to: string;
        from: string;
        smarthost: string;
        auth_username?: string;
        auth_password_file?: string;
        require_tls: boolean;
        send_resolved: boolean;
    }[];
}

function receiver(settings: ReceiverSettings): Receiver {
    const out: Receiver = { name: settings.name };
    if (settings.webhook !== undefined) {
        out.webhook_configs = [
            { url_file: receiverSecretFile("alertmanagerWebhookUrl"), send_resolved: settings.webhook.sendResolved },
        ];
    }
    if (settings.slack !== undefined) {
        out.slack_configs = [
            {
                api_url_file: receiverSecretFile("alertmanagerSlackApiUrl"),
                ...(settings.slack.channel !== undefined ? { channel: settings.slack.channel } : {}),
                send_resolved: settings.slack.sendResolved,
            },
        ];
    }
    if (settings.email !== undefined) {
        const email = settings.email;
        out.email_configs = [
            {
                to: email.to,
                from: email.from,
                smarthost: email.smarthost,
                ...(email.authUsername !== undefined
                    ? {
                          auth_username: email.authUsername,
                          auth_password_file: receiverSecretFile("alertmanagerSmtpPassword"),
                      }
                    : {}),
                require_tls: email.requireTls,
                send_resolved: email.sendResolved,
            },
        ];
    }
    return out;
}

/**
 * The central Alertmanager's config: every alert grouped by cluster and alert name to the default
 * receiver, critical ones to the critical receiver, watchdogs to the dead man's switch (or
 * nowhere), and inhibitions that never cross clusters.
 */
export function alertmanagerConfig(routing: AlertRoutingSettings): AlertmanagerConfigDocument {
    const routes: Route[] = [
        routing.deadMansSwitch.enabled
            ? {
                  // Pinged on every interval while the whole path works; the service alerts when it stops.
                  receiver: DEAD_MANS_SWITCH_RECEIVER,
                  matchers: WATCHDOG_MATCHERS,
                  group_wait: "0s",
                  group_interval: routing.deadMansSwitch.interval,
                  repeat_interval: routing.deadMansSwitch.interval,
              }
            : { receiver: NULL_RECEIVER, matchers: WATCHDOG_MATCHERS },
        // Other severity "none" alerts (kube-prometheus-stack's InfoInhibitor) only inhibit.
        { receiver: NULL_RECEIVER, matchers: ['severity="none"'] },
    ];
    if (routing.criticalReceiver !== routing.defaultReceiver) {
        routes.push({ receiver: routing.criticalReceiver, matchers: ['severity="critical"'] });
    }
    const receivers = [...routing.receivers.map(receiver), { name: NULL_RECEIVER }];
    if (routing.deadMansSwitch.enabled) {
        receivers.push({
            name: DEAD_MANS_SWITCH_RECEIVER,
            webhook_configs: [{ url_file: receiverSecretFile("alertmanagerDeadMansSwitchUrl"), send_resolved: false }],
        });
    }
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: routing.defaultReceiver,
            group_by: GROUP_BY,
            group_wait: routing.groupWait,
            group_interval: routing.groupInterval,
            repeat_interval: routing.repeatInterval,
            routes,
        },
        // A worse alert silences a milder one of the same name, namespace and cluster; never another cluster's.
        inhibit_rules: [
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity=~"warning|info"'],
                equal: [CLUSTER_LABEL, "namespace", "alertname"],
            },
            {
                source_matchers: ['severity="warning"'],
                target_matchers: ['severity="info"'],
                equal: [CLUSTER_LABEL, "namespace", "alertname"],
            },
            {
                source_matchers: ['alertname="InfoInhibitor"'],
                target_matchers: ['severity="info"'],
                equal: [CLUSTER_LABEL, "namespace"],
            },
        ],
        receivers,
        templates: [],
    };
}

export function alertmanagerConfigYaml(routing: AlertRoutingSettings): string {
    return yaml.dump(alertmanagerConfig(routing), { lineWidth: -1, noRefs: true });
}

export interface AlertmanagerReceiverSecretArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    /** The receivers' credentials, by secret config key (secret Outputs). */
    credentials: Partial<Record<AlertingSecretKey, pulumi.Output<string>>>;
}

/** The Secret with the receivers' credentials, mounted into every Alertmanager pod. */
export class AlertmanagerReceiverSecret extends pulumi.ComponentResource {
    /** The Secret's name, for `alertmanagerSpec.secrets`. */
    public readonly secretName: string = ALERTMANAGER_RECEIVER_SECRET.name;
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: AlertmanagerReceiverSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:alerting:AlertmanagerReceiverSecret", name, {}, opts);
        this.secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: ALERTMANAGER_RECEIVER_SECRET.name,
                    namespace: args.namespace,
                    labels: {
                        ...PART_OF_LABEL,
                        ...MANAGED_BY_LABEL,
                        "app.kubernetes.io/component": "alertmanager-receivers",
                    },
                },
                type: "Opaque",
                stringData: Object.fromEntries(
                    (Object.entries(args.credentials) as [AlertingSecretKey, pulumi.Output<string>][]).map(
                        ([key, value]) => [RECEIVER_SECRET_FILES[key], pulumi.secret(value)],
                    ),
                ),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ secretName: this.secretName });
    }
}
