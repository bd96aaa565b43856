// Prometheus on every cluster (`prometheus`): replicas, scrapes, local retention against the
// Thanos block duration and an object-store outage, external labels, and alerting.

import {
    MAX_SCRAPE_INTERVAL,
    MAX_SCRAPE_INTERVAL_MS,
    RATE_WINDOW,
    SCRAPES_PER_RATE_WINDOW,
} from "../components/alertRules/rateWindow";
import { AlertingSettings, readAlerting } from "./alerting";
import { Reader } from "./reader";
import {
    HOUR_MS,
    formatHours,
    formatPrometheusSize,
    parseDuration,
    parsePrometheusSize,
    parseStorageQuantity,
} from "./units";

/** Prometheus TSDB block duration. Thanos requires min = max = 2h when the sidecar uploads. */
export const BLOCK_DURATION = "2h";
const BLOCK_DURATION_MS = 2 * HOUR_MS;
/** Thanos' sidecar docs: local retention must not be below 3x the block duration. */
const MIN_RETENTION_MS = 3 * BLOCK_DURATION_MS;
/** Share of the PVC that size-based retention may fill: the rest is headroom for WAL replay and head compaction. */
const MAX_RETENTION_SIZE_SHARE = 0.9;
const DEFAULT_RETENTION_SIZE_SHARE = 0.8;

export interface PrometheusSettings {
    /** Prometheus replicas; Query deduplicates them on `prometheus_replica`. */
    replicas: number;
    /** Global scrape interval. */
    scrapeInterval: string;
    /** Local TSDB retention (time). */
    retention: string;
    /** Local TSDB retention (size), below the PVC size. */
    retentionSize: string;
    /** PVC size per replica. */
    storageSize: string;
    /** Longest object-store outage that must lose no data: blocks wait on local disk until uploaded. */
    objectStoreOutageToSurvive: string;
    /** External labels besides `cluster` (region, environment, ...). */
    externalLabels: Record<string, string>;
    /** Alerts turned off, components not scraped, and where the runbooks are. */
    alerting: AlertingSettings;
}

/** Labels the program sets itself, or that Prometheus, the operator or Thanos use: not settable. */
const RESERVED_LABELS = ["cluster", "prometheus", "prometheus_replica", "rule_replica", "ruler_cluster", "replica"];

