// Bounds on what the central Alertmanager keeps (`central.alertmanager.limits`). Its API is reachable
// from every edge's nodes (it must be: they send alerts), so without bounds one misbehaving sender,
// or a rule with a runaway label, could grow its memory, its gossip and its snapshot until it falls
// over, and with it every notification. Alertmanager (v0.28 on) takes each as a command-line flag.

import { Reader } from "./reader";
import { count } from "./quantities";

export interface AlertmanagerLimits {
    /** `--silences.max-silences`: silences kept, expired ones included (they stay for data.retention, 120h). */
    maxSilences: number;
    /** `--silences.max-silence-size-bytes`: the largest silence accepted. */
    maxSilenceSizeBytes: number;
    /** `--alerts.per-alertname-limit`: alerts held per alert name; beyond it new ones are dropped (and counted). */
    alertsPerAlertname: number;
}

export function readAlertmanagerLimits(r: Reader): AlertmanagerLimits {
    const base = "central.alertmanager.limits";
    r.object(base);
    // Zero would mean "no limit" to Alertmanager: a limit is required, so at least 1.
    return {
        maxSilences: count(r, `${base}.maxSilences`, 1000, 1, 1_000_000, "silences kept, expired ones included"),
        maxSilenceSizeBytes: count(
            r,
            `${base}.maxSilenceSizeBytes`,
            65536,
            1024,
            16 * 1024 * 1024,
            "bytes of one silence (its matchers and comment)",
        ),
        alertsPerAlertname: count(
            r,
            `${base}.alertsPerAlertname`,
            5000,
            100,
            1_000_000,
            "alerts of one name held at once, across every cluster; beyond it new alerts of that name are dropped",
        ),
    };
}
