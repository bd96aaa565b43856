// docs/data-safety.md and docs/security.md: every command they show is checked against what it
// acts on (the committed stacks' render, the Kubernetes schemas, a real `base64 -d`), and the facts
// they state about the stacks against the render. A command no rule here knows fails the test.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { FieldChecker, modelClass } from "../offline/fieldCheck";
import { PROJECT_ROOT, StackRun } from "../offline/runStack";
import { committedEdgeOutputs, k8sObject, runCommittedStack, stackFile } from "./helpers";

const DOCS = ["docs/data-safety.md", "docs/security.md"];
const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

/** The lines of every fenced shell block of a document. */
function shellLines(doc: string): string[] {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, doc), "utf8");
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
        m[1].split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")),
    );
}

function contextOf(stack: string): string {
    return (stackFile(stack).config["thanos-multicluster:kubernetes"] as { context: string }).context;
}

/** A PersistentVolume as Longhorn leaves one behind its deleted PVC (Released, still naming its claim). */
function releasedVolume(): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "pvc-3f2c" },
        spec: {
            capacity: { storage: "50Gi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: "monitoring-retain",
            claimRef: {
                kind: "PersistentVolumeClaim",
                namespace: "monitoring",
                name: "prometheus-kps-prometheus-db-prometheus-kps-prometheus-0",
                uid: "8d1f0b7e-0000-4000-8000-000000000000",
                resourceVersion: "4242",
            },
            csi: { driver: "driver.longhorn.io", volumeHandle: "pvc-3f2c" },
        },
        status: { phase: "Released" },
    };
}

/** A JSON path of an object (`.spec.claimRef.name`), or undefined where it leads nowhere. */
function at(object: unknown, dotted: string): unknown {
    return dotted
        .split(".")
        .filter(Boolean)
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], object);
}

async function validPersistentVolume(pv: Record<string, any>): Promise<void> {
    const checker = new FieldChecker([{ apiVersion: "v1", kind: "PersistentVolume" }], PROJECT_ROOT);
    expect(checker.unknownFields(pv), "fields the PersistentVolume schema lacks").to.deep.equal([]);
    const Model = await modelClass("v1", "PersistentVolume");
    new Model(pv).validate();
}

