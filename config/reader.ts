// Reads raw stack config key by key, collecting every problem with the key's full name, so one
// run reports all of them and no resource is registered before they are fixed.

import { parseDuration, parseStorageQuantity } from "./units";

/** The project name: Pulumi prefixes every config key of ours with it. */
export const PROJECT = "thanos-multicluster";

/** Raw config as Pulumi hands it over: key (without the project prefix) to parsed YAML value. */
export type RawConfig = Record<string, unknown>;

export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** Collects problems while reading raw config, so one run reports every bad key. */
export class Reader {
    readonly problems: string[] = [];

    constructor(private readonly raw: RawConfig) {}

    key(path: string): string {
        return `${PROJECT}:${path}`;
    }

    problem(path: string, message: string): void {
        this.problems.push(`${this.key(path)} ${message}`);
    }

    /** The raw value at a dotted path, for settings whose shape the typed readers do not cover (maps). */
    lookupValue(path: string): unknown {
        return this.lookup(path);
    }

    private lookup(path: string): unknown {
        const [top, ...rest] = path.split(".");
        let value: unknown = this.raw[top];
        for (const part of rest) {
            // `name[i]` steps into list element i (e.g. central.alertmanager.receivers[0].name).
            const indexed = /^([^[\]]+)\[([0-9]+)\]$/.exec(part);
            if (value === undefined || value === null) return undefined;
            if (typeof value !== "object" || Array.isArray(value)) return undefined;
            value = (value as Record<string, unknown>)[indexed ? indexed[1] : part];
            if (indexed) value = Array.isArray(value) ? value[Number(indexed[2])] : undefined;
        }
        return value;
    }

    object(path: string): void {
        const value = this.lookup(path);
        if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
            this.problem(path, `must be an object of settings (got ${JSON.stringify(value)}); see the README's config reference`);
        }
    }

    string(path: string, fix: string): string | undefined;
    string(path: string, fix: string, fallback: string): string;
    string(path: string, fix: string, fallback?: string): string | undefined {
        const value = this.lookup(path);
        if (value === undefined || value === null || value === "") {
            if (fallback === undefined) {
                this.problem(path, `is required: ${fix}`);
            }
            return fallback;
        }
        if (typeof value !== "string") {
            this.problem(path, `must be a string (got ${JSON.stringify(value)}): ${fix}`);
            return fallback;
        }
        return value;
    }

    optionalString(path: string, fix: string): string | undefined {
        const value = this.lookup(path);
        if (value === undefined || value === null || value === "") return undefined;
        if (typeof value !== "string") {
            this.problem(path, `must be a string (got ${JSON.stringify(value)}): ${fix}`);
            return undefined;
        }
        return value;
    }

    boolean(path: string, fallback: boolean): boolean {
        const value = this.lookup(path);
        if (value === undefined || value === null) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(path, `must be true or false (got ${JSON.stringify(value)})`);
        return fallback;
    }

    integer(path: string, fallback: number): number {
        const value = this.lookup(path);
        if (value === undefined || value === null) return fallback;
        const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            this.problem(path, `must be a whole number (got ${JSON.stringify(value)})`);
            return fallback;
        }
        return n;
    }

    /** A Prometheus/Thanos duration, with its value in milliseconds (undefined when malformed). */
    duration(path: string, fallback: string, example: string): { text: string; ms: number | undefined } {
        const text = this.string(path, "", fallback);
        const ms = parseDuration(text);
        if (ms === undefined) this.problem(path, `must be a duration like ${example} (units ms, s, m, h, d, w, y); got "${text}"`);
        return { text, ms };
    }

    /** A Kubernetes storage quantity for a PVC. */
    storageSize(path: string, fallback: string): string {
        const text = this.string(path, "", fallback);
        const bytes = parseStorageQuantity(text);
        if (bytes === undefined || bytes === 0) this.problem(path, `must be a Kubernetes storage quantity like ${fallback}; got "${text}"`);
        return text;
    }

    stringList(path: string, fix: string, fallback?: string[]): string[] {
        const value = this.lookup(path);
        if (value === undefined || value === null) {
            if (fallback === undefined) this.problem(path, `is required: ${fix}`);
            return fallback ?? [];
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
            this.problem(path, `must be a list of strings (got ${JSON.stringify(value)}): ${fix}`);
            return fallback ?? [];
        }
        return value as string[];
    }
}

