// Where a failed check sends the operator: the closest runbook in docs/runbooks.md (one heading per
// alert) and the check's own section in docs/verify.md. A test checks that
// every anchor exists.

export const RUNBOOKS = {
    stores: ["docs/runbooks.md#clusterunreachablefromquery", "docs/verify.md#stores"],
    storesUnlisted: ["docs/verify.md#stores"],
    tier: ["docs/verify.md#stores-at-two-tiers"],
    tieredEdge: ["docs/runbooks.md#clusterunreachablefromquery", "docs/verify.md#stores-at-two-tiers"],
    query: ["docs/runbooks.md#thanosqueryisdown", "docs/verify.md#query"],
    up: ["docs/runbooks.md#clustermetricsmissing", "docs/verify.md#up"],
    uploads: ["docs/runbooks.md#clusterblocksnotuploaded", "docs/verify.md#uploads"],
    alertmanager: ["docs/verify.md#alertmanager"],
    alerts: ["docs/runbooks.md#thanosrulerwatchdog", "docs/verify.md#alerts"],
    testAlert: ["docs/alerting.md#routes", "docs/verify.md#test-alert"],
    grafana: ["docs/verify.md#grafana"],
} satisfies Record<string, string[]>;
