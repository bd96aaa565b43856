// `npm run validate [out-dir]`: checks the rendered plan in out/ the way a careful reviewer would, and
// exits non-zero on any error. Each finding names the stack, the object and the field. The checks
// live by concern in offline/checks/:
//
// - schemas.ts: every Kubernetes object against its kind's schema, unknown fields included;
// - thanosFlags.ts, thanosConfigs.ts, thanosCaches.ts: every Thanos container's flags against the
//   typed flag table of the pinned Thanos version, the config documents it reads against that
//   version's schemas, and memory limits that cover its caches;
// - security.ts: pod security, probes and resources of every container, no secret in clear, the
//   object storage transport;
// - availability.ts: replicas, spreading and disruption budgets; scale.ts: the limits of the API
//   server and the kernel;
// - network.ts, nodePolicies.ts: who may reach the sidecars, Query and Grafana;
// - frontDoor.ts: the central front door's HAProxy config under haproxy -c, its ports' audiences, a router on every node;
// - alertmanager.ts: the Alertmanager config under amtool, its network, and the alert path;
// - rules.ts: every rule file (PrometheusRules, the Ruler's) under promtool, and runbook links a
//   notification can open;
// - dashboards.ts: Grafana dashboards loaded by the sidecar, valid against Grafana's schema, with
//   PromQL that parses;
// - crossStack.ts, trust.ts: the invariants of a Thanos deployment across its stacks (labels,
//   replicas, compactor, retention, timeouts, wiring, trust);
// - images.ts: every image and chart the plan pulls, listed (and written to out/<stack>/images.txt
//   and charts.txt for filling a mirror), each image from the mirror where images.registry is set.

import * as fs from "fs";
import * as path from "path";
import { checkAlertPath, checkAlertmanagerConfig, checkAlertmanagerNetwork } from "./checks/alertmanager";
import { checkAvailability } from "./checks/availability";
import { checkInvariants } from "./checks/crossStack";
import { checkDashboards } from "./checks/dashboards";
import { chartsFile, checkImages, formatPulls, imagesFile, planPulls } from "./checks/images";
import { checkMinioPolicies } from "./checks/minioPolicies";
import { checkNetwork } from "./checks/network";
import { checkFrontDoor } from "./checks/frontDoor";
import { Finding, RenderedPlan, loadPlans } from "./checks/renderedPlan";
import { checkRuleFiles, checkRunbookLinks } from "./checks/rules";
import { checkScale } from "./checks/scale";
import { checkSchemas } from "./checks/schemas";
import { checkChartSecurity, checkPodSecurity, checkSecrets, checkTransport } from "./checks/security";
import { checkCacheMemory } from "./checks/thanosCaches";
import { checkThanosConfigs } from "./checks/thanosConfigs";
import { checkThanosFlags } from "./checks/thanosFlags";
import { PROJECT_ROOT } from "./projectRoot";

/** Every check over every plan. */
export async function validatePlans(plans: RenderedPlan[]): Promise<Finding[]> {
    const perStack = plans.flatMap((plan) => [
        ...checkThanosFlags(plan),
        ...checkThanosConfigs(plan),
        ...checkMinioPolicies(plan),
        ...checkPodSecurity(plan),
        ...checkChartSecurity(plan),
        ...checkAvailability(plan),
        ...checkCacheMemory(plan),
        ...checkScale(plan),
        ...checkNetwork(plan),
        ...checkFrontDoor(plan),
        ...checkSecrets(plan),
        ...checkTransport(plan),
        ...checkAlertmanagerConfig(plan),
        ...checkAlertmanagerNetwork(plan),
        ...checkRuleFiles(plan),
        ...checkRunbookLinks(plan),
        ...checkDashboards(plan, { ci: process.env.CI === "true" }),
        ...checkImages(plan),
    ]);
    return [...(await checkSchemas(plans)), ...perStack, ...checkInvariants(plans), ...checkAlertPath(plans)];
}

export function formatFindings(findings: Finding[]): string {
    return findings
        .map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.stack} | ${f.object} | ${f.field} | ${f.message}`)
        .join("\n");
}

if (require.main === module) {
    const outDir = process.argv[2] ?? path.join(PROJECT_ROOT, "out");
    (async () => {
        if (!fs.existsSync(outDir)) throw new Error(`${outDir} does not exist: run \`npm run render\` first`);
        const plans = loadPlans(outDir);
        const findings = await validatePlans(plans);
        // What the plan pulls: for an operator mirroring it into an air-gapped lab (docs/air-gapped.md).
        for (const plan of plans) {
            const pulls = planPulls(plan);
            fs.writeFileSync(path.join(outDir, plan.stack, "images.txt"), imagesFile(pulls));
            fs.writeFileSync(path.join(outDir, plan.stack, "charts.txt"), chartsFile(pulls));
            console.log(formatPulls(plan.stack, pulls));
        }
        console.log(
            `images: ours as rendered in ${path.join(outDir, "<stack>", "manifests.yaml")}; the chart's from its image table ` +
                "(components/kubePrometheusStack/images.ts, checked against the real chart by tests/images.test.ts where the chart is present). " +
                `Lists: ${path.join(outDir, "<stack>", "images.txt")} (<upstream> <pulled as>), charts.txt`,
        );
        const errors = findings.filter((f) => f.severity === "error");
        if (findings.length > 0) console.log(formatFindings(findings));
        console.log(
            `validate: ${plans.length} stacks, ${errors.length} errors, ${findings.length - errors.length} warnings`,
        );
        process.exit(errors.length > 0 ? 1 : 0);
    })().catch((err: unknown) => {
        console.error(`validate failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
