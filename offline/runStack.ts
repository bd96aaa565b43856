// Runs the program for one stack under Pulumi's mock engine and records what it declares: every
// resource with its type, name, parent, provider and inputs, and the stack outputs. Secrets keep
// Pulumi's secret marker so that the writers can print them as [secret].

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackOutputsByName, newMocks } from "./mockEngine";
import { useRenderOnlyDeploymentCaWhereMissing } from "../config/pki";
import { renderOnlyDeploymentCa } from "./pki/ca";
import { usePlainStructs } from "./plainStruct";

// Internal SDK modules: the mock monitor (to see each registration's parent and provider) and the
// wire format of properties (secret markers).
/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): any;
    waitForRPCs(): Promise<void>;
};
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(struct: any): any;
    specialSigKey: string;
    specialSecretSig: string;
    unknownValue: string;
};
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
};
const resource = require("@pulumi/pulumi/resource") as { Resource: { callsites(): unknown[] } };
const outputModule = require("@pulumi/pulumi/output") as { unknown: unknown };
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
/* eslint-enable @typescript-eslint/no-require-imports */

import { PROJECT_ROOT } from "./projectRoot";
export { PROJECT_ROOT };

/**
 * Pulumi captures a stack trace for every promise it creates (for its report of promises left
 * pending at exit) and an unbounded one for every resource (the source position it sends the
 * engine). With source maps on, each frame is mapped through source maps: at 100 edges that was a quarter
 * of the render's time and a third of its memory. The mock engine discards source positions, so
 * the offline render captures neither; the pending-promise report still names each promise's
 * context. Errors are untouched: an error the program throws keeps its own, source-mapped, stack
 * (tests/renderScale.test.ts checks that it names the file and line).
 *
 * The SDK's debuggablePromise built an Error even with no frame to capture (at a thousand edges, a
 * twentieth of the render's CPU): after the first promise, which schedules the SDK's report of
 * pending promises at exit, the same bookkeeping is done here without one, in the same promise
 * chain (so everything settles in the same order).
 */
function keepStackCaptureOutOfRender(): void {
    const original = debuggable.debuggablePromise;
    let reportScheduled = false;
    let nextId = 0;
    debuggable.debuggablePromise = function <T>(p: Promise<T>, ctx: unknown): Promise<T> {
        if (!reportScheduled) {
            reportScheduled = true;
            const limit = Error.stackTraceLimit;
            Error.stackTraceLimit = 0;
            try {
                return original(p, ctx);
            } finally {
                Error.stackTraceLimit = limit;
            }
        }
        const { leakCandidates } = state.getStore();
        // What the SDK's report prints of a promise left pending (non-enumerable, as the SDK sets them).
        Object.defineProperty(p, "_debugId", { writable: true, value: `offline-${nextId++}` });
        Object.defineProperty(p, "_debugCtx", { writable: true, value: ctx });
        Object.defineProperty(p, "_debugStackTrace", { writable: true, value: "(not captured offline)" });
        leakCandidates.add(p);
        return p
            .then((value) => {
                leakCandidates.delete(p);
                return value;
            })
            .catch((err: any) => {
                leakCandidates.delete(p);
                // As the SDK does (a primitive rejection reason turns into its TypeError here too).
                err.promise = p;
                throw err;
            });
    };
    resource.Resource.callsites = () => [];
}
keepStackCaptureOutOfRender();
usePlainStructs();
const PROJECT_NAME = "thanos-multicluster";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource, if any. */
    parent?: string;
    /** URN of the provider resource, if one was given explicitly. */
    provider?: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** Inputs as sent to the engine; secrets are wrapped in Pulumi's secret marker. */
    inputs: Record<string, unknown>;
    /** The id of an existing resource to adopt (the `import` resource option), where set. */
    import?: string;
    /** The `protect` and `retainOnDelete` resource options, where set. */
    protect?: true;
    retainOnDelete?: true;
    /** URNs the resource depends on (dependsOn and the resources behind its input Outputs); not written to out/. */
    dependencies?: string[];
    /** The `deleteBeforeReplace` resource option, where set. */
    deleteBeforeReplace?: true;
    /**
     * The resource's aliases, where it has any: URNs (as the SDK resolved them), or alias specs
     * (name, type, parent URN) where the engine resolves them; not written to out/.
     */
    aliases?: (string | Record<string, unknown>)[];
    /** The `replacementTrigger` resource option, where set: a change replaces the resource. */
    replacementTrigger?: unknown;
}

export interface StackRun {
    stack: string;
    /** Every registered resource, in registration order. */
    resources: RecordedResource[];
    /** Stack outputs; secret ones are wrapped in Pulumi's secret marker. */
    outputs: Record<string, unknown>;
    /** Names of outputs that are secret. */
    secretOutputNames: string[];
}

/** A registration's aliases: URNs, or alias specs as plain objects. */
// The request is the SDK's generated protobuf class, untyped here as in the monitor hook.

