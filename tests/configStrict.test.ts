// Config mistakes that used to go through: unknown keys and wrong types below the top level,
// secrets written in clear inside a section, and cross-stack facts the stack files already tell.
// Each is rejected before any resource is registered, naming the full key.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { RawConfig } from "../config/settings";
import { Reader, editDistance } from "../config/reader";
import { StackRunError } from "../offline/runStack";
import { renderStacks } from "../offline/render";
import { findStackFiles } from "../offline/stackFiles";
import { TEST_SECRETS, committedEdgeOutputs, runCommittedStack, stackFile, withStackFiles } from "./helpers";
import { problemsOf } from "./helpers";

/** A valid central stack's raw config, written from the seed (not read from a stack file). */
function validCentral(): RawConfig {
    return {
        clusterName: "cluster-01",
        role: "central",
        nodeIps: ["192.168.101.194"],
        kubernetes: { context: "cluster-01" },
        loadBalancer: { ip: "192.168.101.210", pool: { start: "192.168.101.210", stop: "192.168.101.210" } },
        objectStorage: {
            endpoint: "s3.minio.miribit.lab:80",
            bucket: "thanos-bucket",
            insecure: true,
            allowInsecureTransport: true,
        },
        prometheus: { replicas: 2 },
        central: {
            organization: "miribit",
            edgeStacks: ["cluster-02"],
            uiSourceRanges: ["192.168.101.0/24"],
            query: { replicas: 2 },
            buckets: { existing: ["thanos-bucket"] },
            alertmanager: { receivers: [{ name: "oncall", webhook: {} }], edgeSourceRanges: ["192.168.101.196/32"] },
        },
    };
}