export function readPrometheus(r: Reader): PrometheusSettings {
    const replicas = r.integer("prometheus.replicas", 2);
    if (replicas < 2) {
        r.problem(
            "prometheus.replicas",
            `must be at least 2 (got ${replicas}): with one replica a restart or node loss leaves a gap that Query cannot fill from the other replica`,
        );
    }
    const scrapeInterval = r.string("prometheus.scrapeInterval", "", "30s");
    const scrapeMs = parseDuration(scrapeInterval);
    if (scrapeMs === undefined) {
        r.problem("prometheus.scrapeInterval", `must be a Prometheus duration like 30s; got "${scrapeInterval}"`);
    } else if (scrapeMs <= 0) {
        r.problem(
            "prometheus.scrapeInterval",
            `must be above 0 (got ${scrapeInterval}): Prometheus takes 0 as unset and scrapes every 1m instead; set the interval you mean, e.g. 30s`,
        );
    } else if (scrapeMs > MAX_SCRAPE_INTERVAL_MS) {
        r.problem(
            "prometheus.scrapeInterval",
            `must be at most ${MAX_SCRAPE_INTERVAL} (got ${scrapeInterval}): the rules and dashboards compute rates over ${RATE_WINDOW} windows, which must span ${SCRAPES_PER_RATE_WINDOW} scrapes (Prometheus 3's windows are left-open, and one missed scrape must not empty a window); scrape more often`,
        );
    }

    const retention = r.string("prometheus.retention", "", "2d");
    const outage = r.string("prometheus.objectStoreOutageToSurvive", "", "24h");
    const retentionMs = parseDuration(retention);
    const outageMs = parseDuration(outage);
    if (retentionMs === undefined)
        r.problem("prometheus.retention", `must be a Prometheus duration like 2d or 48h; got "${retention}"`);
    if (outageMs === undefined)
        r.problem("prometheus.objectStoreOutageToSurvive", `must be a Prometheus duration like 24h; got "${outage}"`);
    if (retentionMs !== undefined) {
        // A block is cut up to 1.5 block durations after its start and then waits for the object
        // store; it must outlive the outage plus that age, with one more block of margin.
        const neededForOutage = outageMs === undefined ? 0 : outageMs + 2 * BLOCK_DURATION_MS;
        if (retentionMs < MIN_RETENTION_MS && neededForOutage <= MIN_RETENTION_MS) {
            r.problem(
                "prometheus.retention",
                `(${retention}) must be at least 6h: Thanos requires local retention of 3x the ${BLOCK_DURATION} block duration so the sidecar can upload every block`,
            );
        } else if (retentionMs < neededForOutage) {
            r.problem(
                "prometheus.retention",
                `(${retention}) must be at least ${formatHours(neededForOutage)} to survive an object-store outage of ${outage} (prometheus.objectStoreOutageToSurvive) plus two ${BLOCK_DURATION} blocks: Prometheus deletes old blocks whether or not the sidecar uploaded them; raise the retention or lower the outage to survive`,
            );
        }
    }

    const storageSize = r.string("prometheus.storageSize", "", "50Gi");
    const storageBytes = parseStorageQuantity(storageSize);
    if (storageBytes === undefined || storageBytes === 0) {
        r.problem("prometheus.storageSize", `must be a Kubernetes storage quantity like 50Gi; got "${storageSize}"`);
    }
    const defaultRetentionSize =
        storageBytes === undefined ? "1GB" : formatPrometheusSize(storageBytes * DEFAULT_RETENTION_SIZE_SHARE);
    const retentionSize = r.string("prometheus.retentionSize", "", defaultRetentionSize);
    const retentionBytes = parsePrometheusSize(retentionSize);
    if (retentionBytes === undefined) {
        r.problem(
            "prometheus.retentionSize",
            `must be a Prometheus size like 40GB (units B, KB, MB, GB, TB; powers of 1024); got "${retentionSize}"`,
        );
    } else if (storageBytes !== undefined && retentionBytes > storageBytes * MAX_RETENTION_SIZE_SHARE) {
        r.problem(
            "prometheus.retentionSize",
            `(${retentionSize}) must be at most 90% of prometheus.storageSize (${storageSize}), i.e. ${formatPrometheusSize(storageBytes * MAX_RETENTION_SIZE_SHARE)}: a full volume stops Prometheus; lower it or grow the PVC`,
        );
    }
    const externalLabels: Record<string, string> = {};
    const rawLabels = r.lookupValue("prometheus.externalLabels");
    if (rawLabels !== undefined && rawLabels !== null) {
        if (typeof rawLabels !== "object" || Array.isArray(rawLabels)) {
            r.problem("prometheus.externalLabels", "must be a map of label names to values, e.g. { region: lab }");
        } else {
            for (const [name, value] of Object.entries(rawLabels as Record<string, unknown>)) {
                const key = `prometheus.externalLabels.${name}`;
                if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith("__")) {
                    r.problem(
                        key,
                        `is not a label name Prometheus accepts ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")`,
                    );
                } else if (RESERVED_LABELS.includes(name)) {
                    r.problem(
                        key,
                        `is set by the program or used as a replica label (${RESERVED_LABELS.join(", ")}): a second value would break deduplication or the cluster label; choose another name`,
                    );
                } else if (typeof value !== "string" || value === "") {
                    r.problem(key, `must be a non-empty string; got ${JSON.stringify(value)}`);
                } else {
                    externalLabels[name] = value;
                }
            }
        }
    }
    const alerting = readAlerting(r);
    return {
        replicas,
        scrapeInterval,
        retention,
        retentionSize,
        storageSize,
        objectStoreOutageToSurvive: outage,
        externalLabels,
        alerting,
    };
}
