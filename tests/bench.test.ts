// `npm run bench`: its argument parsing, and one small size measured as the bench measures it (a
// child process rendering a generated deployment, then validate's checks and the tier figures). The
// large sizes (300, 1000 edges) take minutes: they are the bench's, not npm test's (docs/development.md).

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measure, parseEdges } from "../offline/bench/bench";
import { TIER_TABLE_HEADER, tierRow } from "../offline/bench/tierStats";
import { writeGeneratedDeployment } from "../offline/generatedDeployment";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { shownOutput } from "./docBlocks";

const DEVELOPMENT = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "development.md"), "utf8");

describe("npm run bench", () => {
    it("takes --edges N[,M...] and refuses anything else, naming the fix", () => {
        expect(parseEdges([])).to.deep.equal([3, 30, 100]);
        expect(parseEdges(["--edges", "3,30,100,300,1000"])).to.deep.equal([3, 30, 100, 300, 1000]);
        expect(parseEdges(["--edges", "7"])).to.deep.equal([7]);
        for (const bad of [
            ["--edges", "0"],
            ["--edges", "3,,4"],
            ["--edges", "x"],
            ["--edges", "2.5"],
        ])
            expect(() => parseEdges(bad), bad.join(" ")).to.throw(/--edges takes whole numbers above 0/);
        expect(() => parseEdges(["--edges"])).to.throw(/--edges needs a value/);
        expect(() => parseEdges(["--sizes", "3"])).to.throw(/unknown option --sizes/);
    });

    it("accepts every bench command docs/development.md shows", () => {
        const commands = [...DEVELOPMENT.matchAll(/npm run bench -- ([^`\n]+)/g)].map((m) => m[1].trim().split(/\s+/));
        expect(commands.length).to.be.at.least(1);
        for (const args of commands) expect(parseEdges(args), args.join(" ")).to.be.an("array");
    });

    it("measures 3 generated edges in a child process: checks hold, one tier, and the row docs/development.md shows", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-bench-test-"));
        try {
            writeGeneratedDeployment(dir, 3);
            const m = measure("3 edges", dir);
            expect(m.stacks).to.equal(4);
            expect(m.errors).to.deep.equal([]);
            expect(m.peakRssMb).to.be.above(0);
            expect(m.cpuSeconds).to.be.above(0);
            // 3 edges, one edge Query endpoint each, read by the top Query (2 replicas) over mTLS.
            expect(m.tiers).to.deep.include({
                groups: 0,
                topEdgeEndpoints: 3,
                wanTlsConnections: 6,
                podsRolledByOneEdgeCa: 2,
            });
            const shown = shownOutput(DEVELOPMENT, "npm run bench").split("\n");
            expect(shown).to.include.members(TIER_TABLE_HEADER);
            // The Query columns as measured; the largest ConfigMap (a dashboard at this size) may grow with them.
            const row = tierRow("3 edges", m.tiers!);
            const queryColumns = row.slice(0, row.lastIndexOf("|", row.length - 2));
            const shownRow = shown.find(
                (l) => l.startsWith("| 3 edges |") && l.split("|").length === row.split("|").length,
            );
            expect(shownRow?.slice(0, queryColumns.length)).to.equal(queryColumns);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
