// Bounded quantities the central stack's sections share: replica counts, whole numbers in a range
// and Prometheus sizes, each read with the rule that bounds it.

import { Reader } from "./reader";
import { parsePrometheusSize } from "./units";

/** A replica count of at least `minimum`; `why` says what fewer would break. */
export function replicas(r: Reader, path: string, fallback: number, minimum: number, why: string): number {
    const n = r.integer(path, fallback);
    if (n < minimum) r.problem(path, `must be at least ${minimum} (got ${n}): ${why}`);
    return n;
}

/** A size in Prometheus' units (B, KB, MB, GB; powers of 1024), for caches and pools. */
export function sizeSetting(r: Reader, path: string, fallback: string): string {
    const text = r.string(path, "", fallback);
    if (parsePrometheusSize(text) === undefined)
        r.problem(path, `must be a size like ${fallback} (units B, KB, MB, GB; powers of 1024); got "${text}"`);
    return text;
}

/** A whole number from `minimum` to `maximum`; `why` says what it counts. */
export function count(
    r: Reader,
    path: string,
    fallback: number,
    minimum: number,
    maximum: number,
    why: string,
): number {
    const n = r.integer(path, fallback);
    if (n < minimum || n > maximum) r.problem(path, `must be from ${minimum} to ${maximum} (got ${n}): ${why}`);
    return n;
}
