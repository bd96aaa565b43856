// Unknown-field check for Kubernetes objects. kubernetes-models validates types and required
// fields but accepts any extra key, and the API server would drop a misspelt field silently (or
// reject it, with strict field validation). This walks each object against the TypeScript
// interfaces kubernetes-models generates from the OpenAPI schemas and the CRDs, and reports every
// key the schema does not have.

import * as path from "path";
import * as ts from "typescript";

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

export class FieldChecker {
    private readonly checker: ts.TypeChecker;
    private readonly types = new Map<string, ts.Type>();

    /** Compiles one virtual file importing the interface of every kind asked for. */
    constructor(kinds: { apiVersion: string; kind: string }[], projectRoot: string) {
        const unique = [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
        const lines: string[] = [];
        unique.forEach(({ apiVersion, kind }, i) => {
            const module = modelModule(apiVersion, kind);
            if (module === undefined) throw new Error(`no schema known for apiVersion ${apiVersion}`);
            lines.push(`import type { I${kind} as T${i} } from "${module}";`, `export type K${i} = T${i};`);
        });
        const fileName = path.join(projectRoot, "__field_check__.ts");
        const options: ts.CompilerOptions = {
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
        this.checker = program.getTypeChecker();
        const source = program.getSourceFile(fileName)!;
        const aliases = source.statements.filter(ts.isTypeAliasDeclaration);
        unique.forEach(({ apiVersion, kind }, i) => {
            const type = this.checker.getTypeAtLocation(aliases[i].name);
            if (type.getProperties().length === 0)
                throw new Error(
                    `could not load the schema of ${apiVersion} ${kind} from ${modelModule(apiVersion, kind)}`,
                );
            this.types.set(`${apiVersion}/${kind}`, type);
        });
    }

    /** Dotted paths of every key of the object that its kind's schema does not define. */
    unknownFields(object: Record<string, unknown>): string[] {
        const type = this.types.get(`${object.apiVersion}/${object.kind}`);
        if (type === undefined) throw new Error(`no schema loaded for ${object.apiVersion} ${object.kind}`);
        const found: string[] = [];
        this.walk(object, type, "", found);
        return found;
    }

    private walk(value: unknown, type: ts.Type, at: string, found: string[]): void {
        if (value === null || typeof value !== "object") return;
        const candidates = this.objectMembers(this.checker.getNonNullableType(type));
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
                this.walk(child, this.checker.getTypeOfSymbol(property), where, found);
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
    private objectMembers(type: ts.Type): ts.Type[] {
        const members = type.isUnion() ? type.types : [type];
        return members.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
    }

    private arrayElement(type: ts.Type): ts.Type | undefined {
        if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
            return this.checker.getTypeArguments(type as ts.TypeReference)[0];
        }
        return undefined;
    }
}
