// `npm run verify -- [--stack NAME] ...`: after a deploy, checks over the central stack's published
// addresses that the system works: Query holds every edge's endpoints, every cluster's series and
// block uploads reach Query, the Alertmanager replicas form one cluster and hold every cluster's
// always-firing alert, Grafana and its Thanos datasource are healthy; and, only when asked, that
// a test alert routes to the receiver named. One line per check (PASS/FAIL/SKIP); exit 0 when none
// failed, 1 when one did, 2 when verify could not start (arguments, outputs). See docs/verify.md.

import * as path from "path";
import { DeployStack, deployOrder } from "../stacks";
import { VerifyArgs, parseArgs } from "./args";
import { formatResult, summarize } from "./checks";
import { edgeFromOutputs, pulumiStackOutputs, readOutputsFile, targetFromOutputs } from "./outputs";
import { runChecks } from "./run";
import { VerifyEdge, VerifyScope, VerifyTarget } from "./types";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");

function pickStack(stacks: DeployStack[], name: string): DeployStack {
    const picked = stacks.find((s) => s.name === name || s.fullName === name);
    if (!picked) throw new Error(`no stack named ${name}; the stacks are ${stacks.map((s) => s.name).join(", ")}`);
    return picked;
}

/** The target and scope, from outputs files or from the Pulumi CLI. */
export async function loadTarget(
    args: VerifyArgs,
    workDir: string = PROJECT_DIR,
): Promise<{ target: VerifyTarget; scope: VerifyScope }> {
    const overrides = { queryUrl: args.queryUrl, grafanaUrl: args.grafanaUrl, alertmanagers: args.alertmanagers };
    let centralOutputs: Record<string, unknown>;
    let centralFrom: string;
    let edges: VerifyEdge[];
    let selectedEdge: VerifyEdge | undefined;
    if (args.outputs !== undefined) {
        centralOutputs = readOutputsFile(args.outputs);
        centralFrom = args.outputs;
        edges = args.edgeOutputs.map((file) => edgeFromOutputs(readOutputsFile(file), file));
        if (args.stack !== undefined && args.stack !== centralOutputs.clusterName) {
            selectedEdge = edges.find((e) => e.clusterName === args.stack);
            if (!selectedEdge)
                throw new Error(
                    `--stack ${args.stack}: neither the central cluster (${String(centralOutputs.clusterName)}) nor an edge of --edge-outputs (${edges.map((e) => e.clusterName).join(", ") || "none"})`,
                );
        }
    } else {
        const stacks = deployOrder(workDir);
        const central = stacks.find((s) => s.role === "central");
        if (!central) throw new Error("no central stack among the stack files (npm run stacks)");
        const selected = args.stack !== undefined ? pickStack(stacks, args.stack) : central;
        const edgeStacks = selected.role === "edge" ? [selected] : stacks.filter((s) => s.role === "edge");
        const readEdge = async (s: DeployStack): Promise<VerifyEdge> => ({
            ...edgeFromOutputs(await pulumiStackOutputs(s, workDir), `stack ${s.fullName}`),
            stack: s.name,
        });
        [centralOutputs, edges] = await Promise.all([
            pulumiStackOutputs(central, workDir),
            Promise.all(edgeStacks.map(readEdge)),
        ]);
        centralFrom = `stack ${central.fullName}`;
        if (selected.role === "edge") selectedEdge = edges[0];
    }
    const target = targetFromOutputs(centralOutputs, centralFrom, edges, overrides);
    const scope: VerifyScope = selectedEdge ? { kind: "edge", clusterName: selectedEdge.clusterName } : { kind: "all" };
    return { target, scope };
}

export async function main(
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
    write = (line: string) => console.log(line),
): Promise<number> {
    let args: VerifyArgs;
    let loaded: { target: VerifyTarget; scope: VerifyScope };
    try {
        args = parseArgs(argv);
        loaded = await loadTarget(args);
    } catch (err) {
        write(`verify: ${err instanceof Error ? err.message : String(err)}`);
        return 2;
    }
    const { target, scope } = loaded;
    const edges = target.edges.map((e) => e.clusterName).join(", ") || "none";
    const tiers = target.queryTiers.length;
    const query = `Query ${target.queryUrl}${tiers > 0 ? ` (over ${tiers} mid-tier Queries)` : ""}`;
    write(
        scope.kind === "edge"
            ? `verify: edge ${scope.clusterName} alone, through ${query} and ${target.alertmanagers.length} Alertmanager replicas`
            : `verify: central ${target.centralCluster}, edges ${edges}; ${query}, ${target.alertmanagers.length} Alertmanager replicas, Grafana ${target.grafanaUrl}`,
    );
    const results = await runChecks(target, scope, {
        timeoutMs: args.timeoutSeconds * 1000,
        watchdog: args.watchdog,
        testAlert: args.sendTestAlert ? { receiver: args.receiver!, labels: args.labels } : undefined,
        env,
    });
    for (const r of results) write(formatResult(r));
    const { line, exitCode } = summarize(results);
    write(line);
    return exitCode;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            console.error(`verify: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            process.exit(2);
        },
    );
}
