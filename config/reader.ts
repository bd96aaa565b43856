// Reads raw stack config key by key, collecting every problem with the key's full name, so one
// run reports all of them and no resource is registered before they are fixed.

import { ALERTING_SECRET_KEYS } from "./alertRouting";
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

/** What the program knows about one secret config key. */
export interface SecretKeySpec {
    /** Every stack needs it (or every stack of `requiredOn`); others are needed by settings (config/requiredSecrets.ts). */
    required: boolean;
    /** Only stacks of this role need it (with required). */
    requiredOn?: "central" | "edge";
    /** What to set it to. */
    fix: string;
    /**
     * The command that writes it into the stack file as a `secure:` value, where one does (a key no
     * CI secret supplies); unset for keys the operator sets from a credential (in CI, an
     * environment secret named after the key: see offline/secrets.ts).
     */
    writtenBy?: string;
}

/**
 * Secret config keys: set with `pulumi config set --secret`, never in clear in a stack file. They
 * live at the top level; the same name anywhere inside a section is a secret written in clear.
 */
export const SECRET_KEYS = {
    // Only with objectStorage.identities "shared": per-role identities generate their keys (components/storage/).
    objectStorageAccessKey: { required: false, fix: "the MinIO access key for the metrics bucket" },
    objectStorageSecretKey: { required: false, fix: "the MinIO secret key for the metrics bucket" },
    kubeconfig: { required: false, fix: "the kubeconfig contents, instead of kubernetes.context" },
    // Central stack only, when it manages the buckets: MinIO credentials allowed to create buckets.
    minioAdminAccessKey: { required: false, fix: "a MinIO access key allowed to create buckets" },
    minioAdminSecretKey: { required: false, fix: "the MinIO secret key of minioAdminAccessKey" },
    // Central stack: the Alertmanager receivers' credentials (config/alertRouting.ts says which receiver reads which).
    alertmanagerWebhookUrl: { required: false, fix: ALERTING_SECRET_KEYS.alertmanagerWebhookUrl },
    alertmanagerSlackApiUrl: { required: false, fix: ALERTING_SECRET_KEYS.alertmanagerSlackApiUrl },
    alertmanagerSmtpPassword: { required: false, fix: ALERTING_SECRET_KEYS.alertmanagerSmtpPassword },
    alertmanagerDeadMansSwitchUrl: { required: false, fix: ALERTING_SECRET_KEYS.alertmanagerDeadMansSwitchUrl },
    // Central stack only: the deployment CA's private key (config/pki.ts), written into the stack file by `npm run pki -- init`.
    deploymentCaPrivateKey: {
        required: true,
        requiredOn: "central",
        fix: "the deployment CA's key: `npm run pki -- init` sets it",
        writtenBy: "npm run pki -- init",
    },
} as const satisfies Record<string, SecretKeySpec>;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Names that hold a credential wherever they appear (checked on unknown keys only). */
const SECRET_LOOKING = /(secret|password|passwd|token|access_?key|private_?key|credential|kubeconfig$)/i;

/** The dotted path, inside `value`, of the first key named like a credential (`names` or SECRET_LOOKING). */
function secretLookingKeyIn(value: unknown, names: RegExp): string | undefined {
    if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) {
            const inner = secretLookingKeyIn(item, names);
            if (inner !== undefined) return `[${i}]${inner.startsWith("[") ? "" : "."}${inner}`;
        }
        return undefined;
    }
    if (!isPlainObject(value)) return undefined;
    for (const [key, child] of Object.entries(value)) {
        if (SECRET_LOOKING.test(key) || names.test(key)) return key;
        const inner = secretLookingKeyIn(child, names);
        if (inner !== undefined) return `${key}${inner.startsWith("[") ? "" : "."}${inner}`;
    }
    return undefined;
}

/** One segment of a dotted path: a key, or a list index. */
type Segment = string | number;

function parsePath(path: string): Segment[] {
    const segments: Segment[] = [];
    for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
        segments.push(match[2] !== undefined ? Number(match[2]) : match[1]);
    }
    return segments;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a value is, without its contents (a misplaced section may hold a secret). */
