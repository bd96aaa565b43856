import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { caBundleFile } from "../components/minioBuckets";
import { StackOutputsByName } from "../offline/mockEngine";
import { RecordedResource, StackRun } from "../offline/runStack";
import { byType, committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";

function bucketsOf(run: StackRun): Record<string, RecordedResource> {
    return Object.fromEntries(byType(run, BUCKET).map((r) => [(r.inputs as any).bucket as string, r]));
}

describe("MinIO buckets: adopt or create", () => {
    let edges: StackOutputsByName;
    before(async () => {
        edges = await committedEdgeOutputs();
    });

    it("imports the buckets listed as existing (name as id), creates the others, and protects all", async () => {
        const run = await runCommittedStack("cluster-01", {}, edges);
        const buckets = bucketsOf(run);
        expect(Object.keys(buckets).sort()).to.deep.equal(["longhorn-backups", "opensearch-logs", "thanos-bucket"]);
        for (const adopted of ["thanos-bucket", "longhorn-backups"]) {
            expect(buckets[adopted].import, adopted).to.equal(adopted);
            expect(buckets[adopted].retainOnDelete, adopted).to.equal(true);
        }
        expect(buckets["opensearch-logs"].import).to.equal(undefined);
        expect(buckets["opensearch-logs"].retainOnDelete).to.equal(undefined);
        for (const bucket of Object.values(buckets)) {
            expect(bucket.protect).to.equal(true);
            // Inputs an imported bucket reads back the same: a mismatch would fail the import.
            expect(Object.keys(bucket.inputs).sort()).to.deep.equal(["bucket", "forceDestroy"]);
            expect(bucket.inputs.forceDestroy).to.equal(false);
        }
    });

    it("a private CA for MinIO over https reaches the AWS provider as a file (customCaBundle is a path)", async () => {
        // A real certificate: objectStorage.caBundle must parse as X.509.
        const pem = fs.readFileSync(path.join(__dirname, "fixtures", "certs", "deployment-ca-until-2036.pem"), "utf8");
        // The edges' stack files name s3.minio.miribit.lab:80, and the central stack must read the same endpoint.
        const https = { endpoint: "s3.minio.miribit.lab:80", bucket: "thanos-bucket", caBundle: pem };
        const onHttps: StackOutputsByName = edges;
        const run = await runCommittedStack("cluster-01", { "thanos-multicluster:objectStorage": https }, onHttps);
        const [provider] = byType(run, "pulumi:providers:aws");
        const inputs = provider.inputs as Record<string, any>;
        expect(JSON.stringify(inputs.endpoints)).to.contain("https://s3.minio.miribit.lab:80");
        expect(String(inputs.customCaBundle)).to.equal(caBundleFile(pem));
        expect(fs.readFileSync(String(inputs.customCaBundle), "utf8")).to.equal(pem);
        // Without a bundle, the provider keeps the system trust store.
        const plain = byType(await runCommittedStack("cluster-01", {}, edges), "pulumi:providers:aws")[0]
            .inputs as Record<string, any>;
        expect(plain.customCaBundle).to.equal(undefined);
    });

    it("the bundle's file changes exactly when the bundle does", () => {
        expect(caBundleFile("a", "/x")).to.equal(caBundleFile("a", "/x"));
        expect(caBundleFile("a", "/x")).to.not.equal(caBundleFile("b", "/x"));
    });

    it("the committed central stack adopts the metrics bucket, which the edges upload to before it exists", () => {
        const buckets = stackFile("cluster-01").config["thanos-multicluster:central"] as any;
        expect(buckets.buckets.existing).to.include("thanos-bucket");
    });
});
