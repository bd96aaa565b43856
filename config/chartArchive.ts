// What a packaged Helm chart (`helm package`/`helm pull` .tgz) says it is: the name and version in
// its Chart.yaml, read without Helm so the program can refuse the wrong file before deploying it.

import * as fs from "fs";
import * as zlib from "zlib";
import * as yaml from "js-yaml";

export interface ChartMetadata {
    name: string;
    version: string;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
    const raw = header.subarray(offset, offset + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

/** Path and contents of every regular file in a tar stream (ustar, with GNU and PAX long names). */
function* tarFiles(tar: Buffer): Generator<{ path: string; data: Buffer }> {
    let offset = 0;
    let longName: string | undefined;
    while (offset + BLOCK <= tar.length) {
        const header = tar.subarray(offset, offset + BLOCK);
        if (header.every((b) => b === 0)) return;
        const size = parseInt(field(header, 124, 12).trim() || "0", 8);
        const type = String.fromCharCode(header[156] || 48);
        const magic = field(header, 257, 6);
        const prefix = magic.startsWith("ustar") ? field(header, 345, 155) : "";
        const name = prefix !== "" ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
        const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
        offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
        if (type === "L") {
            longName = field(data, 0, data.length);
        } else if (type === "x") {
            const pax = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
            if (pax) longName = pax[1];
        } else {
            if (type === "0" || type === "\0") yield { path: longName ?? name, data };
            longName = undefined;
        }
    }
}

/**
 * The chart's own Chart.yaml (`<chart>/Chart.yaml`, not a dependency's under charts/), or an
 * error saying why the file is not a packaged chart.
 */
export function readChartArchive(file: string): ChartMetadata {
    let tar: Buffer;
    try {
        tar = zlib.gunzipSync(fs.readFileSync(file));
    } catch (err) {
        throw new Error(
            `is not a gzip-compressed chart archive (${err instanceof Error ? err.message : String(err)})`,
            {
                cause: err,
            },
        );
    }
    for (const { path, data } of tarFiles(tar)) {
        if (!/^[^/]+\/Chart\.yaml$/.test(path)) continue;
        const chart = yaml.load(data.toString("utf8")) as { name?: unknown; version?: unknown } | undefined;
        if (typeof chart?.name !== "string" || typeof chart.version !== "string")
            throw new Error(`has a ${path} without a name and version`);
        return { name: chart.name, version: chart.version };
    }
    throw new Error("holds no <chart>/Chart.yaml: it is not a packaged Helm chart");
}
