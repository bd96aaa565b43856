// The shortest window our rules and dashboards compute a rate over, and the longest scrape interval
// that keeps it meaningful. A rate needs at least 4 scrapes in its window: Prometheus 3's range
// selectors are left-open, so a window of exactly 2 intervals can hold a single sample, and one
// missed scrape must not empty it.

/** The shortest range our rules read (`rate(x[5m])`); dashboards use $__rate_interval, at least 4 x the datasource's interval. */
export const RATE_WINDOW = "5m";
export const RATE_WINDOW_MS = 5 * 60 * 1000;
/** Scrapes a rate window must span. */
export const SCRAPES_PER_RATE_WINDOW = 4;
/** The longest scrape interval any cluster may have: RATE_WINDOW / SCRAPES_PER_RATE_WINDOW. */
export const MAX_SCRAPE_INTERVAL = "1m15s";
export const MAX_SCRAPE_INTERVAL_MS = RATE_WINDOW_MS / SCRAPES_PER_RATE_WINDOW;
