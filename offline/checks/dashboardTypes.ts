// Grafana dashboards against the types of Grafana's foundation SDK (generated from Grafana's own
// dashboard schema), by the TypeScript compiler: unknown keys and wrong enum values included.

import * as path from "path";
import type * as TypeScript from "typescript";
import { cachedByContent, packageVersions } from "../contentCache";
import { PROJECT_ROOT } from "../projectRoot";
import type { DashboardProblem, FoundDashboard } from "./dashboards";

const SDK = "@grafana/grafana-foundation-sdk";
const SDK_DIST = path.join(PROJECT_ROOT, "node_modules", "@grafana", "grafana-foundation-sdk", "dist");

// JSON cannot carry the SDK's marker methods, and holds enum values as plain strings: Json<T> is
// the JSON form of T (string enums become the union of their values, so a wrong value fails).
const SCHEMA_PRELUDE = `
import type * as dashboard from "${SDK}/dashboard";
import type * as prometheus from "${SDK}/prometheus";
import type * as stat from "${SDK}/stat";
import type * as table from "${SDK}/table";
import type * as timeseries from "${SDK}/timeseries";
type Json<T> = T extends (...args: any[]) => any ? never
    : T extends string ? \`\${T}\`
    : T extends readonly (infer U)[] ? Json<U>[]
    : T extends object ? { [K in keyof T as K extends \`_implements\${string}\` ? never : K]: Json<T[K]> }
    : T;
type Common = Omit<Json<dashboard.Panel>, "type" | "targets" | "options"> & { targets?: Json<prometheus.Dataquery>[] };
type PanelJson =
    | (Common & { type: "timeseries"; options?: Json<timeseries.Options> })
    | (Common & { type: "stat"; options?: Json<stat.Options> })
    | (Common & { type: "table"; options?: Json<table.Options> });
type RowJson = Omit<Json<dashboard.RowPanel>, "panels"> & { panels: PanelJson[] };
type DashboardJson = Omit<Json<dashboard.Dashboard>, "panels"> & { panels?: (PanelJson | RowJson)[] };
`;

/**
 * Type-checks each dashboard's JSON against the SDK's Dashboard type (panels of the types we use:
 * timeseries, stat, table and rows). Returns one problem per compiler diagnostic.
 */
export function sdkSchemaProblems(dashboards: FoundDashboard[]): DashboardProblem[] {
    const parsed = dashboards.filter((d) => d.json !== undefined);
    if (parsed.length === 0) return [];
    const file = path.join(PROJECT_ROOT, "offline", "checks", "__dashboards_schema_check__.ts");
    const declarations = parsed.map(
        (d, i) => `export const dashboard${i}: DashboardJson = ${JSON.stringify(d.json, null, 1)};\n`,
    );
    const source = SCHEMA_PRELUDE + declarations.join("");
    const starts: number[] = [];
    let offset = SCHEMA_PRELUDE.length;
    for (const declaration of declarations) {
        starts.push(offset);
        offset += declaration.length;
    }
    const key = {
        versions: packageVersions("typescript", SDK),
        source,
        where: parsed.map((d) => d.where),
    };
    return cachedByContent("grafana-sdk-types", key, () => compileDashboards(file, source, starts, parsed));
}

function compileDashboards(
    file: string,
    source: string,
    starts: number[],
    parsed: FoundDashboard[],
): DashboardProblem[] {
    // Loaded here, not at import: the compiler takes half a second to load, and the result is
    // usually cached.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof TypeScript;
    const options: TypeScript.CompilerOptions = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        lib: ["lib.es2022.d.ts"],
        types: [],
        baseUrl: PROJECT_ROOT,
        paths: { [`${SDK}/*`]: [path.join(SDK_DIST, "*")] },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
        path.resolve(name) === file
            ? ts.createSourceFile(name, source, version)
            : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => {
        const index =
            d.file && path.resolve(d.file.fileName) === file && d.start !== undefined
                ? starts.filter((s) => s <= d.start!).length - 1
                : -1;
        const where = index >= 0 ? parsed[index].where : (d.file?.fileName ?? "(schema check)");
        const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
        return {
            where,
            field: "(Grafana schema)",
            message: message.length > 400 ? `${message.slice(0, 400)}...` : message,
        };
    });
}
