// `npm run secrets`: the secret config keys a stack's current config requires, each with its
// source, from the program's own rule (config/requiredSecrets.ts); and the offline render, which
// supplies placeholders for exactly those keys. The central stack needs the deployment CA's key,
// which only `npm run pki -- init` writes: the committed project (before init) is refused, naming
// the command; the rest runs on a copy where that command has run against the stub CLI.

import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { SECRET_KEYS, SecretKey, SecretKeySpec } from "../config";
import { DEPLOYMENT_CA_BUNDLE, DEPLOYMENT_CA_KEY } from "../config/pki";
import { stackPlaceholderSecrets } from "../offline/render";
import { PROJECT_ROOT } from "../offline/runStack";
import {
    deployOnlySecrets,
    environmentSecretName,
    main,
    possibleEnvironmentSecrets,
    stackSecrets,
} from "../offline/secrets";
import { readStackFile } from "../offline/stackFiles";
import { stackFile } from "./helpers";
import { InitialisedProject, initialisedProject } from "./pkiProject";

/** What `npm run secrets` refuses the central stack with before `npm run pki -- init`. */
const BEFORE_PKI_INIT =
    "Pulumi.cluster-01.yaml: thanos-multicluster:deploymentCaPrivateKey is required and has no secure value in the stack file: run `npm run pki -- init` and commit the stack file";

