// central.alertmanager.limits: read with bounds, and handed to the Alertmanager CR the way
// prometheus-operator v0.93 and Alertmanager v0.34 agree on (tests/alertmanagerLimits.live.test.ts
// runs a real Alertmanager with them).

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseClusterSettings } from "../config";
import { crdSchemaProblems, loadCrdSchemas } from "../offline/checks/crdSchema";
import { PROJECT_ROOT } from "../offline/runStack";
import { alertmanagerLimitValues } from "../components/kubePrometheusStack/central";
import { problemsOf, projectConfig } from "./helpers";

/** The committed central stack's config as the readers see it, with central.alertmanager.limits replaced. */
function centralWithLimits(limits: unknown): Record<string, any> {
    const raw = projectConfig("cluster-01") as Record<string, any>;
    if (limits === undefined) delete raw.central.alertmanager.limits;
    else raw.central.alertmanager.limits = limits;
    return raw;
}

describe("central.alertmanager.limits", () => {
    it("defaults to 1000 silences of at most 64 KiB, and 5000 alerts per alert name", () => {
        const settings = parseClusterSettings(centralWithLimits(undefined), { kubeconfig: false });
        expect(settings.central!.alertmanager.limits).to.deep.equal({
            maxSilences: 1000,
            maxSilenceSizeBytes: 65536,
            alertsPerAlertname: 5000,
        });
    });

    it("refuses no limit (0, which Alertmanager reads as unlimited) and nonsense", () => {
        expect(problemsOf(centralWithLimits({ maxSilences: 0 }))).to.deep.equal([
            "thanos-multicluster:central.alertmanager.limits.maxSilences must be from 1 to 1000000 (got 0): silences kept, expired ones included",
        ]);
        expect(problemsOf(centralWithLimits({ alertsPerAlertname: 10 }))[0]).to.match(
            /^thanos-multicluster:central\.alertmanager\.limits\.alertsPerAlertname must be from 100 to/,
        );
        expect(problemsOf(centralWithLimits({ maxSilenceSizeBytes: "1MB" }))[0]).to.match(
            /^thanos-multicluster:central\.alertmanager\.limits\.maxSilenceSizeBytes must be a whole number/,
        );
        expect(problemsOf(centralWithLimits({ maxSilencesPerUser: 3 })).join("\n")).to.include(
            "central.alertmanager.limits.maxSilencesPerUser",
        );
    });

    it("the silence count through the CR's limits, the rest through additionalArgs (never limits.maxPerSilenceBytes)", () => {
        expect(
            alertmanagerLimitValues({ maxSilences: 7, maxSilenceSizeBytes: 2048, alertsPerAlertname: 300 }),
        ).to.deep.equal({
            limits: { maxSilences: 7 },
            additionalArgs: [
                { name: "silences.max-silence-size-bytes", value: "2048" },
                { name: "alerts.per-alertname-limit", value: "300" },
            ],
        });
    });

    it("fits the Alertmanager CRD of prometheus-operator v0.93 (where ../shared/reference exists)", function () {
        const dir = path.join(PROJECT_ROOT, "..", "shared", "reference", "prometheus-operator-crds-v0.93");
        if (!fs.existsSync(dir)) this.skip();
        const schema = loadCrdSchemas(dir).get("monitoring.coreos.com/v1 Alertmanager")!;
        const cr = (spec: Record<string, unknown>) => ({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Alertmanager",
            metadata: { name: "kps-alertmanager", namespace: "monitoring" },
            spec,
        });
        const ours = alertmanagerLimitValues({
            maxSilences: 1000,
            maxSilenceSizeBytes: 65536,
            alertsPerAlertname: 5000,
        });
        expect(crdSchemaProblems(cr(ours), schema)).to.deep.equal([]);
        // The check can fail: a negative count, an argument without its name.
        expect(
            crdSchemaProblems(cr({ limits: { maxSilences: -1 }, additionalArgs: [{ value: "1" }] }), schema).map(
                (p) => p.field,
            ),
        ).to.have.members(["spec.limits.maxSilences", "spec.additionalArgs[0].name"]);
        // Why the size is not the CR's field: the CRD documents it as the flag Alertmanager v0.34 lacks.
        const limits = (schema as any).properties.spec.properties.limits.properties;
        expect(limits.maxPerSilenceBytes.description).to.include("--silences.max-per-silence-bytes");
    });
});
