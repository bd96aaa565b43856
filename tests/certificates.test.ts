// The pure pieces of certificate expiry: reading a PEM bundle from config, and what an edge records.
// Expected times are the fixtures' dates as `date -u -d <day> +%s` gives them, not this code's output.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    caBundleNotAfterSeconds,
    caBundleProblems,
    earlierCopiesNotAfter,
    pemCertificateBodies,
    pemCertificates,
} from "../config/certificates";
import { sidecarCertificateExpiries } from "../components/sidecarTls";
import { CERTIFICATES } from "../components/alertRules";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", "certs", name), "utf8");
/** One CA key certified until 2027-01-01 and again until 2036-12-01; a client certificate it issued. */
const OLD_CA = fixture("deployment-ca-until-2027.pem");
const NEW_CA = fixture("deployment-ca-until-2036.pem");
const CLIENT = fixture("query-client.pem");
const JAN_2027 = 1798761600;
const DEC_2036 = 2111702400;

describe("certificates given as config", () => {
    it("reads every certificate of a bundle, in order, with the parser's complaint for one that is not", () => {
        const parsed = pemCertificates(
            `${OLD_CA}\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n${CLIENT}`,
        );
        expect(parsed.map((c) => c.index)).to.deep.equal([0, 1, 2]);
        expect(parsed[0].certificate?.subject).to.equal("O=thanos-multicluster\nCN=thanos-multicluster deployment CA");
        expect(parsed[1].certificate).to.equal(undefined);
        expect((parsed[1] as { error: string }).error)
            .to.be.a("string")
            .and.not.equal("");
        expect(parsed[2].certificate?.ca).to.equal(false);
        expect(pemCertificates("no PEM here")).to.deep.equal([]);
    });

    it("accepts CA certificates only, naming each one that would not do", () => {
        expect(caBundleProblems(NEW_CA)).to.deep.equal([]);
        expect(caBundleProblems(`${OLD_CA}${NEW_CA}`)).to.deep.equal([]);
        expect(caBundleProblems(`${NEW_CA}${CLIENT}`)).to.deep.equal([
            "certificate 2 (O=thanos-multicluster, CN=thanos-query) is not a CA certificate",
        ]);
    });

    it("a bundle stops admitting clients when its last CA expires", () => {
        expect(caBundleNotAfterSeconds(OLD_CA)).to.equal(JAN_2027);
        expect(caBundleNotAfterSeconds(`${OLD_CA}${NEW_CA}`)).to.equal(DEC_2036);
        expect(caBundleNotAfterSeconds(`${NEW_CA}${OLD_CA}`)).to.equal(DEC_2036);
        expect(() => caBundleNotAfterSeconds("")).to.throw("no PEM certificate");
    });

    it("parses a bundle once however many stacks ask (a render of a thousand edges asked a thousand times)", () => {
        // The module object itself: certificates.ts reads X509Certificate through it at each call.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const nodeCrypto = require("crypto") as { X509Certificate: new (pem: string) => unknown };
        const X509 = nodeCrypto.X509Certificate;
        let parsed = 0;
        nodeCrypto.X509Certificate = class extends (X509 as new (pem: string) => object) {
            constructor(pem: string) {
                super(pem);
                parsed++;
            }
        };
        try {
            // A text no other test used: not known yet.
            const bundle = `${NEW_CA}\n${OLD_CA}\n\n`;
            expect(caBundleNotAfterSeconds(bundle)).to.equal(DEC_2036);
            expect(parsed).to.equal(2);
            expect(caBundleNotAfterSeconds(bundle)).to.equal(DEC_2036);
            expect(parsed).to.equal(2);
            expect(() => caBundleNotAfterSeconds("no certificate")).to.throw("no PEM certificate");
            expect(() => caBundleNotAfterSeconds("no certificate")).to.throw("no PEM certificate");
        } finally {
            nodeCrypto.X509Certificate = X509;
        }
    });
});

