// How often the central front door's routers health-check their servers, as rendered. The live tests
// (tests/frontDoor.live.test.ts, tests/alertmanagerEdgeApi.live.test.ts) run the same config with a
// shorter interval (tests/live/haproxy.ts, LIVE_CHECK_INTERVAL) so as not to wait for checks; this
// file holds the rendered timings to what they are for: a new router's first checks land within its
// DaemonSet's minReadySeconds, and a dead server is noticed long before FrontDoorBackendDown fires.

import { expect } from "chai";
import { frontDoorDaemonSetSpec, frontDoorHaproxyConfig, frontDoorRoutes } from "../components/frontDoor";
import { FRONT_DOOR_METRICS_PORT, HEALTH_CHECK, haproxyConfig } from "../components/frontDoor/haproxyConfig";
import { frontDoorRuleGroups } from "../components/alertRules/frontDoor";
import { isAlertingRule } from "../components/alertRules/types";
import { parseClusterSettings } from "../config";
import { parseDuration } from "../config/units";
import { projectConfig } from "./helpers";
import { LIVE_CHECK_INTERVAL } from "./live/haproxy";

function durationMs(text: string | undefined): number {
    const ms = text === undefined ? undefined : parseDuration(text);
    if (ms === undefined) throw new Error(`not a duration: ${text}`);
    return ms;
}

describe("the front door's health checks, as rendered", () => {
    const settings = parseClusterSettings(projectConfig("cluster-01"), { kubeconfig: false });
    const config = frontDoorHaproxyConfig(settings.central!);
    const servers = [...config.matchAll(/^ {4}server (\S+) .* check inter (\S+) fall (\d+) rise (\d+) /gm)].map(
        (m) => ({ name: m[1], inter: durationMs(m[2]), fall: Number(m[3]), rise: Number(m[4]) }),
    );
    const defaults = (key: string) => durationMs(new RegExp(`^ {4}timeout ${key} (\\S+)$`, "m").exec(config)?.[1]);

    it("checks every route's server, at the timings the live tests keep (fall, rise) and the pods' interval", () => {
        expect(servers.map((s) => s.name)).to.deep.equal(frontDoorRoutes(settings.central!).map((r) => r.name));
        for (const s of servers)
            expect(s, s.name).to.deep.equal({
                name: s.name,
                inter: durationMs(HEALTH_CHECK.inter),
                fall: HEALTH_CHECK.fall,
                rise: HEALTH_CHECK.rise,
            });
    });

    it("a new router's first check of each server (and its DNS answer) ends within the DaemonSet's minReadySeconds", () => {
        const minReadyMs = (frontDoorDaemonSetSpec(settings, config).spec as { minReadySeconds: number })
            .minReadySeconds;
        // The first check starts within one interval, may take `timeout check`, after a DNS answer
        // that may take `timeout resolve` (the resolvers section).
        const resolveMs = durationMs(/^ {4}timeout resolve (\S+)$/m.exec(config)?.[1]);
        for (const s of servers)
            expect(s.inter + defaults("check") + resolveMs, s.name).to.be.at.most(minReadyMs * 1000);
    });

    it("a dead server is marked down (fall checks in a row) long before FrontDoorBackendDown fires", () => {
        const rule = frontDoorRuleGroups({ baseUrl: "docs/runbooks.md" })
            .flatMap((g) => g.rules)
            .filter(isAlertingRule)
            .find((r) => r.alert === "FrontDoorBackendDown");
        const forMs = durationMs(rule?.for);
        for (const s of servers) expect(s.fall * (s.inter + defaults("check")), s.name).to.be.below(forMs / 5);
    });

    it("the live tests' config differs from the rendered one only in the check interval", () => {
        const routes = frontDoorRoutes(settings.central!);
        expect(LIVE_CHECK_INTERVAL).not.to.equal(HEALTH_CHECK.inter);
        const live = haproxyConfig(routes, {
            metricsPort: FRONT_DOOR_METRICS_PORT,
            checkInterval: LIVE_CHECK_INTERVAL,
        });
        expect(live.split(` check inter ${LIVE_CHECK_INTERVAL} `).join(` check inter ${HEALTH_CHECK.inter} `)).to.equal(
            config,
        );
    });
});
