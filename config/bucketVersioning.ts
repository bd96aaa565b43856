// How long the metrics bucket keeps what was deleted or overwritten (`central.buckets.noncurrentVersionExpiry`),
// against the Compactor's delete delay.

import { Reader } from "./reader";
import { HOUR_MS, parseDuration } from "./units";

export const DAY_MS = 24 * HOUR_MS;
/**
 * Noncurrent versions outlive the Compactor's delete delay by at least this: a block the Compactor
 * marked and then deleted stays restorable for a day after the delay, however late the mark was noticed.
 */
export const NONCURRENT_EXPIRY_MARGIN_MS = DAY_MS;
/** The default adds a week to the delete delay: time to notice a wrong delete over a weekend and a holiday. */
export const NONCURRENT_EXPIRY_DEFAULT_EXTRA_DAYS = 7;

export interface BucketVersioningSettings {
    /** Days a noncurrent version (a deleted or overwritten object) is kept before MinIO's lifecycle removes it. */
    noncurrentVersionExpiryDays: number;
}

/** The smallest whole number of days that is at least `ms`. */
function ceilDays(ms: number): number {
    return Math.ceil(ms / DAY_MS);
}

/** The default expiry for a delete delay: the delay in whole days, plus a week. */
export function defaultNoncurrentExpiryDays(deleteDelayMs: number): number {
    return ceilDays(deleteDelayMs) + NONCURRENT_EXPIRY_DEFAULT_EXTRA_DAYS;
}

/**
 * Why an expiry does not outlast the delete delay plus the margin, or undefined. MinIO counts
 * lifecycle days from the moment a version becomes noncurrent, in whole days.
 */
export function noncurrentExpiryProblem(expiryDays: number, deleteDelayMs: number): string | undefined {
    const minimum = ceilDays(deleteDelayMs + NONCURRENT_EXPIRY_MARGIN_MS);
    if (expiryDays >= minimum) return undefined;
    return `(${expiryDays}d) must be at least ${minimum}d: longer than central.compactor.deleteDelay (${Math.round(deleteDelayMs / HOUR_MS)}h) plus a day, or a block the Compactor deletes could be gone before anyone can restore it; raise it, or lower central.compactor.deleteDelay`;
}

/** Reads `central.buckets.noncurrentVersionExpiry` (whole days, e.g. 9d); its default follows the delete delay. */
export function readBucketVersioning(r: Reader, deleteDelayMs: number | undefined): BucketVersioningSettings {
    const key = "central.buckets.noncurrentVersionExpiry";
    const fallbackDays = defaultNoncurrentExpiryDays(deleteDelayMs ?? 2 * DAY_MS);
    const text = r.string(key, "", `${fallbackDays}d`);
    const ms = parseDuration(text);
    if (ms === undefined || ms % DAY_MS !== 0 || ms === 0) {
        r.problem(
            key,
            `must be a whole number of days like ${fallbackDays}d (MinIO's lifecycle counts in days); got "${text}"`,
        );
        return { noncurrentVersionExpiryDays: fallbackDays };
    }
    const days = ms / DAY_MS;
    if (deleteDelayMs !== undefined) {
        const problem = noncurrentExpiryProblem(days, deleteDelayMs);
        if (problem !== undefined) r.problem(key, problem);
    }
    return { noncurrentVersionExpiryDays: days };
}
