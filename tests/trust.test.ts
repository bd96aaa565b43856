import { expect } from "chai";
import { X509Certificate } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { untrustedDeploymentCaWarning } from "../components/edgeStacks";
import { EdgeCluster, edgeTlsChecksum } from "../components/thanosQuery";
import { StackOutputsByName } from "../offline/mockEngine";
import { renderStacks } from "../offline/render";
import { RecordedResource, StackRun, isSecretMarker } from "../offline/runStack";
import { TEST_SECRETS, byType, committedEdgeOutputs, k8sObject, runCommittedStack } from "./helpers";
import { hasOpenssl, issueLeaf, openssl, opensslConfig, verifies } from "./opensslReplay";
import { renderOnlyDeploymentCa } from "../offline/pki/ca";
import { pemCertificateBodies } from "../config/certificates";
import { resolveDeploymentCa, useRenderOnlyDeploymentCaWhereMissing } from "../config/pki";

const MOCK_DEPLOYMENT_CA = "-----BEGIN CERTIFICATE-----\nmock-thanos-query-client-tls-ca\n-----END CERTIFICATE-----\n";

/**
 * Real certificates (ECDSA P-256, issued with `openssl ca -startdate/-enddate`), as an edge gets the
 * deployment CA in config: one CA key, certified twice with the same subject (2025-01-01 to
 * 2027-01-01, then 2026-12-01 to 2036-12-01), as a renewal re-issues it; and Query's client
 * certificate (2026-12-01 to 2027-12-01), issued under the second. No key is committed.
 */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", "certs", name), "utf8");
const DEPLOYMENT_CA = fixture("deployment-ca-until-2036.pem");
const OLD_DEPLOYMENT_CA = fixture("deployment-ca-until-2027.pem");
const QUERY_CLIENT_CERTIFICATE = fixture("query-client.pem");
/** `date -u -d 2036-12-01 +%s`, `date -u -d 2027-01-01 +%s`. */
const DEPLOYMENT_CA_NOT_AFTER = 2111702400;
const OLD_DEPLOYMENT_CA_NOT_AFTER = 1798761600;

/**
 * Issues with openssl the CA and the signed certificate that one component's recorded @pulumi/tls
 * resources describe (subjects, CA flag, allowed uses, validity), after checking that the signed
 * certificate names that CA's certificate and key. Returns the PEM files.
 */
function replay(run: StackRun, parentType: string, dir: string): { ca: string; leaf: string } {
    const parent = run.resources.find((r) => r.type === parentType)!.urn;
    const mine = (type: string) => run.resources.filter((r) => r.type === type && r.parent === parent);
    const [ca] = mine("tls:index/selfSignedCert:SelfSignedCert");
    const [signed] = mine("tls:index/locallySignedCert:LocallySignedCert");
    const [csr] = mine("tls:index/certRequest:CertRequest");
    const caInputs = ca.inputs as Record<string, any>;
    const leafInputs = signed.inputs as Record<string, any>;
    const csrInputs = csr.inputs as Record<string, any>;
    // Wiring: the leaf is signed by this CA (its certificate, and its key only as a secret), for this request.
    expect(leafInputs.caCertPem).to.contain(`mock-${ca.name}\n`);
    expect(isSecretMarker(leafInputs.caPrivateKeyPem)).to.equal(true);
    expect(leafInputs.certRequestPem).to.contain(`mock-${csr.name}\n`);
    const f = (name: string) => path.join(dir, name);
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f("ca.key"));
    fs.writeFileSync(f("ca.cnf"), opensslConfig(caInputs.subject, caInputs));
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        f("ca.key"),
        "-config",
        f("ca.cnf"),
        "-extensions",
        "v3",
        "-days",
        String(Math.floor(caInputs.validityPeriodHours / 24)),
        "-out",
        f("ca.pem"),
    );
    const leaf = issueLeaf(dir, "leaf", { cert: f("ca.pem"), key: f("ca.key") }, csrInputs.subject, leafInputs);
    return { ca: f("ca.pem"), leaf };
}

function dependsOnStackReferences(run: StackRun, resource: RecordedResource): string[] {
    const refs = new Map(
        byType(run, "pulumi:pulumi:StackReference").map((r) => [r.urn, (r.inputs as any).name as string]),
    );
    return (resource.dependencies ?? []).filter((urn) => refs.has(urn)).map((urn) => refs.get(urn)!);
}

