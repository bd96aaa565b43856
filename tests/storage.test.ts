// Object storage where no single Thanos key can destroy history: one MinIO identity per role, each
// with its own policy (checked against MinIO's policy grammar, schemas/minio), versioning on the
// metrics bucket and a lifecycle that keeps deleted blocks past the Compactor's delete delay.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseObjstoreIdentity } from "../components/edgeStacks";
import { DENIED_ACTIONS, METRICS_ROLES, ROLE_ACCESS, metricsPolicy } from "../components/storage/policies";
import { ConfigError, parseClusterSettings, requiredSecrets } from "../config";
import { StackOutputsByName } from "../offline/mockEngine";
import { RecordedResource, StackRun, isSecretMarker, runStack } from "../offline/runStack";
import { MINIO_S3_ACTIONS, minioPolicyProblems } from "../schemas/minio/iamPolicy";
import {
    TEST_SECRETS,
    byType,
    committedEdgeOutputs,
    k8sObject,
    projectConfig,
    runCommittedStack,
    stackFile,
    withPrefix,
} from "./helpers";
import { committedPlan } from "./renderedPlans";
import { takeRejections } from "./hooks";

const EDGES = ["cluster-02", "cluster-03", "cluster-04"];
const DAY_MS = 24 * 3600 * 1000;
const UNITS: Record<string, number> = { s: 1000, m: 60000, h: 3600000, d: DAY_MS };

