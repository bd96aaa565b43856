// Rates span at least 4 scrapes of the clusters they read: every range our rules and dashboards
// select is at least 4 x the longest scrape interval the config accepts (a 5m window over 1m15s
// scrapes), dashboards' $__rate_interval is at least 4 x the Thanos datasource's timeInterval, which
// is that longest interval, and the config refuses a longer one.

import { expect } from "chai";
import {
    MAX_SCRAPE_INTERVAL,
    MAX_SCRAPE_INTERVAL_MS,
    RATE_WINDOW_MS,
    SCRAPES_PER_RATE_WINDOW,
} from "../components/alertRules";
import { grafanaValues } from "../components/kubePrometheusStack/central";
import { dashboardConfigMapSpecs } from "../components/thanosDashboards";
import { parseClusterSettings } from "../config";
import { parseDuration } from "../config/units";
import { dashboardQueries } from "../offline/checks/dashboardQueries";
import { allRuleGroups } from "./allRuleGroups";
import { stackFile } from "./helpers";

/** Every range selector's window (subquery steps left out; brackets inside strings are regexes). */
function ranges(expr: string): string[] {
    const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    return [...code.matchAll(/\[([^\]:]+)(?::[^\]]*)?\]/g)].map((m) => m[1].trim());
}

function tooShort(window: string): boolean {
    const ms = parseDuration(window);
    return ms === undefined || ms < SCRAPES_PER_RATE_WINDOW * MAX_SCRAPE_INTERVAL_MS;
}

describe("rate windows span 4 scrapes of every cluster", () => {
    it("the longest scrape interval is a quarter of the shortest rate window", () => {
        expect(parseDuration(MAX_SCRAPE_INTERVAL)).to.equal(MAX_SCRAPE_INTERVAL_MS);
        expect(SCRAPES_PER_RATE_WINDOW * MAX_SCRAPE_INTERVAL_MS).to.equal(RATE_WINDOW_MS);
        expect(ranges("rate(a[5m]) + max_over_time(b[1h:1m]) + c[$__rate_interval]")).to.deep.equal([
            "5m",
            "1h",
            "$__rate_interval",
        ]);
        expect(ranges('label_replace(up, "a", "$1", "b", "([^x]+)")')).to.deep.equal([]);
        expect(tooShort("2m")).to.equal(true);
    });

    it("every range of every rule", () => {
        const groups = allRuleGroups();
        const short = groups.flatMap((g) =>
            g.rules.flatMap((r) =>
                ranges(r.expr)
                    .filter(tooShort)
                    .map((w) => `${g.name}: [${w}] in ${r.expr}`),
            ),
        );
        expect(short).to.deep.equal([]);
    });

    it("every dashboard range: $__rate_interval or a fixed window of at least 4 scrapes", () => {
        const short = dashboardConfigMapSpecs().flatMap((cm) =>
            Object.entries(cm.data as Record<string, string>).flatMap(([key, text]) =>
                dashboardQueries({ where: key, json: JSON.parse(text) }).flatMap((q) =>
                    ranges(q.expr)
                        .filter((w) => w !== "$__rate_interval" && tooShort(w))
                        .map((w) => `${q.where}: [${w}]`),
                ),
            ),
        );
        expect(short).to.deep.equal([]);
    });

    it("the Thanos datasource's timeInterval is the longest scrape interval, whatever the central stack scrapes at", () => {
        const raw = Object.fromEntries(
            Object.entries(stackFile("cluster-01").config)
                .filter(([k]) => k.startsWith("thanos-multicluster:"))
                .map(([k, v]) => [k.slice("thanos-multicluster:".length), JSON.parse(JSON.stringify(v))]),
        ) as Record<string, any>;
        raw.prometheus.scrapeInterval = "15s";
        const settings = parseClusterSettings(raw, { kubeconfig: false });
        const central = {
            thanosDatasourceUrl: "http://q",
            grafanaAdminSecret: { name: "g", userKey: "u", passwordKey: "p" },
            uiSourceRanges: [],
        };
        const values = grafanaValues(settings, central as any) as any;
        const thanos = values.additionalDataSources.find((d: any) => d.jsonData?.prometheusType === "Thanos");
        expect(thanos.jsonData.timeInterval).to.equal(MAX_SCRAPE_INTERVAL);
    });
});