function validEdge(): RawConfig {
    return {
        clusterName: "cluster-02",
        role: "edge",
        nodeIps: ["192.168.101.196"],
        kubernetes: { context: "cluster-02" },
        loadBalancer: {
            ip: "192.168.101.211",
            pool: { start: "192.168.101.211", stop: "192.168.101.211" },
            grpcSourceRanges: ["192.168.101.194/32"],
            httpSourceRanges: ["192.168.101.0/24"],
        },
        objectStorage: {
            endpoint: "s3.minio.miribit.lab:80",
            bucket: "thanos-bucket",
            insecure: true,
            allowInsecureTransport: true,
        },
        grpcTls: { enabled: true },
        alerting: { centralAlertmanagers: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"] },
    };
}

/** A copy with a dotted path set (undefined deletes it); missing sections on the way are created. */
function withSetting(base: RawConfig, dotted: string, value: unknown): RawConfig {
    const raw = JSON.parse(JSON.stringify(base)) as Record<string, any>;
    const parts = dotted.split(".");
    let target = raw;
    for (const part of parts.slice(0, -1)) target = target[part] ??= {};
    if (value === undefined) delete target[parts[parts.length - 1]];
    else target[parts[parts.length - 1]] = value;
    return raw;
}

/** Exactly one problem, starting with the full key, saying each phrase. */
function expectOnly(raw: RawConfig, key: string, ...phrases: string[]): string {
    const problems = problemsOf(raw);
    expect(problems, JSON.stringify(problems)).to.have.lengthOf(1);
    expect(problems[0].startsWith(`thanos-multicluster:${key} `), problems[0]).to.equal(true);
    for (const phrase of phrases) expect(problems[0]).to.contain(phrase);
    return problems[0];
}

/** Runs a stack expecting a config failure before any resource; returns the message. */
async function failsBeforeAnyResource(run: () => Promise<unknown>): Promise<string> {
    try {
        await run();
    } catch (err) {
        expect(err).to.be.instanceOf(StackRunError);
        expect((err as StackRunError).resources, "resources registered before the error").to.deep.equal([]);
        return (err as Error).message;
    }
    throw new Error("expected the stack to fail");
}

describe("strict config: unknown keys at every level", () => {
    it("the fixtures are valid", () => {
        expect(problemsOf(validEdge())).to.deep.equal([]);
        expect(problemsOf(validCentral())).to.deep.equal([]);
    });

    it("a misspelt key one level down is named in full, with the key meant", () => {
        expectOnly(
            withSetting(withSetting(validEdge(), "grpcTls.enabled", undefined), "grpcTls.enable", true),
            "grpcTls.enable",
            "did you mean thanos-multicluster:grpcTls.enabled?",
        );
        expectOnly(
            withSetting(validEdge(), "prometheus.scrapeIntreval", "15s"),
            "prometheus.scrapeIntreval",
            "did you mean thanos-multicluster:prometheus.scrapeInterval?",
        );
        expectOnly(
            withSetting(validEdge(), "loadBalancer.pool.stpo", "192.168.101.211"),
            "loadBalancer.pool.stpo",
            "did you mean thanos-multicluster:loadBalancer.pool.stop?",
        );
    });

    it("two levels down in the central section too", () => {
        expectOnly(
            withSetting(validCentral(), "central.query.replica", 1),
            "central.query.replica",
            "did you mean thanos-multicluster:central.query.replicas?",
        );
        expectOnly(
            withSetting(validCentral(), "central.compactor.retentionRaww", "30d"),
            "central.compactor.retentionRaww",
            "central.compactor.retentionRaw?",
        );
    });

    it("a top-level typo suggests the setting, or the secret, meant", () => {
        expectOnly(
            withSetting(validEdge(), "clusterNmae", "x"),
            "clusterNmae",
            "did you mean thanos-multicluster:clusterName?",
        );
        expectOnly(
            withSetting(validEdge(), "objectStorageAccesKey", "x"),
            "objectStorageAccesKey",
            "did you mean thanos-multicluster:objectStorageAccessKey?",
        );
    });

    it("a key at the wrong level names where it belongs", () => {
        expectOnly(
            withSetting(validEdge(), "prometheus.grpcSourceRanges", ["10.0.0.0/8"]),
            "prometheus.grpcSourceRanges",
            "not a setting at this level",
            "thanos-multicluster:loadBalancer.grpcSourceRanges",
        );
        expectOnly(
            withSetting(validCentral(), "edgeStacks", ["cluster-02"]),
            "edgeStacks",
            "thanos-multicluster:central.edgeStacks",
        );
    });

    it("an unknown key with nothing near lists the section's keys", () => {
        const message = expectOnly(
            withSetting(validEdge(), "kubernetes.zzz", 1),
            "kubernetes.zzz",
            "is not a setting of this program",
        );
        expect(message).to.contain("context, kubeconfigPath");
    });

    it("free-form maps take any key, but their values are still checked", () => {
        expect(
            problemsOf(withSetting(validEdge(), "prometheus.externalLabels", { region: "lab", zone: "a" })),
        ).to.deep.equal([]);
    });
});

describe("strict config: wrong types at every level", () => {
    it("a section that is not an object is named, whether or not it is checked as a section", () => {
        expectOnly(withSetting(validEdge(), "grpcTls", "yes"), "grpcTls", "must be an object of settings", "string");
        expectOnly(
            withSetting(validEdge(), "loadBalancer.pool", "192.168.101.211-192.168.101.211"),
            "loadBalancer.pool",
            "must be an object of settings",
        );
        expectOnly(withSetting(validCentral(), "central.query", 3), "central.query", "must be an object of settings");
        expectOnly(
            withSetting(validEdge(), "prometheus", ["replicas"]),
            "prometheus",
            "must be an object of settings",
            "a list",
        );
    });

    it("a value of the wrong type names its full key", () => {
        expectOnly(withSetting(validEdge(), "prometheus.replicas", "two"), "prometheus.replicas", "whole number");
        expectOnly(withSetting(validEdge(), "grpcTls.enabled", { yes: true }), "grpcTls.enabled", "true or false");
        expectOnly(
            withSetting(validCentral(), "central.edgeStacks", "cluster-02"),
            "central.edgeStacks",
            "list of strings",
        );
        expectOnly(withSetting(validEdge(), "kubernetes.context", 7), "kubernetes.context", "must be a string");
    });
});

describe("strict config: secrets in clear inside a section", () => {
    it("a secret key placed inside a section is reported as a secret, never echoed", () => {
        const value = "s3cr3t-value-9f8e7d";
        const message = expectOnly(
            withSetting(validEdge(), "objectStorage.objectStorageSecretKey", value),
            "objectStorage.objectStorageSecretKey",
            "secret stored in clear",
            "pulumi config set --secret objectStorageSecretKey",
        );
        expect(message).not.to.contain(value);
        const other = expectOnly(
            withSetting(validEdge(), "objectStorage.secretKey", value),
            "objectStorage.secretKey",
            "secret stored in clear",
        );
        expect(other).not.to.contain(value);
    });
});

describe("strict config: the known keys come from what the readers read", () => {
    it("a path read becomes known, with the sections on its way; a map's keys are free", () => {
        const r = new Reader({ a: { b: { c: 1, d: 2 } }, m: { anything: "x" }, e: 3 });
        r.integer("a.b.c", 0);
        r.map("m");
        r.unknownKeyProblems([]);
        expect(r.problems).to.have.lengthOf(2);
        expect(r.problems[0]).to.match(/^thanos-multicluster:a\.b\.d is not a setting/);
        expect(r.problems[1]).to.match(/^thanos-multicluster:e is not a setting/);
        expect(r.knownPaths()).to.include.members(["a", "a.b", "a.b.c", "m"]);
    });

    it("edit distance counts insertions, deletions and substitutions", () => {
        expect(editDistance("enable", "enabled")).to.equal(1);
        expect(editDistance("replica", "replicas")).to.equal(1);
        expect(editDistance("kitten", "sitting")).to.equal(3);
    });
});

describe("strict config through the program: nothing is registered", () => {
    it("a nested typo in a stack file fails the stack before any resource", async () => {
        const grpcTls = { enable: true, validityDays: 365 };
        const message = await failsBeforeAnyResource(() =>
            runCommittedStack("cluster-02", { "thanos-multicluster:grpcTls": grpcTls }),
        );
        expect(message).to.contain(
            "thanos-multicluster:grpcTls.enable is not a setting of this program: did you mean thanos-multicluster:grpcTls.enabled?",
        );
    });

    it("a wrong type one level down fails before any resource", async () => {
        const message = await failsBeforeAnyResource(() =>
            runCommittedStack("cluster-03", { "thanos-multicluster:kubernetes": "cluster-03" }),
        );
        expect(message).to.contain("thanos-multicluster:kubernetes must be an object of settings");
    });

    it("a secret inside a section fails before any resource and is not echoed", async () => {
        const objectStorage = {
            ...(stackFile("cluster-04").config["thanos-multicluster:objectStorage"] as object),
            accessKey: "AKIAEXAMPLE123",
        };
        const message = await failsBeforeAnyResource(() =>
            runCommittedStack("cluster-04", { "thanos-multicluster:objectStorage": objectStorage }),
        );
        expect(message).to.contain("thanos-multicluster:objectStorage.accessKey is a secret stored in clear");
        expect(message).not.to.contain("AKIAEXAMPLE123");
    });
});

describe("cross-stack facts checked at config time, before any resource", () => {
    const central = stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, any>;
    const withEdges = (edgeStacks: string[]) => ({ "thanos-multicluster:central": { ...central, edgeStacks } });
    let edgeOutputs: Awaited<ReturnType<typeof committedEdgeOutputs>>;
    before(async () => {
        edgeOutputs = await committedEdgeOutputs();
    });

    it("an edge listed with no stack file", async () => {
        const message = await failsBeforeAnyResource(() =>
            runCommittedStack("cluster-01", withEdges(["cluster-02", "cluster-09"]), edgeOutputs),
        );
        expect(message).to.contain(
            "thanos-multicluster:central.edgeStacks[1] names stack cluster-09, but there is no Pulumi.cluster-09.yaml",
        );
    });

    it("the central stack listing itself", async () => {
        const message = await failsBeforeAnyResource(() =>
            runCommittedStack("cluster-01", withEdges(["cluster-02", "cluster-01"]), edgeOutputs),
        );
        expect(message).to.contain("thanos-multicluster:central.edgeStacks[1] lists this stack (cluster-01) itself");
    });

    it("an edge whose stack file ships to another bucket or endpoint", async () => {
        const other = {
            ...(stackFile("cluster-03").config["thanos-multicluster:objectStorage"] as object),
            bucket: "other-bucket",
        };
        const message = await withStackFiles({ "cluster-03": { "thanos-multicluster:objectStorage": other } }, () =>
            failsBeforeAnyResource(() => runCommittedStack("cluster-01", {}, edgeOutputs)),
        );
        expect(message).to.contain(
            "thanos-multicluster:central.edgeStacks[1] names stack cluster-03, which ships its blocks to bucket other-bucket",
        );
    });

    it("a listed stack whose role is not edge", async () => {
        const message = await withStackFiles(
            { "cluster-04": { "thanos-multicluster:role": "central", "thanos-multicluster:central": central } },
            () => failsBeforeAnyResource(() => runCommittedStack("cluster-01", {}, edgeOutputs)),
        );
        expect(message).to.contain(
            'thanos-multicluster:central.edgeStacks[2] names stack cluster-04, whose role is "central"',
        );
    });

    it("one context name in two kubeconfig files is two clusters; in one file, one", async () => {
        const admin = "kubernetes-admin@kubernetes";
        const files = {
            "cluster-02": {
                "thanos-multicluster:kubernetes": { context: admin, kubeconfigPath: "~/.kube/cluster-02.yaml" },
            },
            "cluster-03": {
                "thanos-multicluster:kubernetes": { context: admin, kubeconfigPath: "~/.kube/cluster-03.yaml" },
            },
        };
        await withStackFiles(files, () => runCommittedStack("cluster-02", files["cluster-02"]));
        const same = {
            "thanos-multicluster:kubernetes": { context: admin, kubeconfigPath: "~/.kube/cluster-03.yaml" },
        };
        const message = await withStackFiles({ ...files, "cluster-02": same }, () =>
            failsBeforeAnyResource(() => runCommittedStack("cluster-02", same)),
        );
        expect(message).to.contain(
            `thanos-multicluster:kubernetes.context "${admin}" (in kubeconfig ~/.kube/cluster-03.yaml) is also the context of stack cluster-03`,
        );
    });

    it("a YAML syntax error in another stack's file names that file", async () => {
        const message = await withStackFiles({}, async (dir) => {
            fs.writeFileSync(
                path.join(dir, "Pulumi.cluster-04.yaml"),
                "config:\n  thanos-multicluster:role: edge\n   bad: [indent\n",
            );
            return failsBeforeAnyResource(() => runCommittedStack("cluster-02"));
        });
        expect(message).to.contain("Pulumi.cluster-04.yaml is not valid YAML");
    });

    it("with a self-managed backend, the organization must be the literal `organization`", async () => {
        const message = await withStackFiles({}, async (dir) => {
            fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "backend:\n  url: s3://pulumi-state\n");
            return failsBeforeAnyResource(() => runCommittedStack("cluster-01", {}, edgeOutputs));
        });
        expect(message).to.contain(
            'thanos-multicluster:central.organization is "miribit", but Pulumi.yaml pins the self-managed backend s3://pulumi-state',
        );
        expect(message).to.contain("set it to organization");
    });
});

