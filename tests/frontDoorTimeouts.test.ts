// The front door passes Query's port through at TCP: while Query computes, neither side of the
// connection says anything, so HAProxy's idle timeouts (client and server) must outlast the longest
// query Query itself allows (central.query.timeout), or the router cuts what Query would answer.

import { expect } from "chai";
import { frontDoorHaproxyConfig } from "../components/frontDoor";
import { parseClusterSettings } from "../config";
import { parseDuration } from "../config/units";
import { projectConfig } from "./helpers";

/** The `timeout <kind>` a section of the config sets, else the defaults' (HAProxy units s, m, h). */
function sectionTimeoutMs(config: string, section: string, kind: "client" | "server"): number {
    const body = (header: string) => new RegExp(`^${header}\\n((?:    .*\\n?)*)`, "m").exec(config)?.[1] ?? "";
    const find = (text: string) => new RegExp(`^\\s+timeout ${kind} (\\S+)$`, "m").exec(text)?.[1];
    const value = find(body(section)) ?? find(body("defaults"));
    const ms = value === undefined ? undefined : parseDuration(value);
    if (ms === undefined) throw new Error(`no timeout ${kind} for ${section}: ${value}`);
    return ms;
}

describe("the front door's idle timeouts on Query's port", () => {
    for (const timeout of ["2m", "10m", "1h"])
        it(`outlast central.query.timeout ${timeout} on both sides`, () => {
            const stack = projectConfig("cluster-01");
            const settings = parseClusterSettings(
                { ...stack, central: { ...stack.central, query: { ...stack.central.query, timeout } } },
                { kubeconfig: false },
            );
            expect(settings.central!.query.timeout).to.equal(timeout);
            const config = frontDoorHaproxyConfig(settings.central!);
            const queryMs = parseDuration(timeout)!;
            expect(sectionTimeoutMs(config, "frontend query", "client")).to.be.greaterThan(queryMs);
            expect(sectionTimeoutMs(config, "backend to-query", "server")).to.be.greaterThan(queryMs);
        });
});
