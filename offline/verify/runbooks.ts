// Where a failed check sends the operator: the closest runbook in the README (its "Runbooks"
// section, one heading per alert) and the check's own section in docs/verify.md. A test checks that
// every anchor exists.

export const RUNBOOKS = {
    stores: ["README.md#clusterunreachablefromquery", "docs/verify.md#stores"],
    storesUnlisted: ["docs/verify.md#stores"],
    query: ["README.md#thanosqueryisdown", "docs/verify.md#query"],
    up: ["README.md#clustermetricsmissing", "docs/verify.md#up"],
    uploads: ["README.md#clusterblocksnotuploaded", "docs/verify.md#uploads"],
    alertmanager: ["docs/verify.md#alertmanager"],
    alerts: ["README.md#thanosrulerwatchdog", "docs/verify.md#alerts"],
    testAlert: ["README.md#alerting", "docs/verify.md#test-alert"],
    grafana: ["docs/verify.md#grafana"],
} satisfies Record<string, string[]>;