describe("an edge's copy of the deployment CA, seen from the central stack", () => {
    it("finds earlier certificates of the same CA (subject and key) in the edge's PEM, and when the last expires", () => {
        expect(earlierCopiesNotAfter(OLD_CA, NEW_CA)?.toISOString()).to.equal("2027-01-01T00:00:00.000Z");
        expect(earlierCopiesNotAfter(`${OLD_CA}${NEW_CA}`, NEW_CA)?.toISOString()).to.equal("2027-01-01T00:00:00.000Z");
        expect(earlierCopiesNotAfter(NEW_CA, NEW_CA), "the current one is no earlier copy").to.equal(undefined);
        expect(earlierCopiesNotAfter(CLIENT, NEW_CA), "another subject and key").to.equal(undefined);
        const mock = "-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n";
        expect(earlierCopiesNotAfter(OLD_CA, mock), "unparsable: nothing to say").to.equal(undefined);
    });

    it("compares certificates by their base64 body, however wrapped", () => {
        const body = NEW_CA.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
        const rewrapped = `-----BEGIN CERTIFICATE-----\r\n${body.match(/.{1,76}/g)!.join("\r\n")}\r\n-----END CERTIFICATE-----`;
        expect(pemCertificateBodies(`${OLD_CA}${rewrapped}`)[1]).to.equal(pemCertificateBodies(NEW_CA)[0]);
        expect(pemCertificateBodies(OLD_CA)[0]).to.not.equal(pemCertificateBodies(NEW_CA)[0]);
    });
});

describe("what an edge records", () => {
    it("its CA, its server certificate and, once configured, the deployment CA it trusts", () => {
        expect(sidecarCertificateExpiries("2035-12-30T00:00:00Z", "2027-01-01T00:00:00Z", undefined)).to.deep.equal([
            { certificate: "sidecar-ca", notAfterSeconds: 2082585600 },
            { certificate: "sidecar-server", notAfterSeconds: JAN_2027 },
        ]);
        expect(sidecarCertificateExpiries("2035-12-30T00:00:00Z", "2027-01-01T00:00:00Z", OLD_CA)).to.deep.equal([
            { certificate: "sidecar-ca", notAfterSeconds: 2082585600 },
            { certificate: "sidecar-server", notAfterSeconds: JAN_2027 },
            { certificate: "sidecar-client-ca", notAfterSeconds: JAN_2027 },
        ]);
    });
});

describe("the certificate runbook", () => {
    const docs = ["runbooks.md", "operations.md"].map((f) =>
        fs.readFileSync(path.join(__dirname, "..", "docs", f), "utf8"),
    );
    const section = (heading: string) => {
        const doc = docs.find((d) => d.includes(`\n${heading}\n`));
        expect(doc, heading).to.be.a("string");
        const start = doc!.indexOf(`\n${heading}\n`);
        const rest = doc!.slice(start + heading.length + 2);
        return rest.slice(0, rest.search(/\n#{2,4} /));
    };

    it("says what to do for every certificate the alert can name", () => {
        const runbook = section("## CrossClusterCertificateExpiring");
        const table = section("### Certificate expiry and renewal");
        for (const certificate of Object.values(CERTIFICATES)) {
            expect(runbook, `runbook entry for ${certificate}`).to.contain(`- **\`${certificate}\`**`);
            expect(table, `table row for ${certificate}`).to.contain(`| \`${certificate}\` |`);
        }
    });

    it("names, for `pulumi up --replace`, URNs that the stacks declare", async () => {
        const urns = [...section("### Certificate expiry and renewal").matchAll(/`(urn:pulumi:[^`]+)`/g)].map(
            (m) => m[1],
        );
        expect(urns).to.have.length(4);
        const central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const edge = await runCommittedStack("cluster-03");
        const declared = new Set([...central.resources, ...edge.resources].map((r) => r.urn));
        for (const urn of urns) expect(declared, urn).to.include(urn.replace("<stack>", "cluster-03"));
    });
});