function aliasesOf(req: any): (string | Record<string, unknown>)[] {
    const urns: string[] = req.getAliasurnsList?.() ?? [];
    const specs: Record<string, unknown>[] = (req.getAliasesList?.() ?? []).map((alias: any) => {
        const object = alias.toObject();
        return object.urn ? object.urn : object.spec;
    });
    return [...urns, ...specs];
}

export interface RunStackOptions {
    /** Stack name, e.g. cluster-02. */
    stack: string;
    /** The stack file's `config:` map (full keys such as thanos-multicluster:role), values as parsed YAML. */
    config: Record<string, unknown>;
    /** Secret config values by full key; passed to the program as secret config. */
    secrets?: Record<string, string>;
    /** Outputs of stacks this one references. */
    stackOutputs?: StackOutputsByName;
    /** The program's entry module; index.ts by default. */
    program?: string;
    /** Play `pulumi preview`: values computed at deployment are unknown. */
    preview?: boolean;
    /**
     * Where the project has no pki/deployment-ca.pem (and the central stack no key), stand in the
     * render-only deployment CA (offline/pki/ca.ts); true by default. False plays the real CLI's run,
     * which refuses.
     */
    renderOnlyDeploymentCa?: boolean;
    /** The organization the stack lives in (`pulumi.getOrganization()`); `organization`, a self-managed backend's, by default. */
    organization?: string;
}

/** A stack run that failed, with what it had registered by then (nothing, for a config error). */
export class StackRunError extends Error {
    constructor(
        public readonly stack: string,
        public readonly error: unknown,
        public readonly resources: RecordedResource[],
    ) {
        super(error instanceof Error ? error.message : String(error));
        this.name = "StackRunError";
    }
}

/** Is this a Pulumi secret marker as found in recorded inputs and outputs? */
export function isSecretMarker(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig
    );
}

/** Is this Pulumi's unknown value (a value only known after deployment), on the wire or deserialized? */
export function isUnknownValue(value: unknown): boolean {
    return value === rpc.unknownValue || value === outputModule.unknown;
}

/** The root stack resource's type: the engine leaves it out of its children's URNs. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A URN as the engine builds it: the type part is the parent's whole qualified type chain, then the
 * resource's type (`parentType$childType`), except under the root stack. The mock monitor keeps only
 * the parent's last type.
 */
export function engineUrn(
    stack: string,
    project: string,
    parentUrn: string | undefined,
    type: string,
    name: string,
): string {
    let qualifiedType = type;
    if (parentUrn) {
        const parentType = parentUrn.split("::")[2];
        if (parentType !== ROOT_STACK_TYPE) qualifiedType = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

function wrapSecret(value: unknown): unknown {
    return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/**
 * Only the entry module reads config at import (it is the program); every other module of the
 * program (config/, components/, contract/) is config-free at import, so it is compiled and loaded
 * once per process and shared by every stack. The entry is loaded fresh for each stack and let go
 * afterwards: neither the require cache nor the requiring module's `children` may keep a finished
 * stack's resources alive.
 */
function loadProgram(entry: string): Record<string, unknown> {
    delete require.cache[entry];
    // A fresh module per stack, which a static import cannot give.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(entry) as Record<string, unknown>;
}

function releaseProgram(entry: string): void {
    const loaded = require.cache[entry];
    delete require.cache[entry];
    if (loaded !== undefined) {
        const index = module.children.indexOf(loaded);
        if (index >= 0) module.children.splice(index, 1);
        loaded.children.length = 0;
    }
}

/** A value with the SDK's in-memory unknowns as the wire's unknown value, which the writers print as [unknown]. */
function markUnknowns(value: unknown): unknown {
    if (isUnknownValue(value)) return rpc.unknownValue;
    if (Array.isArray(value)) return value.map(markUnknowns);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markUnknowns(v)]));
    return value;
}

async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    const output = pulumi.output(value) as unknown as pulumi.Output<unknown> & {
        promise(withUnknowns?: boolean): Promise<unknown>;
        isKnown: Promise<boolean>;
    };
    const secret = await pulumi.isSecret(output);
    // Output.promise() is internal, but unlike apply() it rejects when the value failed to compute.
    const resolved = await output.promise(true);
    // In a preview, an output computed from an unknown is unknown as a whole.
    if (!(await output.isKnown)) return { value: rpc.unknownValue, secret };
    return { value: markUnknowns(resolved), secret };
}

/**
 * Runs the program for one stack under mocks. Throws a StackRunError carrying the program's own
 * error (a ConfigError for bad config) or any error raised while resolving outputs, including
 * errors thrown inside `apply`.
 */
