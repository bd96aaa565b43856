// The Thanos config schemas the project carries, against the upstream-derived reference copies
// (../shared/reference/thanos-v0.42.4/config, where that folder exists), and the documents the
// program emits against them.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv2020 from "ajv/dist/2020";
import { objstoreConfigYaml } from "../components/objstoreSecret";
import { edgeEndpointFileYaml } from "../components/thanos/edgeQuery";
import { endpointSdConfig, queryEndpoints } from "../components/thanosQuery";
import { ObjectStorageSettings } from "../config";
import { PROJECT_ROOT } from "../offline/runStack";
import { THANOS_CONFIG_DOCUMENTS, ThanosConfigDocument, thanosConfigProblems } from "../schemas/thanos";

const REFERENCE = path.join(PROJECT_ROOT, "..", "shared", "reference", "thanos-v0.42.4", "config");

function referenceSchema(document: ThanosConfigDocument): Record<string, unknown> | undefined {
    const file = path.join(REFERENCE, THANOS_CONFIG_DOCUMENTS[document].reference);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** Problems by the reference schema itself (not our copy), or by ours where the reference is absent. */
function problemsByReference(document: ThanosConfigDocument, value: unknown): string[] {
    const schema = referenceSchema(document);
    if (schema === undefined) return thanosConfigProblems(document, value);
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    return validate(value)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const LAB_STORAGE: ObjectStorageSettings = {
    endpoint: "s3.minio.miribit.lab:80",
    bucket: "thanos-bucket",
    identities: "perRole",
    insecure: true,
    insecureSkipVerify: true,
};

describe("Thanos config schemas (v0.42.4)", () => {
    for (const document of Object.keys(THANOS_CONFIG_DOCUMENTS) as ThanosConfigDocument[]) {
        it(`${document}: our schema is the reference schema (skipped where ../shared/reference is absent)`, function () {
            const reference = referenceSchema(document);
            if (reference === undefined) this.skip();
            expect(JSON.parse(JSON.stringify(THANOS_CONFIG_DOCUMENTS[document].schema))).to.deep.equal(reference);
        });
    }

    it("the endpoint file: client_config is read, grpc_client_config (the old key) and typos are not", () => {
        const tls = { enabled: true, ca_file: "/a/ca.crt", cert_file: "/a/tls.crt", key_file: "/a/tls.key" };
        expect(
            thanosConfigProblems("endpoint-sd-config", {
                endpoints: [
                    { address: "10.0.0.1:10901", strict: true, client_config: { server_name: "x", tls_config: tls } },
                ],
            }),
        ).to.deep.equal([]);
        expect(
            thanosConfigProblems("endpoint-sd-config", {
                endpoints: [{ address: "10.0.0.1:10901", grpc_client_config: { tls_config: tls } }],
            }),
        ).to.deep.equal(['/endpoints/0 must NOT have additional properties: "grpc_client_config"']);
        expect(
            thanosConfigProblems("endpoint-sd-config", {
                endpoints: [{ address: "10.0.0.1:10901", client_config: { tls_config: { ...tls, ca: "x" } } }],
            }),
        ).to.have.lengthOf(1);
        expect(thanosConfigProblems("endpoint-sd-config", { endpoints: [{ strict: true }] })).to.deep.equal([
            "/endpoints/0 must have required property 'address': \"address\"",
        ]);
    });

    it("the endpoint file the program writes, edges with and without mTLS, is valid for the reference schema", () => {
        const endpoints = queryEndpoints({
            clusterDomain: "cluster.local",
            centralCluster: "cluster-01",
            localPrometheusReplicas: 2,
            storeGatewayReplicas: 2,
            rulerReplicas: 2,
            storeService: "thanos-store",
            rulerService: "thanos-ruler",
            edges: [
                {
                    stack: "o/p/cluster-02",
                    stackName: "cluster-02",
                    clusterName: "cluster-02",
                    queryEndpoint: "192.168.101.211:10901",
                    grpcTls: { enabled: true, serverName: "s", caCertificate: "c", clientCaCertificate: "" },
                },
                {
                    stack: "o/p/cluster-03",
                    stackName: "cluster-03",
                    clusterName: "cluster-03",
                    queryEndpoint: "192.168.101.212:10901",
                    grpcTls: { enabled: false },
                },
            ] as any,
        });
        const document = yaml.load(yaml.dump(endpointSdConfig(endpoints)));
        expect(problemsByReference("endpoint-sd-config", document)).to.deep.equal([]);
        // One entry per edge: its Query, strict, with client_config where it serves mTLS.
        const edgeEntries = (document as any).endpoints.filter((e: any) => e.address.startsWith("192.168.101."));
        expect(edgeEntries.map((e: any) => [e.address, e.strict, e.client_config !== undefined])).to.deep.equal([
            ["192.168.101.211:10901", true, true],
            ["192.168.101.212:10901", true, false],
        ]);
    });

    it("an edge Query's endpoint file (its own sidecars, strict, plain gRPC in-cluster) is valid for the reference schema", () => {
        for (const replicas of [2, 3]) {
            const document = yaml.load(edgeEndpointFileYaml(replicas));
            expect(problemsByReference("endpoint-sd-config", document)).to.deep.equal([]);
            expect(thanosConfigProblems("endpoint-sd-config", document)).to.deep.equal([]);
            expect((document as any).endpoints).to.have.lengthOf(replicas);
        }
        // The schema can fail: the older key for per-endpoint TLS is refused.
        const wrong = { endpoints: [{ address: "a:1", strict: true, grpc_client_config: {} }] };
        expect(problemsByReference("endpoint-sd-config", wrong)).not.to.deep.equal([]);
    });

    it("the objstore config, plain http and https with a private CA, is valid for the reference schema (Thanos parses it strictly)", () => {
        for (const storage of [
            LAB_STORAGE,
            {
                ...LAB_STORAGE,
                insecure: false,
                insecureSkipVerify: false,
                region: "us-east-1",
                caBundle: "-----BEGIN CERTIFICATE-----",
            },
        ]) {
            const document = yaml.load(
                objstoreConfigYaml(storage, { accessKey: "a".repeat(8), secretKey: "s".repeat(12) }),
            );
            expect(problemsByReference("objstore-s3", document), JSON.stringify(storage)).to.deep.equal([]);
        }
        expect(
            thanosConfigProblems("objstore-s3", {
                type: "S3",
                config: { bucket: "thanos-bucket", endpoint: "http://s3:80" },
            }),
        ).to.have.lengthOf(1);
    });

    it("cache documents: backend configs are closed, memcached needs addresses", () => {
        expect(
            thanosConfigProblems("store-index-cache", { type: "IN-MEMORY", config: { max_size: "1GB" } }),
        ).to.deep.equal([]);
        expect(
            thanosConfigProblems("store-index-cache", { type: "IN-MEMORY", config: { maxSize: "1GB" } }),
        ).to.deep.equal(['/config must NOT have additional properties: "maxSize"']);
        expect(thanosConfigProblems("store-caching-bucket", { type: "MEMCACHED", config: {} })).to.have.lengthOf(1);
        expect(
            thanosConfigProblems("query-frontend-response-cache", {
                type: "IN-MEMORY",
                config: { max_size: "512MB", validity: "0s" },
            }),
        ).to.deep.equal([]);
        expect(
            thanosConfigProblems("query-frontend-response-cache", {
                type: "MEMCACHED",
                config: { addresses: ["m:11211"], expiration: "24h" },
            }),
        ).to.deep.equal([]);
        expect(
            thanosConfigProblems("store-caching-bucket", {
                type: "MEMCACHED",
                config: { addresses: ["m:11211"], expiration: "24h" },
            }),
        ).to.have.lengthOf(1);
    });
});
