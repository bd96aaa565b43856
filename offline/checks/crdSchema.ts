// Checks a custom resource against the OpenAPI v3 schema of its CustomResourceDefinition, the way
// the API server would: types, enums, patterns, required fields, and the fields it would prune
// (a key its structural schema does not declare disappears silently on apply).
// x-kubernetes-validations (CEL) rules are not evaluated.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { cachedByContent } from "../contentCache";

export interface CrdSchemaProblem {
    /** Dotted path inside the object (`spec.thanos.objectStorageConfig`). */
    field: string;
    message: string;
}

interface OpenApiSchema {
    type?: string;
    properties?: Record<string, OpenApiSchema>;
    additionalProperties?: boolean | OpenApiSchema;
    items?: OpenApiSchema;
    required?: string[];
    enum?: unknown[];
    pattern?: string;
    format?: string;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    anyOf?: OpenApiSchema[];
    allOf?: OpenApiSchema[];
    nullable?: boolean;
    "x-kubernetes-int-or-string"?: boolean;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
    "x-kubernetes-embedded-resource"?: boolean;
}

/** The schemas of every CRD in a folder of YAML files, by `<group>/<version> <Kind>`. */
export function loadCrdSchemas(dir: string): Map<string, OpenApiSchema> {
    const files = fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    // Parsed once per distinct set of CRD files (offline/contentCache.ts): the chart's CRDs are
    // megabytes of YAML, and every mocha worker and validate read them.
    const entries = cachedByContent("crd-schemas", files, () => {
        const found: [string, OpenApiSchema][] = [];
        for (const text of files) {
            for (const doc of yaml.loadAll(text) as any[]) {
                if (doc?.kind !== "CustomResourceDefinition") continue;
                for (const version of doc.spec.versions ?? []) {
                    const schema = version.schema?.openAPIV3Schema;
                    if (schema !== undefined)
                        found.push([`${doc.spec.group}/${version.name} ${doc.spec.names.kind}`, schema]);
                }
            }
        }
        return found;
    });
    return new Map(entries);
}

/** The schema key of an object (`monitoring.coreos.com/v1 Prometheus`). */
export function crdKey(object: { apiVersion?: string; kind?: string }): string {
    return `${object.apiVersion} ${object.kind}`;
}

/** Every problem of the object against the schema; empty when the API server would take it as written. */
export function crdSchemaProblems(object: unknown, schema: OpenApiSchema): CrdSchemaProblem[] {
    const problems: CrdSchemaProblem[] = [];
    walk(object, schema, "", problems, true);
    return problems;
}

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function walk(value: unknown, schema: OpenApiSchema, at: string, problems: CrdSchemaProblem[], root = false): void {
    const add = (message: string) => problems.push({ field: at === "" ? "(object)" : at, message });
    if (value === null) {
        if (schema.nullable !== true) add("is null, which the schema does not allow");
        return;
    }
    for (const part of schema.allOf ?? []) walk(value, part, at, problems);
    if (schema.anyOf !== undefined && !schema["x-kubernetes-int-or-string"]) {
        const fits = schema.anyOf.some((option) => {
            const sub: CrdSchemaProblem[] = [];
            walk(value, { ...option }, at, sub);
            return sub.length === 0;
        });
        if (!fits) add(`matches none of the schema's alternatives (${JSON.stringify(value)})`);
    }
    const actual = typeOf(value);
    if (schema["x-kubernetes-int-or-string"]) {
        if (actual !== "integer" && actual !== "string") add(`must be an integer or a string; got ${actual}`);
        return;
    }
    if (schema.type !== undefined) {
        const fits = schema.type === actual || (schema.type === "number" && actual === "integer");
        if (!fits) {
            add(`must be ${schema.type}; got ${actual} (${JSON.stringify(value)})`);
            return;
        }
    }
    if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
        add(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}; got ${JSON.stringify(value)}`);
    if (typeof value === "string") {
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
            add(`"${value}" does not match the pattern ${schema.pattern}`);
        if (schema.minLength !== undefined && value.length < schema.minLength)
            add(`must be at least ${schema.minLength} characters long`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength)
            add(`must be at most ${schema.maxLength} characters long`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) add(`must be at least ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) add(`must be at most ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems)
            add(`must have at least ${schema.minItems} items`);
        if (schema.items !== undefined) value.forEach((item, i) => walk(item, schema.items!, `${at}[${i}]`, problems));
        return;
    }
    if (typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
        if (!(key in record)) problems.push({ field: at === "" ? key : `${at}.${key}`, message: "is required" });
    }
    const embedded = schema["x-kubernetes-embedded-resource"] === true;
    for (const [key, child] of Object.entries(record)) {
        const where = at === "" ? key : `${at}.${key}`;
        // apiVersion, kind and metadata are the API server's, at the root and in embedded resources.
        if ((root || embedded) && ["apiVersion", "kind", "metadata"].includes(key)) continue;
        const property = schema.properties?.[key];
        if (property !== undefined) {
            walk(child, property, where, problems);
        } else if (typeof schema.additionalProperties === "object") {
            walk(child, schema.additionalProperties, where, problems);
        } else if (schema.additionalProperties !== true && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
            problems.push({ field: where, message: "is not a field of the schema: the API server would drop it" });
        }
    }
}