/** A value with every Pulumi secret marker replaced by what it wraps. */
function reveal(value: unknown): any {
    if (isSecretMarker(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

/** The objstore config a Secret holds, parsed as Thanos reads it (YAML). */
function objstoreConfig(run: StackRun, secretName: string): any {
    const secret = reveal(k8sObject(run, "Secret", secretName));
    return (yaml.load(secret.stringData["objstore.yml"]) as any).config;
}

/** Whether a statement's action list allows any delete of objects or versions (wildcards included). */
function deletes(actions: string[]): boolean {
    return actions.some((a) => a === "*" || a === "s3:*" || /^s3:Delete(Object|\*)/.test(a));
}

/** The users of the plan: access key -> the MinIO policy document attached to it. */
function userPolicies(run: StackRun): Map<string, any> {
    const policies = new Map(
        byType(run, "minio:index/iamPolicy:IamPolicy").map((p) => [
            (p.inputs as any).name,
            JSON.parse((p.inputs as any).policy),
        ]),
    );
    const users = new Map<string, any>();
    for (const attachment of byType(run, "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment")) {
        const { userName, policyName } = reveal(attachment.inputs);
        expect(users.has(userName), `${userName} has one policy`).to.equal(false);
        users.set(userName, policies.get(policyName));
    }
    return users;
}

describe("Object storage identities: MinIO's policy grammar", () => {
    it("every role's policy is a valid MinIO IAM policy", () => {
        for (const role of METRICS_ROLES)
            expect(minioPolicyProblems(metricsPolicy("thanos-bucket", ROLE_ACCESS[role])), role).to.deep.equal([]);
    });

    it("the grammar refuses what MinIO refuses: an unknown action, a statement without resource, a bad effect", () => {
        const policy = metricsPolicy("thanos-bucket", "writer");
        const misspelt = structuredClone(policy);
        misspelt.Statement[1].Action.push("s3:DeleteObjectVersions");
        expect(minioPolicyProblems(misspelt)).not.to.deep.equal([]);
        const noResource: any = structuredClone(policy);
        delete noResource.Statement[0].Resource;
        expect(minioPolicyProblems(noResource)).not.to.deep.equal([]);
        const effect: any = structuredClone(policy);
        effect.Statement[0].Effect = "allow";
        expect(minioPolicyProblems(effect)).not.to.deep.equal([]);
        const leadingSlash: any = structuredClone(policy);
        leadingSlash.Statement[0].Resource = ["arn:aws:s3:::/thanos-bucket"];
        expect(minioPolicyProblems(leadingSlash)).not.to.deep.equal([]);
    });

    it("every denied action is one MinIO knows (a misspelt deny would deny nothing)", () => {
        for (const action of DENIED_ACTIONS) expect(MINIO_S3_ACTIONS as readonly string[]).to.include(action);
    });
});

describe("Object storage identities: the central plan", () => {
    let edges: StackOutputsByName;
    let central: StackRun;
    before(async () => {
        edges = await committedEdgeOutputs();
        central = await runCommittedStack("cluster-01", {}, edges);
    });

    it("creates one MinIO user per identity: each cluster's sidecars, the Store Gateway, the Compactor, the Ruler", () => {
        const names = byType(central, "minio:index/iamUser:IamUser").map((u) => reveal(u.inputs).name);
        expect(names.sort()).to.deep.equal(
            [
                "thanos-compactor",
                "thanos-ruler",
                "thanos-store-gateway",
                "thanos-sidecar-cluster-01",
                ...EDGES.map((e) => `thanos-sidecar-${e}`),
            ].sort(),
        );
        // Each user's secret key is the one its stack generated, passed on only as a secret.
        for (const user of byType(central, "minio:index/iamUser:IamUser"))
            expect(isSecretMarker((user.inputs as any).secret)).to.equal(true);
    });

    it("only the Compactor may delete objects; no identity may delete a version, and every policy denies it", () => {
        const users = userPolicies(central);
        expect(users.size).to.equal(4 + EDGES.length);
        for (const [user, policy] of users) {
            const allowed = policy.Statement.filter((s: any) => s.Effect === "Allow").flatMap((s: any) => s.Action);
            expect(deletes(allowed), user).to.equal(user === "thanos-compactor");
            expect(allowed, user).not.to.include("s3:DeleteObjectVersion");
            // MinIO lets s3:DeleteObject remove a version unless s3:DeleteObjectVersion is denied.
            const denied = policy.Statement.filter((s: any) => s.Effect === "Deny").flatMap((s: any) => s.Action);
            expect(denied, user).to.include.members(["s3:DeleteObjectVersion", "s3:PutBucketVersioning"]);
            expect(minioPolicyProblems(policy), user).to.deep.equal([]);
        }
        // The Store Gateway reads only.
        const store = users.get("thanos-store-gateway");
        const storeAllowed = store.Statement.filter((s: any) => s.Effect === "Allow").flatMap((s: any) => s.Action);
        expect(storeAllowed.sort()).to.deep.equal(["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
    });

    it("turns versioning on for the metrics bucket, protected and retained", () => {
        const [versioning] = byType(central, "minio:index/s3BucketVersioning:S3BucketVersioning");
        expect(versioning.inputs).to.deep.equal({
            bucket: "thanos-bucket",
            versioningConfiguration: { status: "Enabled" },
        });
        expect(versioning.protect).to.equal(true);
        expect(versioning.retainOnDelete).to.equal(true);
    });

    it("expires noncurrent versions only after the Compactor's --delete-delay plus a day, and cleans delete markers", () => {
        const [lifecycle] = byType(central, "minio:index/ilmPolicy:IlmPolicy");
        const [rule] = (lifecycle.inputs as any).rules;
        const compactor = k8sObject(central, "StatefulSet", "thanos-compactor");
        const args: string[] = compactor.spec.template.spec.containers[0].args;
        const delay = /^--delete-delay=(\d+)([smhd])$/.exec(args.find((a) => a.startsWith("--delete-delay="))!)!;
        const deleteDelayMs = Number(delay[1]) * UNITS[delay[2]];
        expect(Number(rule.noncurrentVersionExpirationDays) * DAY_MS).to.be.at.least(deleteDelayMs + DAY_MS);
        expect(rule.expiration).to.equal("DeleteMarker");
        expect((lifecycle.inputs as any).bucket).to.equal("thanos-bucket");
    });

    it("every Thanos objstore config carries its own role's identity", () => {
        const userSecrets = new Map(
            byType(central, "minio:index/iamUser:IamUser").map((u) => [reveal(u.inputs).name, reveal(u.inputs).secret]),
        );
        for (const [secret, user] of [
            ["thanos-objstore", "thanos-sidecar-cluster-01"],
            ["thanos-objstore-store-gateway", "thanos-store-gateway"],
            ["thanos-objstore-compactor", "thanos-compactor"],
            ["thanos-objstore-ruler", "thanos-ruler"],
        ]) {
            const config = objstoreConfig(central, secret);
            expect(config.access_key, secret).to.equal(user);
            expect(config.secret_key, secret).to.equal(userSecrets.get(user));
        }
        // This stack's four identities hold four keys (the mock engine's keys differ by resource name,
        // so across stacks, where the real provider's random keys differ too, they do not here).
        const centralKeys = [
            "thanos-sidecar-cluster-01",
            "thanos-store-gateway",
            "thanos-compactor",
            "thanos-ruler",
        ].map((user) => userSecrets.get(user));
        expect(new Set(centralKeys).size, "no two identities share a secret key").to.equal(4);
    });

    it("each edge's sidecars upload with the identity the central stack creates from its output", async () => {
        const userSecrets = new Map(
            byType(central, "minio:index/iamUser:IamUser").map((u) => [reveal(u.inputs).name, reveal(u.inputs).secret]),
        );
        for (const edge of EDGES) {
            const config = objstoreConfig(await runCommittedStack(edge), "thanos-objstore");
            expect(config.access_key, edge).to.equal(`thanos-sidecar-${edge}`);
            expect(config.secret_key, edge).to.equal(userSecrets.get(`thanos-sidecar-${edge}`));
        }
    });
});

describe("Object storage identities: edges hold no MinIO admin key", () => {
    for (const edge of EDGES) {
        it(`${edge}: no admin key in its config, its secret list or its resources, and no MinIO provider`, async () => {
            const config = stackFile(edge).config;
            expect(Object.keys(config).filter((k) => /minioAdmin/i.test(k))).to.deep.equal([]);
            const settings = parseClusterSettings(projectConfig(edge), { kubeconfig: false });
            const needed = requiredSecrets(settings).map((n) => n.key);
            expect(
                needed.filter((k) => /minioAdmin|objectStorage/.test(k)),
                "nor the shared key",
            ).to.deep.equal([]);
            const run = await runCommittedStack(edge);
            const text = JSON.stringify(reveal(run.resources));
            expect(text).not.to.contain(TEST_SECRETS.minioAdminAccessKey);
            expect(text).not.to.contain(TEST_SECRETS.minioAdminSecretKey);
            expect(run.resources.filter((r: RecordedResource) => /minio|providers:aws/.test(r.type))).to.deep.equal([]);
            // Its identity is its one secret output.
            expect(run.secretOutputNames).to.deep.equal(["objstoreIdentity"]);
        });
    }
});

describe("Object storage identities: config", () => {
    function problems(stack: string, change: (config: Record<string, any>) => void): string[] {
        const config = projectConfig(stack);
        change(config);
        try {
            parseClusterSettings(config, { kubeconfig: false });
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
    }

    it("refuses a noncurrent version expiry not longer than the delete delay plus a day, naming the key", () => {
        const found = problems("cluster-01", (c) => {
            c.central.compactor.deleteDelay = "72h";
            c.central.buckets.noncurrentVersionExpiry = "3d";
        });
        expect(found.join("\n")).to.contain(
            "thanos-multicluster:central.buckets.noncurrentVersionExpiry (3d) must be at least 4d",
        );
        expect(problems("cluster-01", (c) => (c.central.buckets.noncurrentVersionExpiry = "4d"))).to.deep.equal([]);
        expect(
            problems("cluster-01", (c) => (c.central.buckets.noncurrentVersionExpiry = "36h")).join("\n"),
        ).to.contain("whole number of days");
    });

    it("derives the default expiry from the delete delay", () => {
        const config = projectConfig("cluster-01");
        config.central.compactor.deleteDelay = "96h";
        const settings = parseClusterSettings(config, { kubeconfig: false });
        expect(settings.central!.buckets.noncurrentVersionExpiryDays).to.be.at.least(5);
    });

    it("refuses per-role identities on a central stack that does not manage the buckets", () => {
        const found = problems("cluster-01", (c) => (c.central.buckets.manage = false));
        expect(found.join("\n")).to.contain('thanos-multicluster:objectStorage.identities is "perRole" while');
    });

    it("the shared key is required only with objectStorage.identities shared", () => {
        const config = projectConfig("cluster-02");
        config.objectStorage.identities = "shared";
        const needed = requiredSecrets(parseClusterSettings(config, { kubeconfig: false }));
        expect(needed.map((n) => n.key)).to.include.members(["objectStorageAccessKey", "objectStorageSecretKey"]);
    });
});

describe("Object storage identities: the contract", () => {
    it("an edge without objstoreIdentity (deployed before it) is refused by name and output", () => {
        expect(() => parseObjstoreIdentity("miribit/thanos-multicluster/cluster-02", undefined)).to.throw(
            /edge stack miribit\/thanos-multicluster\/cluster-02: output objstoreIdentity is missing.*deploy cluster-02/,
        );
        expect(() => parseObjstoreIdentity("x/p/cluster-03", { perRole: true, accessKey: "ab" })).to.throw(
            /cluster-03: output objstoreIdentity has no valid accessKey/,
        );
        expect(parseObjstoreIdentity("x/p/cluster-03", { perRole: false })).to.deep.equal({ perRole: false });
    });

    it("the central stack fails naming an edge that exports no identity", async () => {
        const edges = await committedEdgeOutputs();
        const old = structuredClone(edges);
        const ref = old["miribit/thanos-multicluster/cluster-03"];
        delete (ref.outputs as Record<string, unknown>).objstoreIdentity;
        ref.secretOutputNames = [];
        let message = "";
        try {
            await runCommittedStack("cluster-01", {}, old);
        } catch (err) {
            message = String(err);
        }
        // Every input derived from that output fails with it, some after the run has returned: those
        // late rejections are this same failure, not another test's.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        for (const late of takeRejections()) expect(String(late)).to.contain("output objstoreIdentity is missing");
        expect(message).to.contain(
            "edge stack miribit/thanos-multicluster/cluster-03: output objstoreIdentity is missing",
        );
        // A preview (a pull request's, before the deploy redeploys the edges) shows that user as unknown instead.
        const preview = await runStack({
            stack: "cluster-01",
            config: stackFile("cluster-01").config,
            secrets: withPrefix(TEST_SECRETS),
            stackOutputs: old,
            preview: true,
        });
        expect(byType(preview, "minio:index/iamUser:IamUser")).to.have.lengthOf(4 + EDGES.length);
    });
});

/**
 * `mc` subcommands and the flags of each, as minio/mc 77f82e18 (2025-11-06) defines them
 * (cmd/alias-set.go, cmd/ls-main.go, cmd/undo-main.go, cmd/rm-main.go, cmd/cp-main.go, cmd/du-main.go):
 * facts from its source, not from our docs.
 */
const MC_FLAGS: Record<string, string[]> = {
    "alias set": ["--path", "--api"],
    ls: ["--rewind", "--versions", "--recursive", "-r"],
    undo: ["--last", "--recursive", "-r", "--force", "--dry-run", "--action"],
    rm: ["--versions", "--recursive", "-r", "--force", "--rewind", "--version-id", "--vid", "--dry-run"],
    cp: ["--rewind", "--version-id", "--vid", "--recursive", "-r"],
    du: ["--depth", "-d", "--recursive", "-r", "--rewind", "--versions"],
    // cmd/admin-user-remove.go
    "admin user": [],
};

describe("docs: restoring a block from the metrics bucket's versions", () => {
    const root = path.join(__dirname, "..");
    const operations = fs.readFileSync(path.join(root, "docs/operations.md"), "utf8");
    const section = operations.slice(operations.indexOf("## Restoring a deleted or overwritten block"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
    const commands = block.split("\n").filter((l) => l.startsWith("mc "));

    it("every mc command and flag it shows is one mc has", () => {
        expect(commands.length).to.be.at.least(5);
        const inline = [
            ...(
                section.split("## Teardown")[0] +
                fs.readFileSync(path.join(root, "docs/data-safety.md"), "utf8") +
                fs.readFileSync(path.join(root, "docs/security.md"), "utf8")
            ).matchAll(/`(mc [^`]+)`/g),
        ].map((m) => m[1]);
        for (const command of [...commands, ...inline]) {
            const words = command.split(/\s+/).slice(1);
            const sub = ["alias", "admin"].includes(words[0]) ? `${words[0]} ${words[1]}` : words[0];
            if (sub === "admin user") expect(words[2], command).to.equal("remove");
            expect(MC_FLAGS, command).to.have.property(sub);
            for (const flag of words.filter((w) => w.startsWith("-")))
                expect(MC_FLAGS[sub], `${command}: ${flag}`).to.include(flag);
        }
    });

    it("names the committed metrics bucket and MinIO endpoint, over the scheme the stacks use", () => {
        const storage = projectConfig("cluster-01").objectStorage;
        const [alias] = commands.filter((c) => c.startsWith("mc alias set"));
        expect(alias.split(/\s+/)[4]).to.equal(`${storage.insecure ? "http" : "https"}://${storage.endpoint}`);
        for (const command of commands.filter((c) => c.includes("lab/")))
            expect(command, command).to.match(new RegExp(`lab/${storage.bucket}/`));
        // The admin key's config names, as the stack's secret list spells them.
        expect(alias).to.contain("MINIO_ADMIN_ACCESS_KEY").and.to.contain("MINIO_ADMIN_SECRET_KEY");
    });
});

describe("Object storage identities: no generated key in clear in the rendered plan", () => {
    it("out/ (resources, manifests, Helm values, outputs) holds no identity's secret key, only [secret]", async () => {
        const edges = await committedEdgeOutputs();
        const central = await runCommittedStack("cluster-01", {}, edges);
        const keys = byType(central, "minio:index/iamUser:IamUser").map((u) => reveal(u.inputs).secret as string);
        expect(keys).to.have.lengthOf(4 + EDGES.length);
        for (const key of keys) expect(key).to.be.a("string").with.length.at.least(40);
        const dir = await committedPlan();
        const files = fs
            .readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => path.join(e.parentPath, e.name));
        expect(files.length).to.be.at.least(4 * 4);
        for (const file of files) {
            const text = fs.readFileSync(file, "utf8");
            for (const key of keys) expect(text.includes(key), `${file} holds a generated MinIO key`).to.equal(false);
        }
        // The edges' identity output is there, redacted.
        const outputs = JSON.parse(fs.readFileSync(path.join(dir, "cluster-02", "outputs.json"), "utf8"));
        expect(outputs.outputs.objstoreIdentity.secretKey).to.equal("[secret]");
    });
});
