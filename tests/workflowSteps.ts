// The workflows' steps as GitHub runs them: the `run:` text of a step, executed by
// `bash --noprofile --norc -eo pipefail` (the workflows' `shell: bash`) in the project directory,
// with the files GitHub gives a step (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, RUNNER_TEMP)
// and stand-ins first on PATH.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { onPath } from "../offline/binaries";
import { substitute } from "./githubExpressions";

export const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");

/** The system's part of a step's PATH, after the stand-ins and node. */
const SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin"];

// Workflow documents are free-form YAML.

export type Workflow = Record<string, any>;

export function loadWorkflow(file: string): Workflow {
    return yaml.load(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
}

export interface Step {
    name?: string;
    id?: string;
    run?: string;
    uses?: string;
    if?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}

/** A step of a job, by id or name (the first whose name starts with it). */
export function findStep(file: string, job: string, idOrName: string): Step {
    const steps = (loadWorkflow(file).jobs[job]?.steps ?? []) as Step[];
    const found = steps.find((s) => s.id === idOrName) ?? steps.find((s) => s.name?.startsWith(idOrName));
    if (found === undefined) throw new Error(`${file}: job ${job} has no step ${idOrName}`);
    return found;
}

export interface StepRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY as the step left them. */
    output: string;
    githubEnv: string;
    summary: string;
    runnerTemp: string;
}

/** A directory of executable stand-ins, each given as its script text. */
export function stubDir(stubs: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-stubs-"));
    for (const [name, text] of Object.entries(stubs)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o755 });
    return dir;
}

/** A word the shell reads back as `text` (single quotes). */
function shellWord(text: string): string {
    return `'${text.split("'").join("'\\''")}'`;
}

/**
 * npm's `run --silent NAME -- ARGS` (the form every workflow step uses) in `projectDir`, without
 * npm's own start-up: it runs the package's script as npm does (`sh -c`, the arguments after `--`
 * appended as words, node_modules/.bin first on PATH) and hands anything else (another form, another
 * directory, a script it does not know) to `realNpm`. npm costs about 0.25 s of CPU a call before the
 * script starts, and the steps call it dozens of times a test run; tests/workflows.test.ts compares
 * the two.
 */
export function npmRunStandIn(projectDir: string, scripts: Record<string, string>, realNpm: string): string {
    const cases = Object.entries(scripts)
        .map(([name, script]) => `  ${shellWord(name)}) script=${shellWord(script)} ;;`)
        .join("\n");
    return `#!/usr/bin/env bash
set -u
real=${shellWord(realNpm)}
if [ $# -lt 3 ] || [ "$1" != run ] || [ "$2" != --silent ] || [ "\${4:---}" != -- ] || [ "$PWD" != ${shellWord(projectDir)} ]; then
  exec "$real" "$@"
fi
name=$3
shift 3
if [ $# -gt 0 ]; then shift; fi
case "$name" in
${cases}
  *) exec "$real" run --silent "$name" -- "$@" ;;
esac
PATH="$PWD/node_modules/.bin:$PATH" exec sh -c "$script"' "$@"' "$name" "$@"
`;
}

const npmStandIns = new Map<string, string>();

/** A directory holding the npm stand-in for the project in `projectDir` (its package.json as it is now). */
export function npmStandInDir(projectDir: string): string {
    const manifest = fs.readFileSync(path.join(projectDir, "package.json"), "utf8");
    const key = JSON.stringify([projectDir, manifest]);
    let dir = npmStandIns.get(key);
    if (dir === undefined || !fs.existsSync(dir)) {
        const realNpm = onPath("npm", { PATH: [path.dirname(process.execPath), ...SYSTEM_PATH].join(path.delimiter) });
        if (realNpm === undefined) throw new Error("npm not found beside node or on the system PATH");
        const scripts = (JSON.parse(manifest) as { scripts?: Record<string, string> }).scripts ?? {};
        dir = stubDir({ npm: npmRunStandIn(projectDir, scripts, realNpm) });
        npmStandIns.set(key, dir);
    }
    return dir;
}

/**
 * Runs a step's script. `env` is the step's environment beyond GitHub's own files; `path` goes
 * first on PATH, before node and the system's tools.
 */