describe("npm run secrets, after `npm run pki -- init` (on a copy of the project where it ran)", () => {
    let project: InitialisedProject;
    before(async function () {
        this.timeout(60000);
        project = await initialisedProject("secrets");
    });
    const copies: string[] = [];
    after(() => {
        project?.remove();
        for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A copy of the initialised project's stack files in a temporary directory, the central one edited. */
    function withCentral(edit: (doc: any) => void): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
        copies.push(dir);
        for (const f of fs.readdirSync(project.dir).filter((f) => /^Pulumi\..*yaml$/.test(f)))
            fs.copyFileSync(path.join(project.dir, f), path.join(dir, f));
        const file = path.join(dir, "Pulumi.cluster-01.yaml");
        const doc = yaml.load(fs.readFileSync(file, "utf8")) as any;
        edit(doc);
        fs.writeFileSync(file, yaml.dump(doc));
        return dir;
    }

    it("names, for the central stack, the bucket keys, the bucket admin keys and the webhook receiver's URL, each with its environment secret, and the deployment CA's key from the stack file", () => {
        expect(JSON.parse(main(["--stack", "cluster-01", "--json"], project.dir))).to.deep.equal([
            {
                key: "deploymentCaPrivateKey",
                neededBy: null,
                source: "stack file",
                writtenBy: "npm run pki -- init",
            },
            {
                key: "minioAdminAccessKey",
                neededBy: "central.buckets.manage",
                source: "environment secret",
                secrets: { preview: "MINIO_PREVIEW_ACCESS_KEY", deploy: "MINIO_ADMIN_ACCESS_KEY" },
            },
            {
                key: "minioAdminSecretKey",
                neededBy: "central.buckets.manage",
                source: "environment secret",
                secrets: { preview: "MINIO_PREVIEW_SECRET_KEY", deploy: "MINIO_ADMIN_SECRET_KEY" },
            },
            {
                key: "alertmanagerWebhookUrl",
                neededBy: "central.alertmanager.receivers[0].webhook",
                source: "environment secret",
                secrets: { preview: "ALERTMANAGER_WEBHOOK_URL", deploy: "ALERTMANAGER_WEBHOOK_URL" },
            },
            {
                key: "alertmanagerDeadMansSwitchUrl",
                neededBy: "central.alertmanager.deadMansSwitch.enabled",
                source: "environment secret",
                secrets: { preview: "ALERTMANAGER_DEAD_MANS_SWITCH_URL", deploy: "ALERTMANAGER_DEAD_MANS_SWITCH_URL" },
            },
        ]);
        // The workflow sets only what an environment secret supplies: not the CA's key. A deploy
        // takes the MinIO admin keys, a preview the read-only identity in their place.
        const deploy = [
            "minioAdminAccessKey MINIO_ADMIN_ACCESS_KEY",
            "minioAdminSecretKey MINIO_ADMIN_SECRET_KEY",
            "alertmanagerWebhookUrl ALERTMANAGER_WEBHOOK_URL",
            "alertmanagerDeadMansSwitchUrl ALERTMANAGER_DEAD_MANS_SWITCH_URL",
        ];
        const envSecrets = (environment: string) =>
            main(["--stack", "cluster-01", "--environment", environment, "--env-secrets"], project.dir).split("\n");
        expect(envSecrets("deploy")).to.deep.equal(deploy);
        expect(envSecrets("preview")).to.deep.equal([
            "minioAdminAccessKey MINIO_PREVIEW_ACCESS_KEY",
            "minioAdminSecretKey MINIO_PREVIEW_SECRET_KEY",
            ...deploy.slice(2),
        ]);
        // With --environment, the JSON names that environment's secret.
        expect(
            JSON.parse(main(["--stack", "cluster-01", "--environment", "preview", "--json"], project.dir))[1],
        ).to.deep.equal({
            key: "minioAdminAccessKey",
            neededBy: "central.buckets.manage",
            source: "environment secret",
            secret: "MINIO_PREVIEW_ACCESS_KEY",
        });
        // The table says both, and one environment's alone with --environment.
        const table = main(["--stack", "cluster-01"], project.dir);
        expect(table).to.contain(
            "\n  minioAdminAccessKey            <- environment secret MINIO_PREVIEW_ACCESS_KEY (preview), MINIO_ADMIN_ACCESS_KEY (deploy)  [central.buckets.manage]\n",
        );
        expect(main(["--stack", "cluster-01", "--environment", "preview"], project.dir)).to.contain(
            "cluster-01 needs these secret config keys in its preview environment:\n",
        );
        // The key column is as wide as the longest key (alertmanagerDeadMansSwitchUrl).
        expect(main(["--stack", "cluster-01"], project.dir)).to.contain(
            "\n  deploymentCaPrivateKey         <- the stack file (secure value, written by npm run pki -- init)\n",
        );
        // The edges need no CA key, before init or after, and no MinIO key: they generate their identity.
        for (const dir of [project.dir, PROJECT_ROOT])
            for (const environment of ["preview", "deploy"])
                expect(main(["--stack", "cluster-02", "--environment", environment, "--env-secrets"], dir)).to.equal(
                    "",
                );
        expect(main(["--stack", "cluster-02"], project.dir)).to.equal("cluster-02 needs these secret config keys:");
    });

    it("follows the current config: a slack receiver adds its URL, buckets not managed drop the admin keys", () => {
        const dir = withCentral((doc) => {
            const c = doc.config["thanos-multicluster:central"];
            c.alertmanager.receivers.push({ name: "chat", slack: { channel: "#alerts" } });
            c.alertmanager.criticalReceiver = "chat";
            c.buckets.manage = false;
            delete c.buckets.existing;
            // Without the buckets, no MinIO users: every role shares the configured key.
            doc.config["thanos-multicluster:objectStorage"].identities = "shared";
        });
        expect(stackSecrets("cluster-01", dir).map((s) => `${s.key}:${s.secrets?.deploy ?? s.source}`)).to.deep.equal([
            "deploymentCaPrivateKey:stack file",
            "objectStorageAccessKey:OBJECT_STORAGE_ACCESS_KEY",
            "objectStorageSecretKey:OBJECT_STORAGE_SECRET_KEY",
            "alertmanagerWebhookUrl:ALERTMANAGER_WEBHOOK_URL",
            "alertmanagerSlackApiUrl:ALERTMANAGER_SLACK_API_URL",
            "alertmanagerDeadMansSwitchUrl:ALERTMANAGER_DEAD_MANS_SWITCH_URL",
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
        for (const environment of ["preview", "deploy"])
            expect(main(["--stack", "cluster-01", "--environment", environment, "--env-secrets"], dir)).not.to.contain(
                "alertmanagerWebhookUrl",
            );
    });

    it("without the secure value pki init wrote, the central stack is refused, naming the command (the check can fail)", () => {
        const removed = withCentral((doc) => {
            expect(doc.config[`thanos-multicluster:${DEPLOYMENT_CA_KEY}`]).to.have.property("secure");
            delete doc.config[`thanos-multicluster:${DEPLOYMENT_CA_KEY}`];
        });
        expect(() => stackSecrets("cluster-01", removed)).to.throw(BEFORE_PKI_INIT);
        // A value in clear is not a secret the CLI decrypts: still missing.
        const clear = withCentral((doc) => {
            doc.config[`thanos-multicluster:${DEPLOYMENT_CA_KEY}`] = "-----BEGIN EC PRIVATE KEY-----";
        });
        expect(() => stackSecrets("cluster-01", clear)).to.throw(BEFORE_PKI_INIT);
    });

    it("a key a command writes into the stack file: supplied when the secure value is there, else an error naming the command", () => {
        const specOf = (key: SecretKey): SecretKeySpec =>
            key === "objectStorageAccessKey"
                ? { ...SECRET_KEYS[key], writtenBy: "npm run pki -- init" }
                : SECRET_KEYS[key];
        // With one shared key, the central stack needs objectStorageAccessKey (objectStorage.identities).
        const shared = (doc: any) => (doc.config["thanos-multicluster:objectStorage"].identities = "shared");
        const dir = withCentral(shared);
        expect(() => stackSecrets("cluster-01", dir, specOf)).to.throw(
            "Pulumi.cluster-01.yaml: thanos-multicluster:objectStorageAccessKey is required by thanos-multicluster:objectStorage.identities and has no secure value in the stack file: run `npm run pki -- init` and commit the stack file",
        );
        const written = withCentral((doc) => {
            shared(doc);
            doc.config["thanos-multicluster:objectStorageAccessKey"] = { secure: "v1:abc" };
        });
        expect(
            stackSecrets("cluster-01", written, specOf).find((s) => s.key === "objectStorageAccessKey"),
        ).to.deep.equal({
            key: "objectStorageAccessKey",
            neededBy: "objectStorage.identities",
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
        expect(() => main(["--stack", "cluster-09"], project.dir)).to.throw(
            /no stack cluster-09: there is no Pulumi\.cluster-09\.yaml/,
        );
        expect(() => main([])).to.throw(
            "usage: npm run secrets -- --stack NAME [--environment preview|deploy] [--json | --env-secrets]",
        );
        expect(() => main(["--stack", "cluster-01", "--json", "--env-secrets"])).to.throw(/usage/);
        // The workflow's list needs to know whose secrets: a preview's differ from a deploy's.
        expect(() => main(["--stack", "cluster-02", "--env-secrets"], project.dir)).to.throw(
            "--env-secrets needs --environment preview|deploy",
        );
        expect(() => main(["--stack", "cluster-02", "--environment", "prod", "--env-secrets"], project.dir)).to.throw(
            "--environment is preview or deploy, not prod",
        );
    });

    it("names each environment secret after its key, and can name every key the program may require; only a deploy gets the MinIO admin keys", () => {
        expect(environmentSecretName("alertmanagerDeadMansSwitchUrl")).to.equal("ALERTMANAGER_DEAD_MANS_SWITCH_URL");
        const deploy = [
            "OBJECT_STORAGE_ACCESS_KEY",
            "OBJECT_STORAGE_SECRET_KEY",
            "MINIO_ADMIN_ACCESS_KEY",
            "MINIO_ADMIN_SECRET_KEY",
            "ALERTMANAGER_WEBHOOK_URL",
            "ALERTMANAGER_SLACK_API_URL",
            "ALERTMANAGER_SMTP_PASSWORD",
            "ALERTMANAGER_DEAD_MANS_SWITCH_URL",
        ];
        expect(possibleEnvironmentSecrets("deploy")).to.deep.equal(deploy);
        expect(possibleEnvironmentSecrets("preview")).to.deep.equal(
            deploy.map((name) => name.replace("MINIO_ADMIN_", "MINIO_PREVIEW_")),
        );
        expect(deployOnlySecrets()).to.deep.equal(["MINIO_ADMIN_ACCESS_KEY", "MINIO_ADMIN_SECRET_KEY"]);
    });

    it("the offline render's secrets are placeholders for exactly the keys each stack's secret list names, nothing beyond, before pki init and after", () => {
        // The deployment CA's key is no placeholder: the render issues with the CA of pki/, or,
        // before init, the render-only CA, which it names (tests/firstDeploy.test.ts).
        const expected = (stack: string) =>
            stackSecrets(stack, project.dir)
                .map((s) => s.key)
                .filter((key) => key !== DEPLOYMENT_CA_KEY);
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) {
            const after = stackPlaceholderSecrets(readStackFile(path.join(project.dir, `Pulumi.${stack}.yaml`)));
            expect(Object.keys(after), `${stack} after init`).to.deep.equal(expected(stack));
            expect(Object.keys(stackPlaceholderSecrets(stackFile(stack))), `${stack} as committed`).to.deep.equal(
                expected(stack),
            );
        }
        expect(expected("cluster-01")).to.include("alertmanagerWebhookUrl");
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
            "minioAdminAccessKey",
            "minioAdminSecretKey",
            "alertmanagerWebhookUrl",
            "alertmanagerSlackApiUrl",
            "alertmanagerDeadMansSwitchUrl",
        ]);
    });
});

describe("npm run secrets on the committed project (before `npm run pki -- init`)", () => {
    it("runs from the command line; refuses the central stack naming `npm run pki -- init`, exiting non-zero with the reason", function () {
        this.timeout(60000);
        expect(
            fs.existsSync(path.join(PROJECT_ROOT, DEPLOYMENT_CA_BUNDLE)),
            "the committed project is before `npm run pki -- init`",
        ).to.equal(false);
        const run = (args: string[]) =>
            execFileSync(process.execPath, ["-r", "./offline/tsRegister.cjs", "offline/secrets.ts", ...args], {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
        const failure = (args: string[]) => {
            try {
                run(args);
            } catch (err) {
                return (err as { status: number; stderr: string }).stderr;
            }
            throw new Error(`npm run secrets -- ${args.join(" ")} succeeded`);
        };
        expect(run(["--stack", "cluster-03", "--environment", "deploy", "--env-secrets"])).to.equal("\n");
        expect(failure(["--stack", "cluster-01"])).to.equal(
            `secrets: invalid stack configuration:\n  - ${BEFORE_PKI_INIT}\n`,
        );
        expect(failure(["--stack", "cluster-01", "--environment", "preview", "--env-secrets"])).to.contain(
            BEFORE_PKI_INIT,
        );
        // The list is printed all the same: every key the central stack needs, the missing one marked.
        let listed: { key: string; source: string; secrets?: Record<string, string>; missing?: boolean }[] = [];
        try {
            run(["--stack", "cluster-01", "--json"]);
        } catch (err) {
            listed = JSON.parse((err as { stdout: string }).stdout);
        }
        expect(listed.map((s) => s.key)).to.have.members([
            "deploymentCaPrivateKey",
            "minioAdminAccessKey",
            "minioAdminSecretKey",
            "alertmanagerWebhookUrl",
            "alertmanagerDeadMansSwitchUrl",
        ]);
        expect(listed.find((s) => s.key === "alertmanagerWebhookUrl")).to.deep.include({
            source: "environment secret",
            secrets: { preview: "ALERTMANAGER_WEBHOOK_URL", deploy: "ALERTMANAGER_WEBHOOK_URL" },
        });
        // The table marks it as docs/ci.md shows.
        let table = "";
        try {
            run(["--stack", "cluster-01"]);
        } catch (err) {
            table = (err as { stdout: string }).stdout;
        }
        const marked = "<- the stack file: MISSING, run npm run pki -- init";
        // The key column is as wide as the longest key.
        expect(table).to.match(/^ {2}deploymentCaPrivateKey +<- the stack file: MISSING, run npm run pki -- init$/m);
        expect(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "ci.md"), "utf8")).to.contain(`\`${marked}\``);
        expect(listed.find((s) => s.key === "deploymentCaPrivateKey")).to.include({
            source: "stack file",
            missing: true,
        });
        expect(failure(["--stack", "nope"])).to.contain("secrets: no stack nope");
    });
});
