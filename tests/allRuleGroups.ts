// Every rule group the stacks can emit, built from the rule modules directly: for the tests that
// check a property of every rule (the metrics it reads, the windows it selects).

import {
    RuleGroup,
    certificateRuleGroups,
    clusterRuleGroups,
    controlPlaneRuleGroups,
    frontDoorRuleGroups,
    globalRuleGroups,
    sidecarRuleGroups,
} from "../components/alertRules";

const LINKS = { baseUrl: "docs/runbooks.md" };
/** An edge's CA and the central deployment CA: each certificate alert rule is emitted for both. */
const CERTIFICATES = [
    { certificate: "sidecar-ca", notAfterSeconds: 2082585600 },
    { certificate: "deployment-ca", notAfterSeconds: 2082585600 },
];

/** Every rule group of every kind: edge (sidecar, cluster), central (control plane, certificates, global). */
export function allRuleGroups(): RuleGroup[] {
    return [
        ...sidecarRuleGroups(LINKS),
        ...clusterRuleGroups(LINKS, CERTIFICATES),
        ...controlPlaneRuleGroups(LINKS),
        ...frontDoorRuleGroups(LINKS),
        ...certificateRuleGroups(CERTIFICATES),
        ...globalRuleGroups(LINKS, ["cluster-02", "cluster-03"]),
    ];
}