describe("trust: no private key leaves the stack that uses it", () => {
    let edges: StackOutputsByName;
    let central: StackRun;
    let dir: string;

    before(async () => {
        edges = await committedEdgeOutputs();
        central = await runCommittedStack("cluster-01", {}, edges);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-trust-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("rendered edges export no secret output, and nothing private", async () => {
        const outDir = path.join(dir, "out");
        await renderStacks({ outDir, secrets: TEST_SECRETS, log: () => undefined });
        for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
            const outputs = JSON.parse(fs.readFileSync(path.join(outDir, stack, "outputs.json"), "utf8"));
            // The one secret output: the sidecars' MinIO key, for the central stack to create its user.
            expect(outputs.secretOutputNames, stack).to.deep.equal(["objstoreIdentity"]);
            const { objstoreIdentity, ...others } = outputs.outputs;
            expect(JSON.stringify(objstoreIdentity), stack).not.to.match(/mock-/);
            expect(JSON.stringify(others), stack).not.to.match(/PRIVATE KEY|\[secret\]/);
        }
        const centralOutputs = JSON.parse(fs.readFileSync(path.join(outDir, "cluster-01", "outputs.json"), "utf8"));
        expect(centralOutputs.outputs.deploymentCaCertificate).to.match(/^-----BEGIN CERTIFICATE-----/);
        expect(centralOutputs.secretOutputNames).not.to.include("deploymentCaCertificate");
    });

    it("the central stack reads no key from any edge: it generates Query's key, and issues with the configured deployment CA", () => {
        for (const ref of byType(central, "pulumi:pulumi:StackReference"))
            expect(JSON.stringify(ref.inputs)).not.to.contain("Key");
        const keys = byType(central, "tls:index/privateKey:PrivateKey").map((r) => r.name);
        expect(keys).to.deep.equal(["thanos-query-client-tls-client"]);
        // No CA is generated in the state any more: the certificate is pki/'s, the key the stack's secret config.
        expect(byType(central, "tls:index/selfSignedCert:SelfSignedCert")).to.deep.equal([]);
        const [signed] = byType(central, "tls:index/locallySignedCert:LocallySignedCert");
        expect(isSecretMarker((signed.inputs as any).caPrivateKeyPem)).to.equal(true);
        expect((signed.inputs as any).caCertPem).to.equal(central.outputs.deploymentCaCertificate);
    });

    (hasOpenssl() ? it : it.skip)(
        "Query's client certificate, issued as the central stack describes it, verifies at the edge for client authentication only (openssl)",
        async () => {
            // Offline the render-only CA stands in for pki/ on both sides (tests/firstDeploy.test.ts runs the real one).
            const files = fs.mkdtempSync(path.join(dir, "query-"));
            const [signed] = byType(central, "tls:index/locallySignedCert:LocallySignedCert");
            const [csr] = byType(central, "tls:index/certRequest:CertRequest");
            const inputs = signed.inputs as Record<string, any>;
            const ca = { cert: path.join(files, "ca.pem"), key: path.join(files, "ca.key") };
            fs.writeFileSync(ca.cert, inputs.caCertPem);
            fs.writeFileSync(ca.key, inputs.caPrivateKeyPem.value);
            expect(inputs.caPrivateKeyPem.value).to.equal((await renderOnlyDeploymentCa()).privateKeyPem);
            const leaf = issueLeaf(files, "query", ca, (csr.inputs as any).subject, inputs);
            const edge = await runCommittedStack("cluster-03");
            const trusted = path.join(files, "edge-client-ca.pem");
            fs.writeFileSync(
                trusted,
                (k8sObject(edge, "Secret", "thanos-sidecar-tls").stringData as any).value["ca.crt"],
            );
            expect(verifies(trusted, leaf, "sslclient")).to.equal(true);
            expect(verifies(trusted, leaf, "sslserver"), "a client certificate must not serve").to.equal(false);
            const subject = execFileSync("openssl", ["x509", "-in", leaf, "-noout", "-subject"]).toString();
            expect(subject).to.contain("CN = thanos-query");
        },
    );

    (hasOpenssl() ? it : it.skip)(
        "an edge's server certificate is issued by its own CA, for server authentication only (replayed with openssl)",
        async () => {
            const edge = await runCommittedStack("cluster-03");
            const { ca, leaf } = replay(
                edge,
                "thanos-multicluster:thanos:SidecarTls",
                fs.mkdtempSync(path.join(dir, "edge-")),
            );
            expect(verifies(ca, leaf, "sslserver")).to.equal(true);
            expect(verifies(ca, leaf, "sslclient"), "the server certificate is no client certificate").to.equal(false);
            // The sidecars verify clients against the deployment CA bundle, not against their own CA.
            const secret = k8sObject(edge, "Secret", "thanos-sidecar-tls");
            expect((secret.stringData as any).value["ca.crt"]).to.equal(
                (edge.outputs.grpcTls as any).clientCaCertificate,
            );
            expect((secret.stringData as any).value["ca.crt"]).to.equal((await renderOnlyDeploymentCa()).certificate);
        },
    );

    it("an explicit grpcTls.clientCaCertificate overrides the bundle: the edge trusts it for clients and says so in its outputs", async () => {
        const edge = await runCommittedStack("cluster-02", {
            "thanos-multicluster:grpcTls": { enabled: true, clientCaCertificate: DEPLOYMENT_CA },
        });
        expect((k8sObject(edge, "Secret", "thanos-sidecar-tls").stringData as any).value["ca.crt"]).to.equal(
            DEPLOYMENT_CA,
        );
        expect((edge.outputs.grpcTls as any).clientCaCertificate).to.equal(DEPLOYMENT_CA);
        expect(edge.secretOutputNames).to.deep.equal(["objstoreIdentity"]);
    });

    it("each cluster records when the certificates it holds expire: an edge its own and the deployment CA it trusts, the central one the deployment CA and Query's", async () => {
        const recorded = (run: StackRun, rule: string) => {
            const groups = k8sObject(run, "PrometheusRule", rule).spec.groups as any[];
            const rules = groups.find((g) => g.name === "thanos-multicluster.certificates").rules as any[];
            return Object.fromEntries(
                rules.map((r) => {
                    expect(r.record).to.equal("thanos_multicluster_certificate_expiry_timestamp_seconds");
                    return [r.labels.certificate, r.expr];
                }),
            );
        };
        // Offline, certificates are issued at 2026-01-01T00:00:00Z (1767225600): the edge's CA for
        // 3650 days, the server certificate for 365 (the stack file); the PEM's notAfter is its own.
        const edge = await runCommittedStack("cluster-02", {
            "thanos-multicluster:grpcTls": {
                enabled: true,
                clientCaCertificate: `${OLD_DEPLOYMENT_CA}${DEPLOYMENT_CA}`,
            },
        });
        expect(recorded(edge, "thanos-multicluster-cluster")).to.deep.equal({
            "sidecar-ca": `vector(${1767225600 + 3650 * 86400})`,
            "sidecar-server": `vector(${1767225600 + 365 * 86400})`,
            // The bundle admits Query until its last CA expires.
            "sidecar-client-ca": `vector(${DEPLOYMENT_CA_NOT_AFTER})`,
        });
        // A committed edge trusts the bundle; offline, the render-only CA's (2036-01-01: `date -u -d 2036-01-01 +%s`).
        const committed = await runCommittedStack("cluster-03");
        expect(recorded(committed, "thanos-multicluster-cluster")["sidecar-client-ca"]).to.equal("vector(2082758400)");
        // The central stack's: the deployment CA's notAfter is its certificate's (here the render-only
        // one's), Query's client certificate the grpcTls default, 365 days.
        expect(recorded(central, "thanos-control-plane")).to.deep.equal({
            "deployment-ca": "vector(2082758400)",
            "query-client": `vector(${1767225600 + 365 * 86400})`,
        });
        // ... once: not also in its cluster rule, which the central stack's base deploys too.
        const centralBase = k8sObject(central, "PrometheusRule", "thanos-multicluster-cluster").spec.groups as any[];
        expect(centralBase.map((g) => g.name)).not.to.include("thanos-multicluster.certificates");
    });

    (hasOpenssl() ? it : it.skip)(
        "a deployment CA re-issued with its key admits Query's new certificate at an edge holding the old copy until that copy expires (openssl)",
        () => {
            // What the alert on sidecar-client-ca is for: after the central stack renews the
            // deployment CA (same key, new certificate), Query's new client certificate still
            // verifies against the edge's old copy, but only until that copy's notAfter.
            const files = fs.mkdtempSync(path.join(dir, "renewal-"));
            const write = (name: string, text: string) => {
                fs.writeFileSync(path.join(files, name), text);
                return path.join(files, name);
            };
            const client = write("client.pem", QUERY_CLIENT_CERTIFICATE);
            const verifiesAt = (caFile: string, seconds: number) => {
                try {
                    execFileSync("openssl", ["verify", "-attime", String(seconds), "-CAfile", caFile, client], {
                        stdio: "pipe",
                    });
                    return true;
                } catch {
                    return false;
                }
            };
            const old = write("old.pem", OLD_DEPLOYMENT_CA);
            const bundle = write("bundle.pem", `${OLD_DEPLOYMENT_CA}${DEPLOYMENT_CA}`);
            const day = 86400;
            expect(verifiesAt(old, OLD_DEPLOYMENT_CA_NOT_AFTER - 2 * day), "the old copy, before it expires").to.equal(
                true,
            );
            expect(verifiesAt(old, OLD_DEPLOYMENT_CA_NOT_AFTER + day), "the old copy, after it expired").to.equal(
                false,
            );
            expect(verifiesAt(bundle, OLD_DEPLOYMENT_CA_NOT_AFTER + day), "old and new in one PEM").to.equal(true);
        },
    );

    it("each edge's CA ConfigMap depends on that edge's StackReference only", () => {
        for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
            const configMap = central.resources.find(
                (r) =>
                    r.type === "kubernetes:core/v1:ConfigMap" &&
                    (r.inputs as any).metadata?.name === `thanos-query-edge-ca-${stack}`,
            )!;
            expect(dependsOnStackReferences(central, configMap), stack).to.deep.equal([
                `miribit/thanos-multicluster/${stack}`,
            ]);
        }
    });

    it("Query's pod template changes when an edge's CA or Query's client certificate changes", () => {
        const edge = (stackName: string, caCertificate: string) =>
            ({
                stackName,
                grpcTls: {
                    enabled: true,
                    serverName: `thanos-sidecar.${stackName}`,
                    caCertificate,
                    clientCaCertificate: "",
                },
            }) as unknown as EdgeCluster;
        const base = edgeTlsChecksum([edge("cluster-02", "CA-A"), edge("cluster-03", "CA-B")], "CLIENT-1");
        expect(
            edgeTlsChecksum([edge("cluster-03", "CA-B"), edge("cluster-02", "CA-A")], "CLIENT-1"),
            "order does not matter",
        ).to.equal(base);
        expect(
            edgeTlsChecksum([edge("cluster-02", "CA-A2"), edge("cluster-03", "CA-B")], "CLIENT-1"),
            "a rotated edge CA",
        ).to.not.equal(base);
        expect(
            edgeTlsChecksum([edge("cluster-02", "CA-A"), edge("cluster-03", "CA-B")], "CLIENT-2"),
            "a renewed client certificate",
        ).to.not.equal(base);
        const annotations = k8sObject(central, "Deployment", "thanos-query").spec.template.metadata.annotations;
        expect(annotations["checksum/edge-tls"]).to.match(/^[0-9a-f]{64}$/);
    });

    it("the central stack warns (naming the fix) about an edge that does not trust its deployment CA", () => {
        const edge = (clientCaCertificate: string) =>
            ({
                grpcTls: { enabled: true, serverName: "s", caCertificate: "c", clientCaCertificate },
            }) as unknown as EdgeCluster;
        expect(untrustedDeploymentCaWarning("cluster-02", edge(MOCK_DEPLOYMENT_CA), MOCK_DEPLOYMENT_CA)).to.equal(
            undefined,
        );
        expect(untrustedDeploymentCaWarning("cluster-02", edge(""), MOCK_DEPLOYMENT_CA)).to.contain(
            "`npm run deploy -- up` deploys every edge before this stack",
        );
        expect(
            untrustedDeploymentCaWarning(
                "cluster-02",
                edge("-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n"),
                MOCK_DEPLOYMENT_CA,
            ),
        ).to.contain("trusts another client CA");
        expect(
            untrustedDeploymentCaWarning(
                "cluster-02",
                { grpcTls: { enabled: false } } as unknown as EdgeCluster,
                MOCK_DEPLOYMENT_CA,
            ),
        ).to.equal(undefined);
        // A rotation: the edge trusts the old and the current CA.
        expect(
            untrustedDeploymentCaWarning(
                "cluster-02",
                edge(`-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n${MOCK_DEPLOYMENT_CA}`),
                MOCK_DEPLOYMENT_CA.replace("\n", "\r\n"),
            ),
        ).to.equal(undefined);
        // A renewal: the central stack re-issued the CA with its key; the edge's old copy admits Query until 2027-01-01.
        expect(untrustedDeploymentCaWarning("cluster-02", edge(OLD_DEPLOYMENT_CA), DEPLOYMENT_CA)).to.equal(
            "edge stack cluster-02 trusts an earlier certificate of this deployment CA (same key), which admits Query's client certificate until 2027-01-01T00:00:00.000Z; then its Thanos Query rejects it: before that, deploy cluster-02 from this commit (`npm run deploy -- up` deploys every edge before this stack), and if its grpcTls.clientCaCertificate is set, remove it so that it trusts pki/deployment-ca.pem",
        );
        // A certificate of another key is another CA, whatever its name.
        expect(untrustedDeploymentCaWarning("cluster-02", edge(QUERY_CLIENT_CERTIFICATE), DEPLOYMENT_CA)).to.contain(
            "trusts another client CA",
        );
    });
});