describe("offline render: stack files as the engine reads them", () => {
    const renderIn = (dir: string) =>
        renderStacks({
            stackFiles: findStackFiles(dir),
            outDir: fs.mkdtempSync(path.join(os.tmpdir(), "out-")),
            secrets: TEST_SECRETS,
            log: () => undefined,
        });

    it("a secret in clear in a stack file fails the render, naming the file and the key", async () => {
        const error = await withStackFiles(
            { "cluster-02": { "thanos-multicluster:objectStorageSecretKey": "in-clear-secret-123" } },
            (dir) =>
                renderIn(dir).then(
                    () => undefined,
                    (err: Error) => err,
                ),
        );
        expect(error, "the render should fail").to.be.instanceOf(Error);
        expect(error!.message).to.contain("cluster-02 (Pulumi.cluster-02.yaml)");
        expect(error!.message).to.contain(
            "thanos-multicluster:objectStorageSecretKey is stored in clear in the stack file",
        );
        expect(error!.message).not.to.contain("in-clear-secret-123");
    });

    it("a YAML syntax error in a stack file fails the render naming the file", async () => {
        const error = await withStackFiles({}, async (dir) => {
            fs.writeFileSync(path.join(dir, "Pulumi.cluster-03.yaml"), "config: [\n");
            return Promise.resolve()
                .then(() => renderIn(dir))
                .then(
                    () => undefined,
                    (err: Error) => err,
                );
        });
        expect(error?.message).to.contain("Pulumi.cluster-03.yaml is not valid YAML");
    });

    it("StackReferences resolve by the full org/project/stack name, so a wrong organization fails offline", async () => {
        const outputs = await committedEdgeOutputs();
        const underOrganization = Object.fromEntries(
            Object.entries(outputs).map(([name, o]) => [name.replace(/^miribit\//, "organization/"), o]),
        );
        const message = await runCommittedStack("cluster-01", {}, underOrganization).then(
            () => "",
            (err: Error) => err.message,
        );
        expect(message).to.contain('unknown stack "miribit/thanos-multicluster/cluster-02"');
        expect(message).to.contain("organization/thanos-multicluster/cluster-02");
    });
});