function describe(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Edit distance (optimal string alignment, case-insensitive): insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
        Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= x.length; i++) {
        for (let j = 1; j <= y.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
            if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[x.length][y.length];
}

/**
 * Collects problems while reading raw config, so one run reports every bad key.
 *
 * It also records every path it reads (`string`, `integer`, ...), every section it is told about
 * (`object`) and every free-form map (`map`): what the readers read is, by definition, the set of
 * known keys. `unknownKeyProblems` then names every raw key no reader looked at, with the nearest
 * known key. A new setting needs no list to be updated: reading it makes it known.
 */
export class Reader {
    readonly problems: string[] = [];
    /** Paths read as one value (a leaf: string, number, list of strings, ...). */
    private readonly leaves = new Set<string>();
    /** Paths read as objects of settings, and every prefix of a path read. */
    private readonly sections = new Set<string>([""]);
    /** Paths whose whole subtree is free-form (maps of user-chosen keys) or reported already. */
    private readonly freeForm = new Set<string>();
    /** Paths already reported as the wrong type, so a section's type is reported once. */
    private readonly typeReported = new Set<string>();
    /** Sections whose credential (by the names it goes by there) is the secret config key given. */
    private readonly credentialSections = new Map<string, { secretKey: SecretKey; names: RegExp }>();

    constructor(private readonly raw: RawConfig) {}

    key(path: string): string {
        return `${PROJECT}:${path}`;
    }

    /**
     * Reports a problem with a key. Once a key (or a section above it) has the wrong type, further
     * rules about it are noise: only the type problem is reported.
     */
    problem(path: string, message: string): void {
        if (
            this.typeReported.has(path) ||
            [...this.typeReported].some((p) => path.startsWith(`${p}.`) || path.startsWith(`${p}[`))
        )
            return;
        this.problems.push(`${this.key(path)} ${message}`);
    }

    /** Reports a value of the wrong type; later problems about the same key are dropped. */
    private typeProblem(path: string, message: string): void {
        this.problem(path, message);
        this.typeReported.add(path);
    }

    /**
     * The raw value at a dotted path, for settings whose shape the typed readers do not cover:
     * everything under the path is taken as read (a free-form map such as prometheus.externalLabels).
     */
    lookupValue(path: string): unknown {
        this.freeForm.add(path);
        return this.lookup(path, false);
    }

    /** Declares a free-form map: its keys are the user's (label names, ...), not settings. */
    map(path: string): unknown {
        return this.lookupValue(path);
    }

    /**
     * Declares that the credential of the section at `path` is the secret config key `secretKey`:
     * a key of the section called like it (`names`, e.g. a receiver's `url` or `api_url`), or any
     * secret-looking key there, is reported as that secret stored in clear, with `secretKey` as the
     * fix, instead of as an unknown setting.
     */
    credentialOf(path: string, secretKey: SecretKey, names: RegExp): void {
        this.credentialSections.set(path, { secretKey, names });
    }

    /** Takes a path as handled without reading it (a section already reported as misplaced). */
    skip(path: string): void {
        this.freeForm.add(path);
    }

    /** Records a read of `path` and walks to its value; a section on the way that is not an object is reported. */
    private lookup(path: string, leaf = true): unknown {
        const segments = parsePath(path);
        let value: unknown = this.raw;
        let walked = "";
        for (const [i, segment] of segments.entries()) {
            const next =
                typeof segment === "number"
                    ? `${walked}[${segment}]`
                    : walked === ""
                      ? segment
                      : `${walked}.${segment}`;
            if (value === undefined || value === null) {
                value = undefined;
            } else if (typeof segment === "number" ? !Array.isArray(value) : !isPlainObject(value)) {
                this.wrongSectionType(walked, value, typeof segment === "number" ? "list" : "object");
                value = undefined;
            } else {
                value = (value as Record<string | number, unknown>)[segment];
            }
            if (i < segments.length - 1) this.sections.add(next);
            walked = next;
        }
        if (leaf) this.leaves.add(path);
        return value;
    }

    private wrongSectionType(path: string, value: unknown, expected: "object" | "list"): void {
        if (path === "" || this.typeReported.has(path)) return;
        const what = expected === "object" ? "an object of settings" : "a list";
        this.typeProblem(path, `must be ${what} (got ${describe(value)}); see docs/configuration.md`);
    }

    /** Whether a key is set (not null), without taking it as read: for optional sections read only when present. */
    has(path: string): boolean {
        let value: unknown = this.raw;
        for (const segment of parsePath(path)) {
            if (typeof segment === "number" ? !Array.isArray(value) : !isPlainObject(value)) return false;
            value = (value as Record<string | number, unknown>)[segment];
        }
        return value !== undefined && value !== null;
    }

    /**
     * Declares a list of sections (objects of settings, read one by one as `path[i]...`); reports it
     * when it is something else. Returns how many items it has (0 when unset).
     */
    sectionList(path: string): number {
        const value = this.lookup(path, false);
        this.sections.add(path);
        if (value === undefined || value === null) return 0;
        if (!Array.isArray(value)) {
            this.wrongSectionType(path, value, "list");
            return 0;
        }
        value.forEach((item, i) => this.object(`${path}[${i}]`));
        return value.length;
    }

    /** Declares a section (an object of settings); reports it when it is something else. */
    object(path: string): void {
        const value = this.lookup(path, false);
        this.sections.add(path);
        if (value !== undefined && value !== null && !isPlainObject(value))
            this.wrongSectionType(path, value, "object");
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
            this.typeProblem(path, `must be a string (got ${JSON.stringify(value)}): ${fix}`);
            return fallback;
        }
        return value;
    }

    optionalString(path: string, fix: string): string | undefined {
        const value = this.lookup(path);
        if (value === undefined || value === null || value === "") return undefined;
        if (typeof value !== "string") {
            this.typeProblem(path, `must be a string (got ${JSON.stringify(value)}): ${fix}`);
            return undefined;
        }
        return value;
    }

    boolean(path: string, fallback: boolean): boolean {
        const value = this.lookup(path);
        if (value === undefined || value === null) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.typeProblem(path, `must be true or false (got ${JSON.stringify(value)})`);
        return fallback;
    }

    integer(path: string, fallback: number): number {
        const value = this.lookup(path);
        if (value === undefined || value === null) return fallback;
        const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            this.typeProblem(path, `must be a whole number (got ${JSON.stringify(value)})`);
            return fallback;
        }
        return n;
    }

    /** A Prometheus/Thanos duration, with its value in milliseconds (undefined when malformed). */
    duration(path: string, fallback: string, example: string): { text: string; ms: number | undefined } {
        const text = this.string(path, "", fallback);
        const ms = parseDuration(text);
        if (ms === undefined)
            this.problem(path, `must be a duration like ${example} (units ms, s, m, h, d, w, y); got "${text}"`);
        return { text, ms };
    }

    /** A Kubernetes storage quantity for a PVC. */
    storageSize(path: string, fallback: string): string {
        const text = this.string(path, "", fallback);
        const bytes = parseStorageQuantity(text);
        if (bytes === undefined || bytes === 0)
            this.problem(path, `must be a Kubernetes storage quantity like ${fallback}; got "${text}"`);
        return text;
    }

    stringList(path: string, fix: string, fallback?: string[]): string[] {
        const value = this.lookup(path);
        if (value === undefined || value === null) {
            if (fallback === undefined) this.problem(path, `is required: ${fix}`);
            return fallback ?? [];
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
            this.typeProblem(path, `must be a list of strings (got ${JSON.stringify(value)}): ${fix}`);
            return fallback ?? [];
        }
        return value as string[];
    }

    /** Every path the readers know: leaves, sections and free-form maps. */
    knownPaths(): string[] {
        return [...new Set([...this.leaves, ...this.sections, ...this.freeForm])].filter((p) => p !== "");
    }

    private isKnown(path: string): boolean {
        return this.leaves.has(path) || this.sections.has(path) || this.freeForm.has(path);
    }

    /**
     * Reports every raw key no reader read, at every level, naming its full dotted key and the
     * nearest known key; a credential's name inside a section is reported as a secret in clear.
     * Call it after every reader has run. `topLevelExtras` are further known top-level keys (the
     * secrets, read elsewhere).
     */
    unknownKeyProblems(topLevelExtras: readonly string[] = Object.keys(SECRET_KEYS)): void {
        const walk = (value: unknown, path: string) => {
            if (this.freeForm.has(path) || (path !== "" && this.leaves.has(path))) return;
            if (isPlainObject(value)) {
                for (const [key, child] of Object.entries(value)) {
                    const childPath = path === "" ? key : `${path}.${key}`;
                    if (this.isKnown(childPath) || (path === "" && topLevelExtras.includes(key)))
                        walk(child, childPath);
                    else
                        this.problems.push(
                            this.unknownKeyMessage(childPath, key, path, path === "" ? topLevelExtras : [], child),
                        );
                }
            } else if (Array.isArray(value)) {
                value.forEach((item, i) => {
                    const itemPath = `${path}[${i}]`;
                    if (this.isKnown(itemPath)) walk(item, itemPath);
                });
            }
        };
        walk(this.raw, "");
    }

    private unknownKeyMessage(
        path: string,
        key: string,
        parent: string,
        extras: readonly string[],
        value?: unknown,
    ): string {
        const credential = this.credentialSections.get(parent);
        const secretName =
            Object.keys(SECRET_KEYS).find((s) => s.toLowerCase() === key.toLowerCase()) ??
            (credential !== undefined && (credential.names.test(key) || SECRET_LOOKING.test(key))
                ? credential.secretKey
                : undefined);
        if (parent !== "" && (secretName !== undefined || SECRET_LOOKING.test(key))) {
            const fix =
                secretName !== undefined
                    ? `run \`pulumi config set --secret ${secretName}\``
                    : "secrets are top-level keys set with `pulumi config set --secret <key>` (docs/configuration.md lists them)";
            return `${this.key(path)} is a secret stored in clear in the stack file, inside ${this.key(parent)}: remove it (and rotate it, it has been exposed); ${fix}`;
        }
        // In a credential's section, an unknown block holding one (Alertmanager's http_config with a
        // basic_auth password or a bearer token) is a secret in clear too; its value is never echoed.
        const nested = credential === undefined ? undefined : secretLookingKeyIn(value, credential.names);
        if (credential !== undefined && nested !== undefined) {
            return `${this.key(path)} holds a secret stored in clear in the stack file (${this.key(`${path}.${nested}`)}): remove it (and rotate it, it has been exposed); this program reads the credential of ${this.key(parent)} only from \`pulumi config set --secret ${credential.secretKey}\``;
        }
        const known = this.knownPaths();
        // Siblings first: a typo keeps its place.
        const siblings = [
            ...known.filter((p) => p !== parent && this.parentOf(p) === parent).map((p) => this.lastKey(p)),
            ...extras,
        ];
        const nearest = this.nearest(key, siblings);
        if (nearest !== undefined) {
            const where = parent === "" ? nearest : `${parent}.${nearest}`;
            return `${this.key(path)} is not a setting of this program: did you mean ${this.key(where)}? (docs/configuration.md lists every key)`;
        }
        // A known key at another level: misplaced rather than misspelt.
        const elsewhere = known.filter(
            (p) =>
                this.lastKey(p).toLowerCase() === key.toLowerCase() ||
                this.nearest(key, [this.lastKey(p)]) !== undefined,
        );
        if (elsewhere.length > 0) {
            return `${this.key(path)} is not a setting at this level: did you mean ${elsewhere.map((p) => this.key(p)).join(" or ")}? (docs/configuration.md lists every key)`;
        }
        const options =
            siblings.length > 0
                ? `; ${parent === "" ? "top-level keys" : `keys of ${this.key(parent)}`} are ${[...new Set(siblings)].sort().join(", ")}`
                : "";
        return `${this.key(path)} is not a setting of this program${options} (docs/configuration.md lists every key)`;
    }

    private parentOf(path: string): string {
        const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
        return cut < 0 ? "" : path.slice(0, cut);
    }

    private lastKey(path: string): string {
        return path.slice(Math.max(path.lastIndexOf("."), path.lastIndexOf("[")) + 1);
    }

    /** The closest name within a typo's reach (about one edit per three letters), if any. */
    private nearest(key: string, candidates: readonly string[]): string | undefined {
        let best: { name: string; distance: number } | undefined;
        for (const name of candidates) {
            if (/^\d+\]$/.test(name)) continue;
            const distance = editDistance(key, name);
            const reach = Math.max(1, Math.min(3, Math.floor(Math.max(key.length, name.length) / 3)));
            if (distance <= reach && (best === undefined || distance < best.distance)) best = { name, distance };
        }
        return best?.name;
    }
}

/** A config value as the program sees it: objects and lists parsed from JSON, anything else as text. */
export function parseConfigValue(text: string): unknown {
    if (/^\s*[[{]/.test(text)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}
