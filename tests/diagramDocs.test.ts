// docs/architecture-diagrams.md: the drawings it lists are the ones `npm run diagram` makes, the
// command it shows runs and writes them, the sizes it prints are the ones it prints, and the links it
// says cross between clusters are the overview's.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { draw, main } from "../offline/diagram";
import { readArchitecture } from "../offline/diagram/render";
import { overview } from "../offline/diagram/views";
import { PROJECT_ROOT } from "../offline/runStack";
import { shownOutput } from "./docBlocks";
import { committedPlan } from "./renderedPlans";

const DOC = path.join(PROJECT_ROOT, "docs", "architecture-diagrams.md");

function blocks(info: string): string[][] {
    const text = fs.readFileSync(DOC, "utf8");
    return [...text.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)]
        .filter((m) => m[1] === info)
        .map((m) => m[2].split("\n").filter((l) => l.trim() !== ""));
}

describe("docs/architecture-diagrams.md", function () {
    this.timeout(240000);

    it("lists and shows every drawing `npm run diagram` makes, and no other", async () => {
        const text = fs.readFileSync(DOC, "utf8");
        const names = (await draw(await committedPlan())).map((d) => `${d.name}.svg`);
        const listed = [...text.matchAll(/^\| \[([^\]]+)\]\(([^)]+)\) \|/gm)].map((m) => m[2]);
        const shown = [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
        expect(listed).to.deep.equal(names);
        expect(shown).to.deep.equal(names);
        for (const file of names) expect(fs.existsSync(path.join(PROJECT_ROOT, "docs", file)), file).to.equal(true);
    });

    it("its commands are npm scripts, and the diagram step writes the drawings and prints the sizes the page shows", async () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts;
        const [commands] = blocks("sh");
        expect(commands).to.deep.equal(["npm run render && npm run diagram -- --update"]);
        for (const step of commands[0].split(" && ")) {
            const m = /^npm run ([a-z-]+)(?: -- (.*))?$/.exec(step);
            expect(m, step).to.not.equal(null);
            expect(scripts, step).to.have.property(m![1]);
        }
        // `npm run diagram -- --update` on the committed stacks' render, into a scratch copy of the project.
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-doc-"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "README.md"), path.join(project, "README.md"));
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-out-"));
        fs.cpSync(await committedPlan(), out, { recursive: true });
        const printed = (await main(["--update", "--out", out], project)).split("\n");
        for (const d of await draw(out)) {
            for (const ext of ["svg", "mmd"]) {
                expect(fs.readFileSync(path.join(project, "docs", `${d.name}.${ext}`), "utf8")).to.equal(
                    fs.readFileSync(path.join(PROJECT_ROOT, "docs", `${d.name}.${ext}`), "utf8"),
                );
            }
        }
        const sizes = shownOutput(fs.readFileSync(DOC, "utf8"), "npm run diagram sizes").split("\n");
        expect(printed.filter((l) => /^ {2}architecture/.test(l))).to.deep.equal(sizes);
    });

    it("names the links that cross between clusters today, with their TLS", async () => {
        const g = overview(readArchitecture(await committedPlan()));
        expect([...new Set(g.edges.map((e) => e.label[0]))].sort()).to.deep.equal([
            "StoreAPI (gRPC, strict), mutual TLS",
            "alerts, plaintext",
            "objstore (S3), plaintext",
        ]);
        const text = fs.readFileSync(DOC, "utf8").replace(/\s+/g, " ");
        expect(text).to.contain("StoreAPI calls to each edge's Prometheus sidecars (mutual TLS)");
        expect(text).to.contain("alerts to the central Alertmanager replicas (plaintext HTTP)");
        expect(text).to.contain("writing to object storage (plaintext)");
    });
});