export async function runStack(options: RunStackOptions): Promise<StackRun> {
    const resources: RecordedResource[] = [];
    const renderOnly = options.renderOnlyDeploymentCa === false ? undefined : await renderOnlyDeploymentCa();
    useRenderOnlyDeploymentCaWhereMissing(
        renderOnly && { bundle: renderOnly.certificate, privateKeyPem: renderOnly.privateKeyPem },
    );
    // The inputs the mock engine deserializes for each registration, which the recorder keeps as
    // they are instead of deserializing the request a second time.
    let mockedInputs: Record<string, unknown> | undefined;
    const mocks = newMocks(options.stackOutputs ?? {}, { preview: options.preview });
    await pulumi.runtime.setMocks(
        {
            ...mocks,
            newResource: (args) => {
                mockedInputs = args.inputs as Record<string, unknown>;
                return mocks.newResource(args);
            },
        },
        PROJECT_NAME,
        options.stack,
        options.preview === true,
        options.organization ?? "organization",
    );

    // Wrap the mock monitor to see what it does not pass to the mocks: each resource's parent and
    // provider. Reads (StackReferences) are recorded like registrations. URNs are built as the
    // engine builds them.
    const monitor = settings.getMonitor();
    monitor.newUrn = (parent: string, type: string, name: string) =>
        engineUrn(options.stack, PROJECT_NAME, parent, type, name);
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: any, callback: (err: any, resp: any) => void) => {
            // The mock monitor calls the mocks before its first await, with the request's inputs
            // deserialized (nothing mutates them: the mocks copy what they answer).
            mockedInputs = undefined;
            // Filled in once the call below returns; the callback runs later (on success).
            const mocked: { inputs?: Record<string, unknown> } = {};
            const pending = original(req, (err: any, resp: any) => {
                if (!err) {
                    const recordedInputs: Record<string, unknown> =
                        mocked.inputs ??
                        rpc.deserializeProperties(
                            method === "registerResource" ? req.getObject() : req.getProperties(),
                        );
                    const providerRef: string = req.getProvider() ?? "";
                    resources.push({
                        urn: resp.getUrn(),
                        type: req.getType(),
                        name: req.getName(),
                        parent: req.getParent() || undefined,
                        // A provider reference is "<urn>::<id>".
                        provider: providerRef === "" ? undefined : providerRef.slice(0, providerRef.lastIndexOf("::")),
                        custom: method === "readResource" ? true : req.getCustom(),
                        inputs: recordedInputs,
                        ...(method === "registerResource" && req.getImportid() ? { import: req.getImportid() } : {}),
                        ...(method === "registerResource" && req.getProtect() ? { protect: true as const } : {}),
                        ...(method === "registerResource" && req.getRetainondelete()
                            ? { retainOnDelete: true as const }
                            : {}),
                        ...(method === "registerResource" && req.getDependenciesList().length > 0
                            ? { dependencies: req.getDependenciesList() }
                            : {}),
                        ...(method === "registerResource" && req.getDeletebeforereplace()
                            ? { deleteBeforeReplace: true as const }
                            : {}),
                        ...(method === "registerResource" && aliasesOf(req).length > 0
                            ? { aliases: aliasesOf(req) }
                            : {}),
                        ...(method === "registerResource" && req.hasReplacementTrigger()
                            ? { replacementTrigger: req.getReplacementTrigger().toJavaScript() }
                            : {}),
                    });
                }
                callback(err, resp);
            });
            mocked.inputs = mockedInputs;
            mockedInputs = undefined;
            return pending;
        };
    }

    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config)) {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    for (const [key, value] of Object.entries(options.secrets ?? {})) {
        config[key] = value;
    }
    pulumi.runtime.setAllConfig(config, Object.keys(options.secrets ?? {}));

    // An error thrown inside `apply` surfaces as an unhandled rejection; make it fail the run.
    // While the run lasts it owns such rejections (a test runner's handler would otherwise see the
    // ones of a run that is expected to fail), and they are reported with its result.
    const rejections: unknown[] = [];
    const entry = options.program ?? path.join(PROJECT_ROOT, "index.ts");
    const onRejection = (reason: unknown) => rejections.push(reason);
    const otherListeners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", onRejection);
    try {
        const program = loadProgram(entry);
        const outputs: Record<string, unknown> = {};
        const secretOutputNames: string[] = [];
        for (const [name, value] of Object.entries(program)) {
            // The engine leaves an export that is undefined (a central-only output on an edge) out.
            if (value === undefined) continue;
            const resolved = await resolveOutput(value);
            if (resolved.value === undefined) continue;
            outputs[name] = resolved.secret ? wrapSecret(resolved.value) : resolved.value;
            if (resolved.secret) secretOutputNames.push(name);
        }
        await settings.waitForRPCs();
        // Give rejections raised in the last turn of the event loop a chance to be reported.
        await new Promise((resolve) => setImmediate(resolve));
        if (rejections.length > 0) {
            throw rejections[0] instanceof Error ? rejections[0] : new Error(String(rejections[0]));
        }
        return { stack: options.stack, resources, outputs, secretOutputNames };
    } catch (err) {
        // Outputs derived from the failed one reject too, a little later: let them settle while
        // the listener still absorbs them, so they are reported with this run and not the next.
        await settings.waitForRPCs().catch(() => undefined);
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new StackRunError(options.stack, err, resources);
    } finally {
        releaseProgram(entry);
        process.off("unhandledRejection", onRejection);
        for (const listener of otherListeners) process.on("unhandledRejection", listener);
    }
}
