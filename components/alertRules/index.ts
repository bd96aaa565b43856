// The project's alert rules: the Thanos mixin's for the components we run, and our own across
// clusters. Pure builders; components/thanosAlertRules.ts and the Ruler deploy them.

import { alertmanagerRuleGroups } from "./alertmanager";
import { frontDoorRuleGroups } from "./frontDoor";
import { clusterRuleGroups, globalRuleGroups } from "./multicluster";
import { controlPlaneRuleGroups, sidecarRuleGroups } from "./thanosMixin";
import { alertNames } from "./types";

export * from "./types";
export * from "./multicluster";
export * from "./thanosMixin";
export * from "./alertmanager";
export * from "./frontDoor";
export * from "./rateWindow";

/** Every alert this project defines, wherever it runs. */
export const PROJECT_ALERT_NAMES: readonly string[] = alertNames([
    ...sidecarRuleGroups({ baseUrl: "" }),
    ...controlPlaneRuleGroups({ baseUrl: "" }),
    ...alertmanagerRuleGroups({ baseUrl: "" }),
    ...frontDoorRuleGroups({ baseUrl: "" }),
    ...clusterRuleGroups({ baseUrl: "" }),
    ...globalRuleGroups({ baseUrl: "" }, ["any"]),
]);
