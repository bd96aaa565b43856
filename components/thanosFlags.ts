// The Thanos flags this program uses, per component, with the form of their values. Every flag
// here is a flag of the pinned Thanos version (v0.42.4; a test checks this table against the
// release's flag lists where they are available). thanosArgs accepts only flags from this table,
// and `npm run validate` checks every rendered Thanos container against it.

export type FlagKind =
    | "duration" // Prometheus/Thanos duration: 30s, 2h, 1d12h
    | "size" // Thanos byte size: 250MB, 2GB
    | "bool" // --flag or --no-flag
    | "listen" // host:port to listen on
    | "hostport" // host:port to dial
    | "url" // scheme://host:port
    | "path" // absolute file path or glob
    | "label" // name="value"
    | "labelName" // a label name
    | "int"
    | "logLevel"
    | "json"; // an inline JSON (YAML) document

export const THANOS_FLAGS = {
    query: {
        "log.level": "logLevel",
        "http-address": "listen",
        "grpc-address": "listen",
        // The edge Query's gRPC server (mTLS for the central Query).
        "grpc-server-tls-cert": "path",
        "grpc-server-tls-key": "path",
        "grpc-server-tls-client-ca": "path",
        "endpoint.sd-config-file": "path",
        "endpoint.sd-config-reload-interval": "duration",
        "query.replica-label": "labelName",
        "query.auto-downsampling": "bool",
        "query.partial-response": "bool",
        "query.timeout": "duration",
        "store.response-timeout": "duration",
        "query.max-concurrent": "int",
        "store.limits.request-series": "int",
        "store.limits.request-samples": "int",
        "web.disable-cors": "bool",
    },
    "query-frontend": {
        "log.level": "logLevel",
        "http-address": "listen",
        "query-frontend.downstream-url": "url",
        "query-range.split-interval": "duration",
        "query-range.max-retries-per-request": "int",
        "query-range.response-cache-config": "json",
        "query-range.partial-response": "bool",
        "labels.split-interval": "duration",
        "labels.max-retries-per-request": "int",
        "labels.response-cache-config": "json",
        "labels.partial-response": "bool",
        "query-frontend.compress-responses": "bool",
        "query-frontend.log-queries-longer-than": "duration",
        "web.disable-cors": "bool",
    },
    store: {
        "log.level": "logLevel",
        "http-address": "listen",
        "grpc-address": "listen",
        "data-dir": "path",
        "objstore.config-file": "path",
        "index-cache-size": "size",
        "index-cache.config": "json",
        "store.caching-bucket.config": "json",
        "chunk-pool-size": "size",
        "ignore-deletion-marks-delay": "duration",
        "web.disable-cors": "bool",
        "disable-admin-operations": "bool",
    },
    compact: {
        "log.level": "logLevel",
        "http-address": "listen",
        "data-dir": "path",
        "objstore.config-file": "path",
        wait: "bool",
        "retention.resolution-raw": "duration",
        "retention.resolution-5m": "duration",
        "retention.resolution-1h": "duration",
        "delete-delay": "duration",
        "compact.concurrency": "int",
        "deduplication.replica-label": "labelName",
        "web.disable-cors": "bool",
        "disable-admin-operations": "bool",
    },
    rule: {
        "log.level": "logLevel",
        "http-address": "listen",
        "grpc-address": "listen",
        "data-dir": "path",
        "objstore.config-file": "path",
        label: "label",
        "alert.label-drop": "labelName",
        query: "hostport",
        "alertmanagers.url": "url",
        "alert.query-url": "url",
        "rule-file": "path",
        "eval-interval": "duration",
        "tsdb.block-duration": "duration",
        "tsdb.retention": "duration",
        "web.disable-cors": "bool",
    },
} as const satisfies Record<string, Record<string, FlagKind>>;

/**
 * Flags Thanos registers as hidden, so they are missing from its documented flag lists: each is
 * named with the source that registers it. The upstream test checks they stay undocumented (once
 * documented, they belong to the ordinary table only).
 */
export const HIDDEN_THANOS_FLAGS: { [C in keyof typeof THANOS_FLAGS]?: { [flag: string]: string } } = {
    // "Experimental feature, with high risk of changes"; registered with extflag.HiddenCmdClause.
    store: {
        "store.caching-bucket.config":
            "thanos-io/thanos v0.42.4 cmd/thanos/store.go (registerStore: hidden.HiddenCmdClause)",
    },
};

const OPEN_CORS =
    "without it Thanos answers with Access-Control-Allow-Origin: *, so any web page a user's browser opens may read this API";
const ADMIN_OPERATIONS =
    "without it anyone reaching the HTTP port may mark blocks for deletion or no-compaction (POST /api/v1/blocks/mark)";

/**
 * Flags every instance of a component must set, each with why: `npm run validate` reports a
 * rendered Thanos container without one (or with its --no- form) as an error.
 */
export const HARDENING_THANOS_FLAGS: { [C in keyof typeof THANOS_FLAGS]: { [flag: string]: string } } = {
    query: { "web.disable-cors": OPEN_CORS },
    "query-frontend": { "web.disable-cors": OPEN_CORS },
    store: { "web.disable-cors": OPEN_CORS, "disable-admin-operations": ADMIN_OPERATIONS },
    compact: { "web.disable-cors": OPEN_CORS, "disable-admin-operations": ADMIN_OPERATIONS },
    rule: { "web.disable-cors": OPEN_CORS },
};

export type ThanosComponentName = keyof typeof THANOS_FLAGS;
export type ThanosFlagName<C extends ThanosComponentName> = keyof (typeof THANOS_FLAGS)[C] & string;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Why a flag value is malformed for its kind, or undefined if it is well-formed. */
export function flagValueProblem(kind: FlagKind, value: string | undefined): string | undefined {
    const bad = (what: string) => `value ${JSON.stringify(value)} is not ${what}`;
    if (kind === "bool")
        return value === undefined
            ? undefined
            : `takes no value (use --flag or --no-flag), got ${JSON.stringify(value)}`;
    if (value === undefined) return "needs a value";
    switch (kind) {
        case "duration":
            return /^([0-9]+(ms|s|m|h|d|w|y))+$/.test(value) ? undefined : bad("a duration like 30s or 2h");
        case "size":
            return /^[0-9]+(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.test(value) ? undefined : bad("a size like 250MB");
        case "listen":
            return /^[0-9.]*:[0-9]{1,5}$/.test(value) ? undefined : bad("a listen address like 0.0.0.0:10902");
        case "hostport":
            return /^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(value) ? undefined : bad("host:port");
        case "url":
            return /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/.*)?$/.test(value) ? undefined : bad("an http(s) URL");
        case "path":
            return value.startsWith("/") ? undefined : bad("an absolute path");
        case "label": {
            const match = /^([^=]+)="(.*)"$/.exec(value);
            return match && LABEL_NAME.test(match[1]) ? undefined : bad('name="value" with a valid label name');
        }
        case "labelName":
            return LABEL_NAME.test(value) ? undefined : bad("a label name");
        case "int":
            return /^[0-9]+$/.test(value) ? undefined : bad("a whole number");
        case "logLevel":
            return ["debug", "info", "warn", "error"].includes(value) ? undefined : bad("debug, info, warn or error");
        case "json":
            try {
                JSON.parse(value);
                return undefined;
            } catch {
                return bad("a JSON document");
            }
    }
}
