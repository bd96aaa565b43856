// The SDK sends every resource's inputs to the engine as a protobuf Struct, and reads its state back
// from one; under the mock engine nothing crosses a process, yet each registration still built a
// Struct of its inputs, read it back twice (the mocks' copy and the recorder's), built one of the
// mocks' answer and read that back: at a thousand edge stacks, a tenth of the render's CPU and a
// large part of its garbage. In the offline render a Struct holds the plain value instead, and
// reading it back gives a fresh copy, exactly as the round trip through protobuf does: object keys
// sorted (a Struct's map iterates its keys in order), and the same values refused (undefined,
// functions, symbols, bigints) at the same point, when the Struct is built.

import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */
// The protobuf module the SDK itself loads (its generated messages check their fields' classes).
const structModule = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", {
        paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
    }),
) as { Struct: StructClass };
/* eslint-enable @typescript-eslint/no-require-imports */

interface StructInstance {
    toJavaScript(): Record<string, unknown>;
    getFieldsMap(): unknown;
}
interface StructClass {
    new (): StructInstance;
    fromJavaScript(value: Record<string, unknown>): StructInstance;
}

/** A JSON-like value as a Struct's round trip gives it back: keys sorted; throws on what a Struct refuses. */
export function structCopy(value: unknown): unknown {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
        return value;
    if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) copy[i] = structCopy(value[i]);
        return copy;
    }
    if (typeof value === "object") return objectCopy(value as Record<string, unknown>);
    // As protobuf's Value.fromJavaScript refuses it.
    throw new Error("Unexpected struct type.");
}

function objectCopy(value: Record<string, unknown>): Record<string, unknown> {
    const keys: string[] = [];
    // for-in, as Struct.fromJavaScript reads an object: inherited enumerable keys too.
    for (const key in value) keys.push(key);
    keys.sort();
    const copy: Record<string, unknown> = {};
    for (const key of keys) copy[key] = structCopy(value[key]);
    return copy;
}

/** A value already copied by structCopy, copied again without sorting or checking. */
function plainCopy(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return value.map(plainCopy);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = plainCopy((value as Record<string, unknown>)[key]);
    return copy;
}

const protobufFromJavaScript = structModule.Struct.fromJavaScript;
let installed = false;

/** What protobuf's own Struct gives back for `value` (the tests hold structCopy against it). */
export function protobufRoundTrip(value: Record<string, unknown>): Record<string, unknown> {
    return protobufFromJavaScript.call(structModule.Struct, value).toJavaScript();
}

/**
 * Makes every Struct built from a JavaScript object in this process hold that object's copy (see
 * the file's comment). Anything that reads the Struct's fields instead (no SDK path under the mock
 * engine does, but an invoke's answer would) gets the real protobuf map, built then.
 */
export function usePlainStructs(): void {
    if (installed) return;
    installed = true;
    structModule.Struct.fromJavaScript = function (value: Record<string, unknown>): StructInstance {
        const plain = objectCopy(value);
        const struct = new structModule.Struct();
        let real: StructInstance | undefined;
        struct.toJavaScript = () => plainCopy(plain) as Record<string, unknown>;
        struct.getFieldsMap = () => (real ??= protobufFromJavaScript.call(structModule.Struct, plain)).getFieldsMap();
        return struct;
    };
}