describe("docs: data safety and security", () => {
    const runs: Record<string, StackRun> = {};
    before(async () => {
        const edges = await committedEdgeOutputs();
        for (const stack of STACKS)
            runs[stack] = await runCommittedStack(stack, {}, stack === "cluster-01" ? edges : {});
    });

    it("every command the documents show is one this test checks", async () => {
        const checked: string[] = [];
        for (const doc of DOCS) {
            for (const line of shellLines(doc)) {
                const where = `${doc}: ${line}`;
                let m: RegExpExecArray | null;
                if ((m = /^kubectl --context (\S+) get pv -o custom-columns=(\S+)$/.exec(line))) {
                    expect(STACKS.map(contextOf), where).to.include(m[1]);
                    const pv = releasedVolume();
                    for (const column of m[2].split(",")) {
                        const [, jsonPath] = column.split(":");
                        expect(at(pv, jsonPath), `${where}: ${jsonPath}`).not.to.equal(undefined);
                    }
                    await validPersistentVolume(pv);
                } else if ((m = /^kubectl --context (\S+) patch pv <pv-name> -p '(.*)'$/.exec(line))) {
                    expect(STACKS.map(contextOf), where).to.include(m[1]);
                    // A strategic merge patch: the fields it sets must be the PersistentVolume's, their values valid.
                    const patch = JSON.parse(m[2]);
                    const pv = releasedVolume();
                    pv.spec.persistentVolumeReclaimPolicy = "Delete";
                    const patched = { ...pv, spec: { ...pv.spec, ...patch.spec } };
                    expect(patched.spec.persistentVolumeReclaimPolicy, where).to.equal("Retain");
                    await validPersistentVolume(patched);
                } else if ((m = /^kubectl --context (\S+) patch pv <pv-name> --type json -p '(.*)'$/.exec(line))) {
                    expect(STACKS.map(contextOf), where).to.include(m[1]);
                    const pv = releasedVolume();
                    for (const op of JSON.parse(m[2]) as { op: string; path: string }[]) {
                        expect(op.op, where).to.equal("remove");
                        const segments = op.path.split("/").slice(1);
                        const parent = at(pv, segments.slice(0, -1).join(".")) as Record<string, unknown>;
                        // A JSON patch `remove` fails on a missing field: a Released volume has both.
                        expect(parent, `${where}: ${op.path}`).to.have.property(segments[segments.length - 1]);
                        delete parent[segments[segments.length - 1]];
                    }
                    // What stays names the claim the StatefulSet creates again: its namespace and name.
                    expect(Object.keys(pv.spec.claimRef).sort()).to.deep.equal(["kind", "name", "namespace"]);
                    await validPersistentVolume(pv);
                } else if ((m = /^pulumi state unprotect '(urn:pulumi:([^:]+)::.*)'$/.exec(line))) {
                    const resource = runs[m[2]]?.resources.find((r) => r.urn === m![1]);
                    expect(resource, `${where}: no such resource in the ${m[2]} render`).not.to.equal(undefined);
                    expect(resource!.protect, where).to.equal(true);
                    expect(resource!.type, where).to.equal("kubernetes:core/v1:Namespace");
                    expect((resource!.inputs as any).metadata.name, where).to.equal("monitoring");
                } else if (line === "pulumi destroy") {
                    // The stack's own command: nothing to resolve.
                } else if (
                    (m =
                        /^export GRAFANA_ADMIN_PASSWORD="\$\(kubectl --context (\S+) -n (\S+) get secret (\S+) -o jsonpath='\{\.data\.([^}]+)\}' \| base64 -d\)"$/.exec(
                            line,
                        ))
                ) {
                    await checkGrafanaPasswordCommand(runs["cluster-01"], m[1], m[2], m[3], m[4], where);
                } else {
                    throw new Error(`${where}: a command this test does not check`);
                }
                checked.push(line);
            }
        }
        expect(checked.length).to.equal(6);
    });

    it("data-safety.md: the PVCs it names, the retention it quotes, no PVC retention policy set", () => {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, "docs/data-safety.md"), "utf8");
        const central = runs["cluster-01"];
        for (const [name, pvc] of [
            ["thanos-ruler", "data-thanos-ruler-<i>"],
            ["thanos-store", "data-thanos-store-<i>"],
            ["thanos-compactor", "data-thanos-compactor-0"],
        ]) {
            expect(text).to.include(pvc);
            const sts = k8sObject(central, "StatefulSet", name);
            // A StatefulSet's PVCs are <template>-<statefulset>-<ordinal>.
            expect(`${sts.spec.volumeClaimTemplates[0].metadata.name}-${name}-`).to.equal(pvc.replace(/<i>|0$/, ""));
            expect(sts.spec.persistentVolumeClaimRetentionPolicy, name).to.equal(undefined);
        }
        const values = (central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any)
            .values;
        expect(values.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy).to.equal(undefined);
        expect(values.alertmanager.alertmanagerSpec.persistentVolumeClaimRetentionPolicy).to.equal(undefined);
        const compactor = (stackFile("cluster-01").config["thanos-multicluster:central"] as any).compactor;
        expect(text).to.include(
            `raw ${compactor.retentionRaw} / 5m ${compactor.retention5m} / 1h ${compactor.retention1h}`,
        );
        expect(text).to.include(`\`${(stackFile("cluster-02").config as any)["thanos-multicluster:storageClass"]}\``);
    });

    it("security.md: the addresses, limits and role it quotes are the committed central stack's", () => {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, "docs/security.md"), "utf8");
        const central = runs["cluster-01"];
        const ip = (stackFile("cluster-01").config["thanos-multicluster:loadBalancer"] as { ip: string }).ip;
        // Every port of the central address is one of the front door's Service.
        const frontDoor = k8sObject(central, "Service", "frontdoor");
        const port = (name: string) => frontDoor.spec.ports.find((p: any) => p.name === name).port;
        expect(text).to.include(`Query, \`${ip}:${port("query")}\``);
        const values = (central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any)
            .values;
        expect(text).to.include(`Grafana, \`${ip}:${port("grafana")}\``);
        const amPorts = [0, 1, 2].map((i) => port(`alertmanager-${i}`));
        expect(text).to.include(`Alertmanager, \`${ip}:${amPorts[0]}\`-\`${amPorts[2]}\``);
        const limits = values.alertmanager.alertmanagerSpec;
        const arg = (name: string) => limits.additionalArgs.find((a: any) => a.name === name).value;
        expect(text).to.include(
            `${limits.limits.maxSilences} silences of at most ${Number(arg("silences.max-silence-size-bytes")) / 1024} KiB, ${arg("alerts.per-alertname-limit")} alerts per alert name`,
        );
        expect(text).to.include(`Role\n  \`${values.grafana.rbac.useExistingRole}\``);
        expect(k8sObject(central, "Role", values.grafana.rbac.useExistingRole).rules).to.deep.equal([
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
        ]);
    });
});

/**
 * The Grafana password command against the central render: the Secret and key Grafana reads, in the
 * namespace and cluster named, and the pipeline run for real on the Secret as the API returns it
 * (`.data` holds base64; the jsonpath picks one key).
 */
async function checkGrafanaPasswordCommand(
    central: StackRun,
    context: string,
    namespace: string,
    name: string,
    key: string,
    where: string,
): Promise<void> {
    expect(context, where).to.equal(contextOf("cluster-01"));
    const values = (central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any).values;
    expect({ name, key }, where).to.deep.equal({
        name: values.grafana.admin.existingSecret,
        key: values.grafana.admin.passwordKey,
    });
    const secret = k8sObject(central, "Secret", name);
    expect(secret.metadata.namespace, where).to.equal(namespace);
    const password = (secret.stringData as any).value[key] as string;
    const data = Object.fromEntries(
        Object.entries((secret.stringData as any).value as Record<string, string>).map(([k, v]) => [
            k,
            Buffer.from(v).toString("base64"),
        ]),
    );
    const decoded = spawnSync("base64", ["-d"], { input: data[key], encoding: "utf8" });
    expect(decoded.status, where).to.equal(0);
    expect(decoded.stdout, where).to.equal(password);
    // `npm run verify` reads the variable the command sets.
    const verify = fs.readFileSync(path.join(PROJECT_ROOT, "offline", "verify", "run.ts"), "utf8");
    expect(verify, where).to.include("env.GRAFANA_ADMIN_PASSWORD");
}