describe("trust config: grpcTls.clientCaCertificate", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseClusterSettings, ConfigError } = require("../config/settings") as typeof import("../config/settings");
    const edge = (grpcTls: Record<string, unknown>, role = "edge") => ({
        clusterName: "cluster-02",
        role,
        nodeIps: ["192.168.101.196"],
        kubernetes: { context: "cluster-02" },
        loadBalancer: {
            ip: "192.168.101.211",
            pool: { start: "192.168.101.211", stop: "192.168.101.211" },
            ...(role === "edge"
                ? { grpcSourceRanges: ["192.168.101.194/32"], httpSourceRanges: ["192.168.101.0/24"] }
                : {}),
        },
        objectStorage: {
            endpoint: "s3.minio.miribit.lab:80",
            bucket: "thanos-bucket",
            insecure: true,
            allowInsecureTransport: true,
        },
        grpcTls,
        ...(role === "central"
            ? {
                  central: {
                      organization: "miribit",
                      edgeStacks: [],
                      uiSourceRanges: ["192.168.101.0/24"],
                      buckets: { existing: ["thanos-bucket"] },
                      alertmanager: {
                          receivers: [{ name: "oncall", webhook: {} }],
                          edgeSourceRanges: ["192.168.101.196/32"],
                      },
                  },
              }
            : {
                  alerting: {
                      centralAlertmanagers: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"],
                  },
              }),
    });
    const problems = (raw: Record<string, unknown>): string[] => {
        try {
            parseClusterSettings(raw, { kubeconfig: false });
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
    };

    it("takes the deployment CA's PEM on an edge, or during a rotation the old and the new one", () => {
        for (const pem of [DEPLOYMENT_CA, `${OLD_DEPLOYMENT_CA}${DEPLOYMENT_CA}`])
            expect(
                parseClusterSettings(edge({ enabled: true, clientCaCertificate: pem }), {
                    kubeconfig: false,
                }).grpcTls.clientCaCertificate,
            ).to.equal(pem);
    });

    it("rejects, before anything is deployed, a PEM the sidecar could not load and a certificate that is no CA", () => {
        const unparsable = problems(
            edge({ enabled: true, clientCaCertificate: `${DEPLOYMENT_CA}${MOCK_DEPLOYMENT_CA}` }),
        );
        expect(unparsable).to.have.lengthOf(1);
        expect(unparsable[0])
            .to.match(/^thanos-multicluster:grpcTls\.clientCaCertificate certificate 2 does not parse as X\.509 \(/)
            .and.contain("pulumi config rm --path grpcTls.clientCaCertificate");
        const leaf = problems(edge({ enabled: true, clientCaCertificate: QUERY_CLIENT_CERTIFICATE }));
        expect(leaf).to.have.lengthOf(1);
        expect(leaf[0]).to.contain(
            "thanos-multicluster:grpcTls.clientCaCertificate certificate 1 (O=thanos-multicluster, CN=thanos-query) is not a CA certificate",
        );
    });

    it("rejects what is not a certificate, a private key, and the key on the central stack, naming the key", () => {
        expect(problems(edge({ enabled: true, clientCaCertificate: "deployment-ca.pem" })))
            .to.have.lengthOf(1)
            .and.satisfy((p: string[]) =>
                p[0].startsWith("thanos-multicluster:grpcTls.clientCaCertificate must be a PEM certificate"),
            );
        const withKey = `${MOCK_DEPLOYMENT_CA.trim()}\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\ny\n-----END CERTIFICATE-----\n`;
        expect(problems(edge({ enabled: true, clientCaCertificate: withKey }))[0]).to.contain("holds a private key");
        expect(problems(edge({ clientCaCertificate: MOCK_DEPLOYMENT_CA }, "central"))[0]).to.contain(
            "thanos-multicluster:grpcTls.clientCaCertificate is for edges",
        );
    });

    it("takes grpcTls.caGeneration on edges only, 1 or more", () => {
        expect(
            parseClusterSettings(edge({ enabled: true, caGeneration: 3 }), { kubeconfig: false }).grpcTls.caGeneration,
        ).to.equal(3);
        expect(parseClusterSettings(edge({ enabled: true }), { kubeconfig: false }).grpcTls.caGeneration).to.equal(1);
        expect(problems(edge({ enabled: true, caGeneration: 0 }))).to.deep.equal([
            "thanos-multicluster:grpcTls.caGeneration must be 1 or more (got 0): `npm run pki -- rotate --stack <edge>` raises it to replace the edge's server CA",
        ]);
        expect(problems(edge({ caGeneration: 2 }, "central"))[0]).to.equal(
            "thanos-multicluster:grpcTls.caGeneration is for edges (their server CA); the central stack's deployment CA is rotated with `npm run pki -- rotate`",
        );
    });
});