export function runStep(
    script: string,
    env: Record<string, string>,
    pathFirst: string[] = [],
    /** The job's RUNNER_TEMP, to share with a later step; a new one by default. */
    runnerTemp?: string,
    /** The checkout the step runs in; this project by default. */
    workDir: string = PROJECT_ROOT,
    /** The real npm for `npm run`, not the stand-in (npmRunStandIn). */
    realNpm = false,
): StepRun {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-"));
    if (runnerTemp === undefined) {
        runnerTemp = path.join(home, "runner-temp");
        fs.mkdirSync(runnerTemp);
    }
    const files = { output: "output", githubEnv: "env", summary: "summary" };
    for (const f of Object.values(files)) fs.writeFileSync(path.join(home, f), "");
    const scriptFile = path.join(home, "step.sh");
    fs.writeFileSync(scriptFile, script);
    const nodeDir = path.dirname(process.execPath);
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", scriptFile], {
        cwd: workDir,
        encoding: "utf8",
        timeout: 60000,
        env: {
            PATH: [...pathFirst, ...(realNpm ? [] : [npmStandInDir(workDir)]), nodeDir, ...SYSTEM_PATH].join(
                path.delimiter,
            ),
            HOME: home,
            // No machine's own `pulumi login` leaks in.
            PULUMI_CREDENTIALS_PATH: home,
            // GitHub sets CI on every runner. npm reads it too: without it, each `npm run` in a new
            // HOME would ask the registry for a newer npm (its update notifier) before running.
            CI: "true",
            RUNNER_TEMP: runnerTemp,
            GITHUB_OUTPUT: path.join(home, files.output),
            GITHUB_ENV: path.join(home, files.githubEnv),
            GITHUB_STEP_SUMMARY: path.join(home, files.summary),
            NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? "",
            // The test run's temporary folder (tests/run.sh removes it after the run): what a step's
            // processes leave there (the Pulumi automation API's log folders) goes with it.
            TMPDIR: os.tmpdir(),
            ...env,
        },
    });
    const read = (f: string) => fs.readFileSync(path.join(home, f), "utf8");
    return {
        status: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        output: read(files.output),
        githubEnv: read(files.githubEnv),
        summary: read(files.summary),
        runnerTemp,
    };
}

/** A `pulumi` stand-in for the workflow's shell steps: logs each call's arguments and stdin as JSON lines to $STUB_LOG; stacks exist once `stack select --create` made them or when listed in $STUB_STACKS. */
export const PULUMI_SHELL_STUB = `#!/usr/bin/env bash
set -u
stdin=""
if [ "\${1:-} \${2:-}" = "config set" ]; then stdin=$(cat); fi
# JSON strings in bash, not a node process per call, nor a subshell per string (json answers in
# REPLY): backslash, quote, newline, CR and tab escaped.
json() { local s=$1; s=\${s//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}; s=\${s//$'\\n'/\\\\n}; s=\${s//$'\\r'/\\\\r}; s=\${s//$'\\t'/\\\\t}; REPLY="\\"$s\\""; }
line='{"args":['
sep=""
for a in "$@"; do json "$a"; line+="$sep$REPLY"; sep=","; done
json "$stdin"; line+="],\\"stdin\\":$REPLY}"
printf '%s\\n' "$line" >> "$STUB_LOG"
stack=""; prev=""
for a in "$@"; do [ "$prev" = --stack ] && stack=$a; prev=$a; done
exists() { grep -qxF -- "$stack" "$STUB_LOG.stacks" 2>/dev/null || case ",\${STUB_STACKS:-}," in *",$stack,"*) true ;; *) false ;; esac; }
case "\${1:-} \${2:-}" in
  "stack select")
    if exists; then exit 0; fi
    case " $* " in *" --create "*) echo "$stack" >> "$STUB_LOG.stacks"; echo "Created stack '$stack'"; exit 0 ;; esac
    echo "error: no stack named '$stack' found" >&2; exit 255 ;;
  "config set")
    if exists; then exit 0; fi
    echo "error: no stack named '$stack' found" >&2; exit 255 ;;
esac
echo "error: the stub does not know pulumi $*" >&2
exit 255
`;

/**
 * A job's or step's `env:` with its expressions evaluated as GitHub does: `secrets.X` from `secrets`
 * (empty when the repository has no such secret, as on GitHub), `inputs.X` from `inputs`, and the
 * other contexts (`vars`, `steps`) from `contexts`; a missing value is empty text.
 */
export function resolveEnv(
    env: Record<string, string> | undefined,
    secrets: Record<string, string>,
    inputs: Record<string, string> = {},
    contexts: Record<string, unknown> = {},
): Record<string, string> {
    const context = { vars: {}, steps: {}, ...contexts, secrets, inputs };
    return Object.fromEntries(
        Object.entries(env ?? {}).map(([name, value]) => [name, substitute(String(value), context)]),
    );
}

/** The variables a step wrote to GITHUB_ENV (`NAME=value` lines), as the job's later steps see them. */
export function parseGithubEnv(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}
