// Runs the project's TypeScript in Node.js without type-checking (`tsc --noEmit` does that), like
// `ts-node --transpile-only`, with the compiled JavaScript kept on disk: each file is compiled once
// and then read back in every later process (`npm run render`, `npm run validate`, each mocha
// worker, each test's child process) until its source, tsconfig.json or TypeScript changes.
// TypeScript itself (half a second to load) is only loaded when a file needs compiling. Stack traces
// keep pointing at the .ts lines: the output carries an inline source map and Node.js applies it.
//
// Use: `node -r ./offline/tsRegister.cjs file.ts`; mocha's .mocharc.cjs requires it.
// `node offline/tsRegister.cjs --precompile` compiles every file ahead (npm test does, first).
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.THANOS_TS_CACHE_DIR || path.join(PROJECT_ROOT, "node_modules", ".cache", "thanos-ts");
const TSCONFIG = fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8");
const TS_VERSION = require("typescript/package.json").version;
/** Bump when the way files are compiled below changes. */
const COMPILER_REVISION = "2";

let typescript;
let compilerOptions;

function transpile(source, filename) {
    if (typescript === undefined) {
        typescript = require("typescript");
        const parsed = typescript.parseConfigFileTextToJson("tsconfig.json", TSCONFIG);
        const converted = typescript.convertCompilerOptionsFromJson(parsed.config.compilerOptions, PROJECT_ROOT);
        compilerOptions = {
            ...converted.options,
            // One file at a time: what `isolatedModules` allows, as ts-node's transpile-only mode does.
            isolatedModules: true,
            // The source map's paths are relative to where the output would go: next to the source.
            outDir: undefined,
            rootDir: undefined,
            noEmit: false,
            declaration: false,
            sourceMap: false,
            inlineSourceMap: true,
            inlineSources: true,
        };
    }
    const output = typescript.transpileModule(source, {
        compilerOptions,
        fileName: filename,
        reportDiagnostics: false,
    });
    return output.outputText;
}

function compiled(source, filename) {
    // The output depends on the file's name only through its source map, which names the file
    // without its folder: keyed by the path inside the project, a checkout copy of the project
    // (the workflow tests run `npm run ...` in one) reads what the project compiled.
    const key = crypto
        .createHash("sha256")
        .update(`${COMPILER_REVISION}\0${TS_VERSION}\0${TSCONFIG}\0${path.relative(PROJECT_ROOT, filename)}\0${source}`)
        .digest("hex");
    const cached = path.join(CACHE_DIR, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // Not compiled yet.
    }
    const javascript = transpile(source, filename);
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        // Written under a unique name, then renamed: processes compiling the same file at once
        // (mocha's workers) never read a half-written file.
        const partial = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
        fs.writeFileSync(partial, javascript);
        fs.renameSync(partial, cached);
    } catch {
        // A read-only tree still runs, compiling each time.
    }
    return javascript;
}

/** Every .ts file of the project outside node_modules and out/. */
function projectFiles(dir = PROJECT_ROOT) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return ["node_modules", "out", ".git"].includes(entry.name) ? [] : projectFiles(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

if (require.main === module) {
    // `node offline/tsRegister.cjs --precompile`: fills the cache in one process, so that the
    // processes `npm test` starts at once (mocha's workers, the render) do not each compile
    // everything on a fresh clone.
    if (process.argv[2] !== "--precompile") {
        console.error("usage: node offline/tsRegister.cjs --precompile");
        process.exit(2);
    }
    for (const file of projectFiles()) compiled(fs.readFileSync(file, "utf8"), file);
} else {
    require.extensions[".ts"] = function loadTypeScript(module, filename) {
        module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
    };
    process.setSourceMapsEnabled(true);
}
