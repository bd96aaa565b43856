// The Compactor's retention per resolution and its deletion delay (`central.compactor`), against
// Thanos' downsampling schedule.

import { Reader } from "./reader";
import { HOUR_MS } from "./units";

const DAY_MS = 24 * HOUR_MS;
/** The compactor downsamples raw blocks older than 40h to 5m, and 5m blocks older than 10d to 1h. */
const RAW_RETENTION_FLOOR_MS = 40 * HOUR_MS;
const FIVE_MINUTE_RETENTION_FLOOR_MS = 10 * DAY_MS;

export interface CompactorSettings {
    retentionRaw: string;
    retention5m: string;
    retention1h: string;
    /** `--delete-delay`; the store gateway ignores deletion marks after half of it. */
    deleteDelay: string;
    /** Half of deleteDelay, as a duration in whole minutes. */
    ignoreDeletionMarksDelay: string;
    storageSize: string;
}

function formatMinutes(ms: number): string {
    const minutes = Math.floor(ms / 60000);
    return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** `central.compactor` but its volume size. */
export function readCompactorRetention(r: Reader): Omit<CompactorSettings, "storageSize"> {
    const retentionRaw = r.duration("central.compactor.retentionRaw", "30d", "30d");
    const retention5m = r.duration("central.compactor.retention5m", "90d", "90d");
    const retention1h = r.duration("central.compactor.retention1h", "1y", "1y");
    // 0d keeps a resolution forever.
    const forever = (ms: number | undefined) => (ms === 0 ? Infinity : ms);
    const raw = forever(retentionRaw.ms);
    const fiveMinutes = forever(retention5m.ms);
    const oneHour = forever(retention1h.ms);
    if (raw !== undefined && raw < RAW_RETENTION_FLOOR_MS) {
        r.problem(
            "central.compactor.retentionRaw",
            `(${retentionRaw.text}) must be at least 40h: the compactor downsamples raw blocks only once they are 40h old, so a shorter raw retention deletes them before any 5m data exists`,
        );
    }
    if (fiveMinutes !== undefined && fiveMinutes < FIVE_MINUTE_RETENTION_FLOOR_MS) {
        r.problem(
            "central.compactor.retention5m",
            `(${retention5m.text}) must be at least 10d: 5m blocks are downsampled to 1h only once they are 10 days old`,
        );
    }
    if (raw !== undefined && fiveMinutes !== undefined && fiveMinutes < raw) {
        r.problem(
            "central.compactor.retention5m",
            `(${retention5m.text}) must not be shorter than central.compactor.retentionRaw (${retentionRaw.text}): zoomed-out queries would find less history than zoomed-in ones`,
        );
    }
    if (fiveMinutes !== undefined && oneHour !== undefined && oneHour < fiveMinutes) {
        r.problem(
            "central.compactor.retention1h",
            `(${retention1h.text}) must not be shorter than central.compactor.retention5m (${retention5m.text})`,
        );
    }
    const deleteDelay = r.duration("central.compactor.deleteDelay", "48h", "48h");
    if (deleteDelay.ms !== undefined && deleteDelay.ms < 2 * HOUR_MS) {
        r.problem(
            "central.compactor.deleteDelay",
            `(${deleteDelay.text}) must be at least 2h: store gateways and queriers still read a block for a while after the compactor marks it deleted`,
        );
    }
    return {
        retentionRaw: retentionRaw.text,
        retention5m: retention5m.text,
        retention1h: retention1h.text,
        deleteDelay: deleteDelay.text,
        ignoreDeletionMarksDelay: deleteDelay.ms === undefined ? "24h" : formatMinutes(deleteDelay.ms / 2),
    };
}
