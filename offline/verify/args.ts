// The command line of `npm run verify`.

import { DEFAULT_WATCHDOG } from "./run";

export const USAGE = `usage: npm run verify -- [--stack NAME] [--outputs FILE [--edge-outputs FILE]...]
       [--query-url URL] [--grafana-url URL] [--alertmanager HOST:PORT|URL]... [--timeout SECONDS]
       [--watchdog ALERTNAME] [--send-test-alert --receiver NAME [--label KEY=VALUE]...]`;

export interface VerifyArgs {
    /** The stack whose view to verify: the central stack (everything) or an edge (that edge alone). */
    stack?: string;
    /** The central stack's `pulumi stack output --json`, instead of asking Pulumi. */
    outputs?: string;
    /** Each edge's `pulumi stack output --json` (with --outputs). */
    edgeOutputs: string[];
    queryUrl?: string;
    grafanaUrl?: string;
    alertmanagers?: string[];
    timeoutSeconds: number;
    watchdog: string;
    sendTestAlert: boolean;
    receiver?: string;
    labels: Record<string, string>;
}

export const TAKES_VALUE = new Set([
    "--stack",
    "--outputs",
    "--edge-outputs",
    "--query-url",
    "--grafana-url",
    "--alertmanager",
    "--timeout",
    "--watchdog",
    "--receiver",
    "--label",
]);

export function parseArgs(argv: string[]): VerifyArgs {
    const args: VerifyArgs = {
        edgeOutputs: [],
        timeoutSeconds: 10,
        watchdog: DEFAULT_WATCHDOG,
        sendTestAlert: false,
        labels: {},
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--send-test-alert") {
            args.sendTestAlert = true;
            continue;
        }
        if (!TAKES_VALUE.has(flag)) throw new Error(`unknown argument ${flag}\n${USAGE}`);
        const value = argv[++i];
        if (value === undefined || value === "" || value.startsWith("--"))
            throw new Error(`${flag} needs a value\n${USAGE}`);
        switch (flag) {
            case "--stack":
                args.stack = value;
                break;
            case "--outputs":
                args.outputs = value;
                break;
            case "--edge-outputs":
                args.edgeOutputs.push(value);
                break;
            case "--query-url":
                args.queryUrl = value;
                break;
            case "--grafana-url":
                args.grafanaUrl = value;
                break;
            case "--alertmanager":
                args.alertmanagers = [...(args.alertmanagers ?? []), value];
                break;
            case "--timeout": {
                const seconds = Number(value);
                if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300)
                    throw new Error(`--timeout takes seconds between 0 and 300, not ${value}`);
                args.timeoutSeconds = seconds;
                break;
            }
            case "--watchdog":
                args.watchdog = value;
                break;
            case "--receiver":
                args.receiver = value;
                break;
            case "--label": {
                const match = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(value);
                if (!match) throw new Error(`--label takes KEY=VALUE (a Prometheus label name), not ${value}`);
                if (match[1] === "verify_run") throw new Error("--label verify_run is set by verify itself");
                args.labels[match[1]] = match[2];
                break;
            }
        }
    }
    if (args.sendTestAlert && args.receiver === undefined)
        throw new Error("--send-test-alert needs --receiver NAME: the receiver you expect the test alert routed to");
    if (!args.sendTestAlert && (args.receiver !== undefined || Object.keys(args.labels).length > 0))
        throw new Error("--receiver and --label only go with --send-test-alert (no alert is sent without it)");
    if (args.edgeOutputs.length > 0 && args.outputs === undefined)
        throw new Error("--edge-outputs goes with --outputs (the central stack's outputs file)");
    return args;
}
