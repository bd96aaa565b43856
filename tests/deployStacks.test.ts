import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
});
