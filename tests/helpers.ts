// Shared test fixtures: the stacks as committed, run under the mock engine with known secrets.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { ConfigError, RawConfig, parseClusterSettings } from "../config";
import { RecordedResource, PROJECT_ROOT, StackRun, runStack } from "../offline/runStack";
import { StackOutputsByName } from "../offline/mockEngine";
import { StackFile, readStackFile } from "../offline/stackFiles";
import { generatedEdgeName } from "../offline/generatedDeployment";
import { CONTRACT_VERSION } from "../contract";
import type { EdgeCluster } from "../components/thanosQuery/endpoints";

/** Known secret values: tests search every rendered file for them. */
export const TEST_SECRETS = {
    objectStorageAccessKey: "AKIA-test-access-7f3c91",
    objectStorageSecretKey: "test-secret-key-4b1e0d9a8c",
    minioAdminAccessKey: "minio-admin-test-1d2e3f",
    minioAdminSecretKey: "minio-admin-secret-9z8y7x6w",
    alertmanagerWebhookUrl: "https://hooks.example.test/oncall-token-5e6f7a",
    alertmanagerDeadMansSwitchUrl: "https://hc-ping.example.test/deadmans-token-8a9b0c",
};

export function stackFile(stack: string): StackFile {
    return readStackFile(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`));
}

/**
 * A committed stack's project config (keys without the `thanos-multicluster:` prefix), as config/
 * reads it: a deep copy, which the caller may change.
 */
export function projectConfig(stack: string): Record<string, any> {
    const prefix = "thanos-multicluster:";
    return structuredClone(
        Object.fromEntries(
            Object.entries(stackFile(stack).config)
                .filter(([k]) => k.startsWith(prefix))
                .map(([k, v]) => [k.slice(prefix.length), v]),
        ),
    );
}

export function withPrefix(secrets: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`thanos-multicluster:${k}`, v]));
}

/**
 * Runs of the committed stacks as committed (no overrides, in the project folder), by stack,
 * referenced outputs and secrets. Many test files need the same few runs; a mocha worker runs them
 * once and hands each caller its own copy.
 */
const committedRuns = new Map<string, Promise<StackRun>>();

/** Runs a committed stack, optionally with config keys replaced (full keys; undefined removes one). */
export async function runCommittedStack(
    stack: string,
    overrides: Record<string, unknown> = {},
    stackOutputs: StackOutputsByName = {},
    secrets: Record<string, string> = TEST_SECRETS,
): Promise<StackRun> {
    const config = { ...stackFile(stack).config, ...overrides };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete config[key];
    }
    const run = () => runStack({ stack, config, secrets: withPrefix(secrets), stackOutputs });
    if (Object.keys(overrides).length > 0 || process.cwd() !== PROJECT_ROOT) return run();
    const key = JSON.stringify([stack, stackOutputs, secrets]);
    let shared = committedRuns.get(key);
    if (shared === undefined) {
        shared = run();
        committedRuns.set(key, shared);
        // A failed run is not kept: the next caller sees its own failure.
        shared.catch(() => committedRuns.delete(key));
    }
    return structuredClone(await shared);
}

/** The three committed edges' outputs, as the central stack's StackReferences see them. */
export async function committedEdgeOutputs(): Promise<StackOutputsByName> {
    const outputs: StackOutputsByName = {};
    for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
        const run = await runCommittedStack(stack);
        outputs[`miribit/thanos-multicluster/${stack}`] = {
            outputs: run.outputs,
            secretOutputNames: run.secretOutputNames,
        };
    }
    return outputs;
}

export function byType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The inputs of the one Kubernetes object of this kind and name. */
export function k8sObject(run: StackRun, kind: string, name: string): Record<string, any> {
    const found = run.resources.filter(
        (r) =>
            r.type.startsWith("kubernetes:") &&
            r.type.endsWith(`:${kind}`) &&
            (r.inputs as any).metadata?.name === name,
    );
    if (found.length !== 1) {
        throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    }
    return found[0].inputs as Record<string, any>;
}

/**
 * Runs `fn` in a copy of the project's stack files (the program reads its siblings from the working
 * directory), with some stacks' config keys replaced (undefined removes a key) or whole stacks added
 * (a stack not committed) or removed (null).
 */
export async function withStackFiles<T>(
    changes: Record<string, Record<string, unknown> | null>,
    fn: (dir: string) => Promise<T>,
): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
    for (const file of fs
        .readdirSync(PROJECT_ROOT)
        .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f) || f === "Pulumi.yaml")) {
        fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
    }
    for (const [stack, change] of Object.entries(changes)) {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        if (change === null) {
            fs.rmSync(file, { force: true });
            continue;
        }
        const config = fs.existsSync(file) ? { ...readStackFile(file).config } : {};
        for (const [key, value] of Object.entries(change)) {
            if (value === undefined) delete config[key];
            else config[key] = value;
        }
        fs.writeFileSync(file, yaml.dump({ config }));
    }
    const previous = process.cwd();
    process.chdir(dir);
    try {
        return await fn(dir);
    } finally {
        process.chdir(previous);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The problems parseClusterSettings reports for raw config (none if it parses). */
export function problemsOf(raw: RawConfig): string[] {
    try {
        parseClusterSettings(raw, { kubeconfig: false });
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

/**
 * A fifth edge as docs/operations.md adds one, over an edge's stack file (full config keys): cluster-05 on
 * node 192.168.101.199, its sidecars on 192.168.101.214, reachable from the central node.
 */
export const FIFTH_EDGE: Record<string, unknown> = {
    "thanos-multicluster:clusterName": "cluster-05",
    "thanos-multicluster:nodeIps": ["192.168.101.199"],
    "thanos-multicluster:kubernetes": { context: "cluster-05" },
    "thanos-multicluster:loadBalancer": {
        ip: "192.168.101.214",
        pool: { start: "192.168.101.214", stop: "192.168.101.214" },
        grpcSourceRanges: ["192.168.101.194/32"],
        httpSourceRanges: ["192.168.101.0/24"],
    },
};

/** A central section with cluster-05 listed and, unless told otherwise, its node admitted to send alerts. */
export function withFifthEdge(central: Record<string, any>, admitItsAlerts = true): Record<string, any> {
    return {
        ...central,
        edgeStacks: [...central.edgeStacks, "cluster-05"],
        ...(admitItsAlerts && {
            alertmanager: {
                ...central.alertmanager,
                edgeSourceRanges: [...central.alertmanager.edgeSourceRanges, "192.168.101.199/32"],
            },
        }),
    };
}

/**
 * The contract outputs of generated edge number i + 1 (generatedEdgeName), as the central stack reads
 * them: what tests of the central Query at many edges feed its pure functions.
 */
export function generatedEdgeCluster(i: number, caCertificate = "ca"): EdgeCluster {
    const stack = generatedEdgeName(i + 1);
    const ip = `10.21.${Math.floor(i / 254)}.${(i % 254) + 1}`;
    return {
        stack: `miribit/thanos-multicluster/${stack}`,
        stackName: stack,
        contractVersion: CONTRACT_VERSION,
        clusterName: stack,
        role: "edge",
        externalLabels: { cluster: stack },
        replicaLabels: ["prometheus_replica"],
        queryEndpoint: `${ip}:10901`,
        objstore: { bucket: "thanos-bucket", endpoint: "s3.minio.miribit.lab:80" },
        prometheusUrl: "http://kps-prometheus.monitoring.svc:9090",
        grpcTls: { enabled: true, serverName: `thanos-sidecar.${stack}`, caCertificate, clientCaCertificate: "dca" },
    };
}