describe("trust: the edge Query picks up a new client CA", () => {
    it("a configured or rotated deployment CA changes the edge Query pods' annotation, so the Deployment rolls them", async () => {
        const annotation = async (grpcTls: Record<string, unknown>) => {
            const run = await runCommittedStack("cluster-04", { "thanos-multicluster:grpcTls": grpcTls });
            const template = k8sObject(run, "Deployment", "thanos-query").spec.template;
            return template.metadata.annotations?.["checksum/grpc-server-tls"];
        };
        const unset = await annotation({ enabled: true });
        const set = await annotation({ enabled: true, clientCaCertificate: OLD_DEPLOYMENT_CA });
        const rotated = await annotation({ enabled: true, clientCaCertificate: DEPLOYMENT_CA });
        expect(unset).to.match(/^[0-9a-f]{64}$/);
        expect(new Set([unset, set, rotated]).size).to.equal(3);
        expect(await annotation({ enabled: false })).to.equal(undefined);
    });
});

describe("the deployment CA's material (config/pki.ts), before any resource is registered", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { newDeploymentCa } = require("../offline/pki/ca") as typeof import("../offline/pki/ca");
    let ca: { certificate: string; privateKeyPem: string };
    let other: { certificate: string; privateKeyPem: string };
    let renderOnly: { certificate: string; privateKeyPem: string };
    before(async () => {
        ca = await newDeploymentCa(3650, new Date("2026-06-01T00:00:00Z"));
        other = await newDeploymentCa(3650, new Date("2026-07-01T00:00:00Z"));
        renderOnly = await renderOnlyDeploymentCa();
    });
    afterEach(() => useRenderOnlyDeploymentCaWhereMissing(undefined));
    const edge = { role: "edge" as const, grpcTlsEnabled: true };
    const central = { role: "central" as const, grpcTlsEnabled: false };

    it("edges trust the committed bundle; the central stack issues with the bundle's certificate of its key", () => {
        const bundle = `${other.certificate}${ca.certificate}`;
        expect(resolveDeploymentCa({ ...edge, bundle })).to.deep.equal({
            problems: [],
            clientCaCertificate: bundle,
            renderOnly: false,
        });
        const resolved = resolveDeploymentCa({ ...central, bundle, privateKeyPem: ca.privateKeyPem });
        expect(resolved.problems).to.deep.equal([]);
        expect(pemCertificateBodies(resolved.deploymentCa!.certificate)).to.deep.equal(
            pemCertificateBodies(ca.certificate),
        );
    });

    it("refuses, naming the key or the file and `npm run pki -- init`, when material is missing or does not match", () => {
        expect(resolveDeploymentCa(edge).problems).to.deep.equal([
            "thanos-multicluster:grpcTls.enabled needs the deployment CA: pki/deployment-ca.pem is missing: run `npm run pki -- init` (it writes the deployment CA's certificate there and its key into the central stack's config), then commit pki/",
        ]);
        expect(resolveDeploymentCa({ ...central, bundle: ca.certificate }).problems).to.deep.equal([
            "thanos-multicluster:deploymentCaPrivateKey is required on the central stack (the deployment CA's key, which issues Query's client certificate): run `npm run pki -- init`",
        ]);
        const mismatch = resolveDeploymentCa({
            ...central,
            bundle: ca.certificate,
            privateKeyPem: other.privateKeyPem,
        });
        expect(mismatch.problems).to.have.lengthOf(1);
        expect(mismatch.problems[0]).to.match(
            /^thanos-multicluster:deploymentCaPrivateKey is the key of no certificate in pki\/deployment-ca\.pem: /,
        );
        const garbage = resolveDeploymentCa({ ...central, bundle: ca.certificate, privateKeyPem: "not a key" });
        expect(garbage.problems).to.deep.equal(["thanos-multicluster:deploymentCaPrivateKey is not a PEM private key"]);
        expect(resolveDeploymentCa({ ...central, privateKeyPem: ca.privateKeyPem }).problems[0]).to.contain(
            "thanos-multicluster:deploymentCaPrivateKey is set, but pki/deployment-ca.pem is missing",
        );
    });

    it("keeps the key on the central stack and keys out of the bundle", () => {
        expect(
            resolveDeploymentCa({ ...edge, bundle: ca.certificate, privateKeyPem: ca.privateKeyPem }).problems[0],
        ).to.contain("thanos-multicluster:deploymentCaPrivateKey is set on an edge stack");
        expect(resolveDeploymentCa({ ...edge, bundle: `${ca.certificate}${ca.privateKeyPem}` }).problems[0]).to.contain(
            "pki/deployment-ca.pem holds a private key",
        );
        expect(resolveDeploymentCa({ ...edge, bundle: QUERY_CLIENT_CERTIFICATE }).problems[0]).to.contain(
            "is not a CA certificate",
        );
    });

    it("stands the render-only CA in only where both bundle and key are missing, and refuses it in a bundle", () => {
        useRenderOnlyDeploymentCaWhereMissing({
            bundle: renderOnly.certificate,
            privateKeyPem: renderOnly.privateKeyPem,
        });
        expect(resolveDeploymentCa(edge)).to.deep.equal({
            problems: [],
            clientCaCertificate: renderOnly.certificate,
            renderOnly: true,
        });
        expect(resolveDeploymentCa(central).deploymentCa?.renderOnly).to.equal(true);
        // A real key without its bundle is a real mistake, reported as such.
        expect(resolveDeploymentCa({ ...central, privateKeyPem: ca.privateKeyPem }).problems).to.have.lengthOf(1);
        expect(resolveDeploymentCa({ ...edge, bundle: renderOnly.certificate }).problems[0]).to.contain(
            "holds the render-only deployment CA",
        );
        // The same bytes every time: renders stay identical.
        expect(new X509Certificate(renderOnly.certificate).subject).to.contain("render-only deployment CA");
    });

    it("an explicit grpcTls.clientCaCertificate wins over the bundle, and an edge without mTLS needs none", () => {
        expect(resolveDeploymentCa({ ...edge, clientCaOverride: DEPLOYMENT_CA }).clientCaCertificate).to.equal(
            DEPLOYMENT_CA,
        );
        expect(resolveDeploymentCa({ role: "edge", grpcTlsEnabled: false }).problems).to.deep.equal([]);
    });
});
