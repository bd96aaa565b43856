// `npm run secrets`: the secret config keys a stack's current config requires, each with its
// source, from the program's own rule (config/requiredSecrets.ts); and the offline render, which
// supplies placeholders for exactly those keys.

import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { SECRET_KEYS, SecretKey, SecretKeySpec } from "../config";
import { stackPlaceholderSecrets } from "../offline/render";
import { PROJECT_ROOT } from "../offline/runStack";
import { environmentSecretName, main, possibleEnvironmentSecrets, stackSecrets } from "../offline/secrets";
import { readStackFile } from "../offline/stackFiles";
import { stackFile } from "./helpers";

/** A copy of the project's stack files in a temporary directory, the central one edited. */
function withCentral(edit: (doc: any) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
    for (const f of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..*yaml$/.test(f)))
        fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
    const file = path.join(dir, "Pulumi.cluster-01.yaml");
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as any;
    edit(doc);
    fs.writeFileSync(file, yaml.dump(doc));
    return dir;
}

describe("npm run secrets", () => {
    it("names, for the committed central stack, the bucket keys, the bucket admin keys and the webhook receiver's URL, each with its environment secret", () => {
        expect(JSON.parse(main(["--stack", "cluster-01", "--json"]))).to.deep.equal([
            {
                key: "objectStorageAccessKey",
                neededBy: null,
                source: "environment secret",
                secret: "OBJECT_STORAGE_ACCESS_KEY",
            },
            {
                key: "objectStorageSecretKey",
                neededBy: null,
                source: "environment secret",
                secret: "OBJECT_STORAGE_SECRET_KEY",
            },
            {
                key: "minioAdminAccessKey",
                neededBy: "central.buckets.manage",
                source: "environment secret",
                secret: "MINIO_ADMIN_ACCESS_KEY",
            },
            {
                key: "minioAdminSecretKey",
                neededBy: "central.buckets.manage",
                source: "environment secret",
                secret: "MINIO_ADMIN_SECRET_KEY",
            },
            {
                key: "alertmanagerWebhookUrl",
                neededBy: "central.alertmanager.receivers[0].webhook",
                source: "environment secret",
                secret: "ALERTMANAGER_WEBHOOK_URL",
            },
        ]);
        expect(main(["--stack", "cluster-02", "--env-secrets"])).to.equal(
            "objectStorageAccessKey OBJECT_STORAGE_ACCESS_KEY\nobjectStorageSecretKey OBJECT_STORAGE_SECRET_KEY",
        );
        expect(main(["--stack", "cluster-02"])).to.equal(
            [
                "cluster-02 needs these secret config keys:",
                "  objectStorageAccessKey  <- environment secret OBJECT_STORAGE_ACCESS_KEY",
                "  objectStorageSecretKey  <- environment secret OBJECT_STORAGE_SECRET_KEY",
            ].join("\n"),
        );
    });

    it("follows the current config: a slack receiver adds its URL, buckets not managed drop the admin keys", () => {
        const dir = withCentral((doc) => {
            const c = doc.config["thanos-multicluster:central"];
            c.alertmanager.receivers.push({ name: "chat", slack: { channel: "#alerts" } });
            c.alertmanager.criticalReceiver = "chat";
            c.buckets.manage = false;
            delete c.buckets.existing;
        });
        expect(stackSecrets("cluster-01", dir).map((s) => `${s.key}:${s.secret}`)).to.deep.equal([
            "objectStorageAccessKey:OBJECT_STORAGE_ACCESS_KEY",
            "objectStorageSecretKey:OBJECT_STORAGE_SECRET_KEY",
            "alertmanagerWebhookUrl:ALERTMANAGER_WEBHOOK_URL",
            "alertmanagerSlackApiUrl:ALERTMANAGER_SLACK_API_URL",
        ]);
    });

    it("counts a secure value in the stack file as supplied (the CLI decrypts it): the workflow does not set it", () => {
        const dir = withCentral((doc) => {
            doc.config["thanos-multicluster:alertmanagerWebhookUrl"] = { secure: "v1:c2VjcmV0:AAAA" };
        });
        const webhook = stackSecrets("cluster-01", dir).find((s) => s.key === "alertmanagerWebhookUrl");
        expect(webhook).to.deep.equal({
            key: "alertmanagerWebhookUrl",
            neededBy: "central.alertmanager.receivers[0].webhook",
            source: "stack file",
        });
        expect(main(["--stack", "cluster-01", "--env-secrets"], dir)).not.to.contain("alertmanagerWebhookUrl");
    });

    it("a key a command writes into the stack file: supplied when the secure value is there, else an error naming the command", () => {
        const specOf = (key: SecretKey): SecretKeySpec =>
            key === "objectStorageAccessKey"
                ? { ...SECRET_KEYS[key], writtenBy: "npm run pki -- init" }
                : SECRET_KEYS[key];
        const dir = withCentral(() => undefined);
        expect(() => stackSecrets("cluster-01", dir, specOf)).to.throw(
            "Pulumi.cluster-01.yaml: thanos-multicluster:objectStorageAccessKey is required and has no secure value in the stack file: run `npm run pki -- init` and commit the stack file",
        );
        const written = withCentral((doc) => {
            doc.config["thanos-multicluster:objectStorageAccessKey"] = { secure: "v1:abc" };
        });
        expect(stackSecrets("cluster-01", written, specOf)[0]).to.deep.equal({
            key: "objectStorageAccessKey",
            neededBy: null,
            source: "stack file",
            writtenBy: "npm run pki -- init",
        });
    });

    it("refuses a stack with invalid config (naming its file), an unknown stack and bad arguments", () => {
        const dir = withCentral((doc) => {
            doc.config["thanos-multicluster:central"].alertmanager.receivers = "oncall";
        });
        expect(() => stackSecrets("cluster-01", dir)).to.throw(
            /Pulumi\.cluster-01\.yaml: thanos-multicluster:central\.alertmanager\.receivers/,
        );
        expect(() => main(["--stack", "cluster-09"])).to.throw(
            /no stack cluster-09: there is no Pulumi\.cluster-09\.yaml/,
        );
        expect(() => main([])).to.throw("usage: npm run secrets -- --stack NAME [--json | --env-secrets]");
        expect(() => main(["--stack", "cluster-01", "--json", "--env-secrets"])).to.throw(/usage/);
    });

    it("names each environment secret after its key, and can name every key the program may require", () => {
        expect(environmentSecretName("alertmanagerDeadMansSwitchUrl")).to.equal("ALERTMANAGER_DEAD_MANS_SWITCH_URL");
        expect(possibleEnvironmentSecrets()).to.deep.equal([
            "OBJECT_STORAGE_ACCESS_KEY",
            "OBJECT_STORAGE_SECRET_KEY",
            "MINIO_ADMIN_ACCESS_KEY",
            "MINIO_ADMIN_SECRET_KEY",
            "ALERTMANAGER_WEBHOOK_URL",
            "ALERTMANAGER_SLACK_API_URL",
            "ALERTMANAGER_SMTP_PASSWORD",
            "ALERTMANAGER_DEAD_MANS_SWITCH_URL",
        ]);
    });

    it("runs from the command line, exiting non-zero with the reason", function () {
        this.timeout(60000);
        const run = (args: string[]) =>
            execFileSync(process.execPath, ["-r", "./offline/tsRegister.cjs", "offline/secrets.ts", ...args], {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
        expect(run(["--stack", "cluster-03", "--env-secrets"])).to.equal(
            "objectStorageAccessKey OBJECT_STORAGE_ACCESS_KEY\nobjectStorageSecretKey OBJECT_STORAGE_SECRET_KEY\n",
        );
        let stderr = "";
        try {
            run(["--stack", "nope"]);
        } catch (err) {
            stderr = (err as { stderr: string }).stderr;
        }
        expect(stderr).to.contain("secrets: no stack nope");
    });
});

describe("the offline render's secrets", () => {
    it("are placeholders for exactly the keys each stack's secret list names, nothing beyond", () => {
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            const placeholders = stackPlaceholderSecrets(stackFile(stack));
            expect(Object.keys(placeholders), stack).to.deep.equal(stackSecrets(stack).map((s) => s.key));
        }
        expect(Object.keys(stackPlaceholderSecrets(stackFile("cluster-02")))).not.to.include("alertmanagerWebhookUrl");
        const dir = withCentral((doc) => {
            doc.config["thanos-multicluster:central"].alertmanager.receivers.push({
                name: "chat",
                slack: { channel: "#alerts" },
            });
            doc.config["thanos-multicluster:central"].alertmanager.criticalReceiver = "chat";
            doc.config["thanos-multicluster:alertmanagerWebhookUrl"] = { secure: "v1:abc" };
        });
        const placeholders = stackPlaceholderSecrets(readStackFile(path.join(dir, "Pulumi.cluster-01.yaml")));
        expect(Object.keys(placeholders)).to.deep.equal([
            "objectStorageAccessKey",
            "objectStorageSecretKey",
            "minioAdminAccessKey",
            "minioAdminSecretKey",
            "alertmanagerWebhookUrl",
            "alertmanagerSlackApiUrl",
        ]);
    });
});
