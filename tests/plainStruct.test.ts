// The offline render's Structs (offline/plainStruct.ts) give back what protobuf's round trip gives:
// the same values, keys in the same order, the same refusals; and a registration builds no protobuf
// Value any more (each was a fresh message per field, at every level of every resource's inputs).

import { expect } from "chai";
import { protobufRoundTrip, structCopy, usePlainStructs } from "../offline/plainStruct";
import { runCommittedStack } from "./helpers";

/* eslint-disable @typescript-eslint/no-require-imports */
const protobuf = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", {
        paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))],
    }),
) as {
    Struct: { fromJavaScript(v: unknown): { toJavaScript(): unknown; getFieldsMap(): { getLength(): number } } };
    Value: { fromJavaScript(v: unknown): unknown };
};
/* eslint-enable @typescript-eslint/no-require-imports */

const sample = {
    zeta: "last",
    alpha: { b: [3, -1.5, 0, null, true, false, "", { y: 1, x: [[], {}] }], a: "é" },
    "10": "integer-like key",
    "9": "another",
    _under: null,
    Upper: { nested: { deeper: ["a", { c: 2, b: 1 }] } },
    "spaces and:colons": 1e21,
    "4dabf18193072939515e22adb298388d": "a secret marker's key",
};

describe("the offline render's Structs", () => {
    it("let an edge stack register its resources without building protobuf Values", async () => {
        const original = protobuf.Value.fromJavaScript;
        let values = 0;
        protobuf.Value.fromJavaScript = function (value: unknown) {
            values++;
            return original.call(this, value);
        };
        try {
            const run = await runCommittedStack("cluster-02");
            // Only a replacementTrigger (the sidecars' CA key) is sent as a bare Value; each
            // resource's inputs and state were thousands of them.
            expect(run.resources.length).to.be.greaterThan(30);
            expect(values).to.be.lessThan(5);
        } finally {
            protobuf.Value.fromJavaScript = original;
        }
    });

    it("copy a value as protobuf's round trip does, key order included", () => {
        const copy = structCopy(sample);
        const roundTrip = protobufRoundTrip(sample);
        expect(copy).to.deep.equal(roundTrip);
        expect(JSON.stringify(copy)).to.equal(JSON.stringify(roundTrip));
        // Sorted, not as written: the round trip reorders.
        expect(JSON.stringify(roundTrip)).to.not.equal(JSON.stringify(sample));
    });

    it("refuse what protobuf refuses", () => {
        for (const bad of [{ a: undefined }, { a: [1, undefined] }, { a: () => 1 }, { a: Symbol("s") }, { a: 1n }]) {
            expect(() => protobufRoundTrip(bad as Record<string, unknown>)).to.throw("Unexpected struct type");
            expect(() => structCopy(bad)).to.throw("Unexpected struct type");
        }
    });

    it("once installed (the stack runner installs them), give a fresh copy on every read, and the real fields where asked", () => {
        usePlainStructs();
        const struct = protobuf.Struct.fromJavaScript(sample);
        const first = struct.toJavaScript();
        expect(first).to.deep.equal(protobufRoundTrip(sample));
        expect(struct.toJavaScript()).to.not.equal(first);
        (first as Record<string, unknown>).zeta = "changed";
        expect((struct.toJavaScript() as Record<string, unknown>).zeta).to.equal("last");
        expect(struct.getFieldsMap().getLength()).to.equal(Object.keys(sample).length);
    });
});
