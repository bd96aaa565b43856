// The server processes a live test starts (each logging to its own file, all killed after), and the
// servers the live tests run: Alertmanager (one replica without gossip, or replicas gossiping on
// loopback) and a Prometheus evaluating every second.

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export interface LiveProcess {
    name: string;
    child: ChildProcess;
    /** The file its stdout and stderr go to. */
    log: string;
}

/** Processes started in one directory, their logs kept there for an error message. */
export class LiveProcesses {
    readonly started: LiveProcess[] = [];

    /** dir: where each process's log goes (read when a process starts, so it may be set in `before`). */
    constructor(private readonly dir: () => string) {}

    start(name: string, command: string, args: string[]): ChildProcess {
        const log = path.join(this.dir(), `${name}.log`);
        const out = fs.openSync(log, "w");
        const child = spawn(command, args, { stdio: ["ignore", out, out] });
        fs.closeSync(out);
        this.started.push({ name, child, log });
        return child;
    }

    /** The started process called name. */
    child(name: string): ChildProcess {
        const found = this.started.find((p) => p.name === name);
        if (found === undefined) throw new Error(`no process ${name} was started`);
        return found.child;
    }

    /** The last lines of every process's log, each under its name. */
    logs(lastLines: number): string {
        return this.started
            .map(
                (p) =>
                    `--- ${p.name}\n${fs.existsSync(p.log) ? fs.readFileSync(p.log, "utf8").split("\n").slice(-lastLines).join("\n") : ""}`,
            )
            .join("\n");
    }

    /** Kills every process still running and waits for each to exit. */
    async stopAll(): Promise<void> {
        const running = this.started.filter(({ child }) => child.exitCode === null && child.signalCode === null);
        const exited = running.map(({ child }) => new Promise((r) => child.once("exit", r)));
        for (const { child } of running) child.kill("SIGKILL");
        await Promise.all(exited);
    }
}

/** Loopback ports of one Alertmanager replica: its API and its gossip. */
export interface ReplicaPorts {
    web: number;
    cluster: number;
}

/**
 * Starts one Alertmanager per entry of replicas (named alertmanager-<i>, storage in dir/am-<i>), each
 * peering with all the others over loopback gossip.
 */
export function startAlertmanagerCluster(
    processes: LiveProcesses,
    binary: string,
    dir: string,
    configFile: string,
    replicas: ReplicaPorts[],
    extraArgs: string[] = [],
): void {
    for (const [i, replica] of replicas.entries()) {
        fs.mkdirSync(path.join(dir, `am-${i}`));
        processes.start(`alertmanager-${i}`, binary, [
            `--config.file=${configFile}`,
            `--storage.path=${path.join(dir, `am-${i}`)}`,
            `--web.listen-address=127.0.0.1:${replica.web}`,
            `--cluster.listen-address=127.0.0.1:${replica.cluster}`,
            ...replicas.filter((_, j) => j !== i).map((peer) => `--cluster.peer=127.0.0.1:${peer.cluster}`),
            ...extraArgs,
        ]);
    }
}

/**
 * Starts one Alertmanager without gossip, reading dir/alertmanager.yaml and storing in dir, on the
 * given loopback port, and waits until it is ready (its log in the error if it never is).
 */
export async function startSingleAlertmanager(
    processes: LiveProcesses,
    binary: string,
    dir: string,
    port: number,
    extraArgs: string[] = [],
): Promise<{ base: string; log: string }> {
    const base = `http://127.0.0.1:${port}`;
    processes.start("alertmanager", binary, [
        `--config.file=${path.join(dir, "alertmanager.yaml")}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // One replica, no gossip port.
        "--cluster.listen-address=",
        ...extraArgs,
    ]);
    const log = processes.started[processes.started.length - 1].log;
    const deadline = Date.now() + 20_000;
    while (
        !(await fetch(`${base}/-/ready`).then(
            (r) => r.ok,
            () => false,
        ))
    ) {
        if (Date.now() > deadline)
            throw new Error(`timed out after 20s waiting for alertmanager ready\n${fs.readFileSync(log, "utf8")}`);
        await new Promise((r) => setTimeout(r, 200));
    }
    return { base, log };
}

/** What a loopback Prometheus evaluates, scrapes and sends to. */
export interface LoopbackPrometheus {
    port: number;
    /** The rule file it loads. */
    rulesFile: string;
    /** Its one scrape job's name, and the file_sd file listing that job's targets (re-read every second). */
    jobName: string;
    targetsFile: string;
    /** The Alertmanagers it sends to, and any further fields of that alerting entry. */
    alertmanagers: ReplicaPorts[];
    alerting?: object;
    /** --rules.alert.resend-delay: how soon a firing alert is sent again. */
    resendDelay: string;
    /** Further command-line flags, after the others. */
    extraArgs?: string[];
}

/**
 * Starts a Prometheus named prometheus (config dir/prometheus.yml, storage dir/prometheus) that scrapes
 * and evaluates every second, for the tests that watch alerts arrive within seconds.
 */
export function startLoopbackPrometheus(
    processes: LiveProcesses,
    binary: string,
    dir: string,
    p: LoopbackPrometheus,
): ChildProcess {
    const configFile = path.join(dir, "prometheus.yml");
    fs.writeFileSync(
        configFile,
        yaml.dump({
            global: { scrape_interval: "1s", evaluation_interval: "1s" },
            rule_files: [p.rulesFile],
            alerting: {
                alertmanagers: [
                    {
                        ...p.alerting,
                        static_configs: [{ targets: p.alertmanagers.map((r) => `127.0.0.1:${r.web}`) }],
                    },
                ],
            },
            scrape_configs: [
                { job_name: p.jobName, file_sd_configs: [{ files: [p.targetsFile], refresh_interval: "1s" }] },
            ],
        }),
    );
    fs.mkdirSync(path.join(dir, "prometheus"));
    return processes.start("prometheus", binary, [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, "prometheus")}`,
        `--web.listen-address=127.0.0.1:${p.port}`,
        `--rules.alert.resend-delay=${p.resendDelay}`,
        ...(p.extraArgs ?? []),
    ]);
}
