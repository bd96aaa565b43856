// The project's Thanos dashboards, as Grafana's JSON model. Each is a pure function; the
// ThanosDashboards component provisions them through the Grafana sidecar. To add one: write
// dashboards/<name>.ts returning buildDashboard({...}) and list it here.

import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { compactorDashboard } from "./compactor";
import { overviewDashboard } from "./overview";
import { queryDashboard } from "./query";
import { rulerDashboard } from "./ruler";
import { sidecarDashboard } from "./sidecar";
import { storeGatewayDashboard } from "./storeGateway";

export { JOBS, THANOS_TAG } from "./common";

/** Every Thanos dashboard, overview first. */
export function thanosDashboards(): Dashboard[] {
    return [
        overviewDashboard(),
        queryDashboard(),
        storeGatewayDashboard(),
        compactorDashboard(),
        sidecarDashboard(),
        rulerDashboard(),
    ];
}
