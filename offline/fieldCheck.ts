// Unknown-field check for Kubernetes objects. kubernetes-models validates types and required
// fields but accepts any extra key, and the API server would drop a misspelt field silently (or
// reject it, with strict field validation). This walks each object against the TypeScript
// interfaces kubernetes-models generates from the OpenAPI schemas and the CRDs, and reports every
// key the schema does not have.

import * as path from "path";
import type * as TypeScript from "typescript";
import { cachedByContent, packageVersions } from "./contentCache";

type ts = typeof TypeScript;

/** Module of the kubernetes-models interface for an apiVersion. */
const MODEL_MODULES: Record<string, string> = {
    v1: "kubernetes-models/v1",
    "apps/v1": "kubernetes-models/apps/v1",
    "policy/v1": "kubernetes-models/policy/v1",
    "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
    "cilium.io/v2alpha1": "@kubernetes-models/cilium/cilium.io/v2alpha1",
    "cilium.io/v2": "@kubernetes-models/cilium/cilium.io/v2",
    "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
    "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1": "kubernetes-models/storage.k8s.io/v1",
    "batch/v1": "kubernetes-models/batch/v1",
    "admissionregistration.k8s.io/v1": "kubernetes-models/admissionregistration.k8s.io/v1",
};

export function modelModule(apiVersion: string, kind: string): string | undefined {
    const base = MODEL_MODULES[apiVersion];
    return base === undefined ? undefined : `${base}/${kind}`;
}

/** A real dynamic import of an ESM-only package: TypeScript's CommonJS output would turn import() into require(). */
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** The kubernetes-models class of a kind (with its validate()), or undefined for an unknown apiVersion. */
export async function modelClass(apiVersion: string, kind: string): Promise<any> {
    const base = MODEL_MODULES[apiVersion];
    return base === undefined ? undefined : (await importEsm(base))[kind];
}

/**
 * The compiler program is built on the first object whose answer is not cached (it takes seconds:
 * the compiler loads, then the interfaces of every kind asked for); answers are cached by the
 * object's content and the packages' versions (offline/contentCache.ts).
 */
export class FieldChecker {
    private compiled?: { ts: ts; checker: TypeScript.TypeChecker; types: Map<string, TypeScript.Type> };
    private readonly versions: Record<string, string>;

    constructor(
        private readonly kinds: { apiVersion: string; kind: string }[],
        private readonly projectRoot: string,
    ) {
        // The packages whose types decide the answer: part of every cached result's key.
        this.versions = packageVersions(
            "typescript",
            "kubernetes-models",
            "@kubernetes-models/cilium",
            "@kubernetes-models/prometheus-operator",
        );
    }

    /** Compiles one virtual file importing the interface of every kind asked for. */
    private compile(): NonNullable<FieldChecker["compiled"]> {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ts = require("typescript") as ts;
        const unique = [...new Map(this.kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
        const lines: string[] = [];
        unique.forEach(({ apiVersion, kind }, i) => {
            const module = modelModule(apiVersion, kind);
            if (module === undefined) throw new Error(`no schema known for apiVersion ${apiVersion}`);
            lines.push(`import type { I${kind} as T${i} } from "${module}";`, `export type K${i} = T${i};`);
        });
        const fileName = path.join(this.projectRoot, "__field_check__.ts");
        const options: TypeScript.CompilerOptions = {
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            moduleResolution: ts.ModuleResolutionKind.Node10,
            target: ts.ScriptTarget.ES2022,
        };
        const host = ts.createCompilerHost(options);
        const getSourceFile = host.getSourceFile.bind(host);
        host.getSourceFile = (name, languageVersion, ...rest) =>
            name === fileName
                ? ts.createSourceFile(name, lines.join("\n"), languageVersion)
                : getSourceFile(name, languageVersion, ...rest);
        const fileExists = host.fileExists.bind(host);
        host.fileExists = (name) => name === fileName || fileExists(name);
        const program = ts.createProgram([fileName], options, host);
        const checker = program.getTypeChecker();
        const source = program.getSourceFile(fileName)!;
        const aliases = source.statements.filter(ts.isTypeAliasDeclaration);
        const types = new Map<string, TypeScript.Type>();
        unique.forEach(({ apiVersion, kind }, i) => {
            const type = checker.getTypeAtLocation(aliases[i].name);
            if (type.getProperties().length === 0)
                throw new Error(
                    `could not load the schema of ${apiVersion} ${kind} from ${modelModule(apiVersion, kind)}`,
                );
            types.set(`${apiVersion}/${kind}`, type);
        });
        return { ts, checker, types };
    }

    /** Dotted paths of every key of the object that its kind's schema does not define. */
    unknownFields(object: Record<string, unknown>): string[] {
        const kind = `${object.apiVersion}/${object.kind}`;
        if (!this.kinds.some((k) => `${k.apiVersion}/${k.kind}` === kind))
            throw new Error(`no schema loaded for ${object.apiVersion} ${object.kind}`);
        return cachedByContent("kubernetes-unknown-fields", { versions: this.versions, object }, () => {
            this.compiled ??= this.compile();
            const type = this.compiled.types.get(kind)!;
            const found: string[] = [];
            this.walk(object, type, "", found);
            return found;
        });
    }

    private walk(value: unknown, type: TypeScript.Type, at: string, found: string[]): void {
        if (value === null || typeof value !== "object") return;
        const { checker } = this.compiled!;
        const candidates = this.objectMembers(checker.getNonNullableType(type));
        if (candidates.length === 0) return;
        if (Array.isArray(value)) {
            const element = candidates.map((t) => this.arrayElement(t)).find((t) => t !== undefined);
            if (element !== undefined) value.forEach((item, i) => this.walk(item, element, `${at}[${i}]`, found));
            return;
        }
        for (const [key, child] of Object.entries(value)) {
            const where = at === "" ? key : `${at}.${key}`;
            const property = candidates.map((t) => t.getProperty(key)).find((p) => p !== undefined);
            if (property !== undefined) {
                this.walk(child, checker.getTypeOfSymbol(property), where, found);
                continue;
            }
            const indexType = candidates.map((t) => t.getStringIndexType()).find((t) => t !== undefined);
            if (indexType !== undefined) {
                this.walk(child, indexType, where, found);
                continue;
            }
            // A type with no declared properties (free-form objects) accepts any key.
            if (candidates.every((t) => t.getProperties().length > 0)) found.push(where);
        }
    }

    /** The object-like members of a (possibly union) type. */
    private objectMembers(type: TypeScript.Type): TypeScript.Type[] {
        const members = type.isUnion() ? type.types : [type];
        return members.filter((t) => (t.flags & this.compiled!.ts.TypeFlags.Object) !== 0);
    }

    private arrayElement(type: TypeScript.Type): TypeScript.Type | undefined {
        const { checker } = this.compiled!;
        if (checker.isArrayType(type) || checker.isTupleType(type)) {
            return checker.getTypeArguments(type as TypeScript.TypeReference)[0];
        }
        return undefined;
    }
}
