import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { currentBackend, organizationProblem } from "../config/siblings";
import { deployOrder, main } from "../offline/stacks";

function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: thanos-multicluster\nruntime: nodejs\n");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}
const edge = "config:\n  thanos-multicluster:role: edge\n";
const central =
    "config:\n  thanos-multicluster:role: central\n  thanos-multicluster:central:\n    organization: acme\n";

describe("npm run stacks", () => {
    it("lists the committed stacks edges first, then the central cluster-01, with the names the central stack references", () => {
        const stacks = JSON.parse(main(["--json"]));
        expect(stacks).to.deep.equal([
            { name: "cluster-02", role: "edge", fullName: "miribit/thanos-multicluster/cluster-02" },
            { name: "cluster-03", role: "edge", fullName: "miribit/thanos-multicluster/cluster-03" },
            { name: "cluster-04", role: "edge", fullName: "miribit/thanos-multicluster/cluster-04" },
            { name: "cluster-01", role: "central", fullName: "miribit/thanos-multicluster/cluster-01" },
        ]);
        expect(JSON.parse(main(["--json", "--role", "central"])).map((s: any) => s.name)).to.deep.equal(["cluster-01"]);
        expect(main([])).to.equal(
            "1. cluster-02 (edge)\n2. cluster-03 (edge)\n3. cluster-04 (edge)\n4. cluster-01 (central)",
        );
    });

    it("orders by role, not by name, and picks up a new edge file without any list to edit", () => {
        const dir = project({ "Pulumi.a-hub.yaml": central, "Pulumi.z-edge.yaml": edge, "Pulumi.m-edge.yaml": edge });
        expect(deployOrder(dir).map((s) => `${s.name}:${s.role}:${s.fullName}`)).to.deep.equal([
            "m-edge:edge:acme/thanos-multicluster/m-edge",
            "z-edge:edge:acme/thanos-multicluster/z-edge",
            "a-hub:central:acme/thanos-multicluster/a-hub",
        ]);
        fs.writeFileSync(path.join(dir, "Pulumi.b-edge.yaml"), edge);
        expect(deployOrder(dir).map((s) => s.name)).to.deep.equal(["b-edge", "m-edge", "z-edge", "a-hub"]);
    });

    it("refuses a stack file without a role, two central stacks, and unknown arguments", () => {
        expect(() => deployOrder(project({ "Pulumi.x.yaml": "config: {}\n" }))).to.throw(
            /Pulumi\.x\.yaml: thanos-multicluster:role must be "edge" or "central"/,
        );
        expect(() => deployOrder(project({ "Pulumi.x.yaml": central, "Pulumi.y.yaml": central }))).to.throw(
            /only one stack may be central, found x, y/,
        );
        expect(() => main(["--yaml"])).to.throw(/unknown argument --yaml/);
        expect(() => main(["--role", "hub"])).to.throw(/--role takes edge or central/);
    });

    it("--full-name prints the one name a deploy job needs, and refuses an unknown stack", () => {
        expect(main(["--full-name", "cluster-03"])).to.equal("miribit/thanos-multicluster/cluster-03");
        expect(() => main(["--full-name", "cluster-09"])).to.throw(
            "no stack named cluster-09; the stacks are cluster-02, cluster-03, cluster-04, cluster-01",
        );
        expect(() => main(["--full-name"])).to.throw(/usage: npm run stacks/);
    });

    describe("with the backend the CLI would use", () => {
        const saved = { ...process.env };
        let credentials: string;
        beforeEach(() => {
            credentials = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-home-"));
            process.env.PULUMI_CREDENTIALS_PATH = credentials;
            delete process.env.PULUMI_BACKEND_URL;
        });
        afterEach(() => {
            for (const key of ["PULUMI_CREDENTIALS_PATH", "PULUMI_BACKEND_URL"]) {
                if (saved[key] === undefined) delete process.env[key];
                else process.env[key] = saved[key];
            }
        });
        const login = (url: string) =>
            fs.writeFileSync(
                path.join(credentials, "credentials.json"),
                JSON.stringify({ current: url, accessTokens: {} }),
            );

        it("reads PULUMI_BACKEND_URL, then Pulumi.yaml's backend.url, then the logged-in backend, as the CLI does", () => {
            const dir = project({ "Pulumi.a.yaml": central });
            expect(currentBackend(dir)).to.equal(undefined);
            login("https://api.pulumi.com");
            expect(currentBackend(dir)).to.deep.include({ url: "https://api.pulumi.com", source: "credentials" });
            fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "backend:\n  url: file:///srv/state\n");
            expect(currentBackend(dir)).to.deep.include({ url: "file:///srv/state", source: "Pulumi.yaml" });
            process.env.PULUMI_BACKEND_URL = "s3://state?endpoint=http://s3.minio.miribit.lab:80";
            expect(currentBackend(dir)).to.deep.include({
                url: process.env.PULUMI_BACKEND_URL,
                source: "PULUMI_BACKEND_URL",
            });
        });

        it("refuses an organization a self-managed backend cannot hold, naming the key, where the backend came from and the fix", () => {
            const dir = project({ "Pulumi.a.yaml": central, "Pulumi.b.yaml": edge });
            expect(deployOrder(dir).map((s) => s.fullName)).to.deep.equal([
                "acme/thanos-multicluster/b",
                "acme/thanos-multicluster/a",
            ]);
            login("s3://state");
            expect(() => deployOrder(dir)).to.throw(
                `Pulumi.a.yaml: thanos-multicluster:central.organization is "acme", but the backend you logged in to (${path.join(credentials, "credentials.json")}) pins the self-managed backend s3://state, where every stack lives at organization/<project>/<stack>: remove it (the stacks' own organization is then used) or set it to organization`,
            );
            process.env.PULUMI_BACKEND_URL = "https://api.pulumi.com";
            expect(organizationProblem("acme", dir)).to.equal(undefined);
            process.env.PULUMI_BACKEND_URL = "s3://state";
            expect(organizationProblem("organization", dir)).to.equal(undefined);
            const unset = project({
                "Pulumi.a.yaml": "config:\n  thanos-multicluster:role: central\n",
                "Pulumi.b.yaml": edge,
            });
            expect(deployOrder(unset)[0].fullName).to.equal("organization/thanos-multicluster/b");
            delete process.env.PULUMI_BACKEND_URL;
            login("https://api.pulumi.com");
            // Pulumi Cloud, no organization configured: the bare name, in the token's default organization.
            expect(deployOrder(unset).map((s) => s.fullName)).to.deep.equal(["b", "a"]);
            process.env.PULUMI_BACKEND_URL = "s3://state";
            const selfManaged = project({
                "Pulumi.a.yaml": central.replace("acme", "organization"),
                "Pulumi.b.yaml": edge,
            });
            expect(deployOrder(selfManaged)[0].fullName).to.equal("organization/thanos-multicluster/b");
        });
    });
});
