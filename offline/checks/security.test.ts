import { expect } from "chai";
import { checkChartSecurity, checkPodSecurity, checkSecrets, checkTransport } from "./security";
import { container, expectFinding, loadCommittedPlans, manifest, plan, plans, values } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("pod security and probes", () => {
        it("reports a container that breaks the restricted profile or lacks limits and probes", () => {
            const all = plans();
            const query = container(plan(all, "cluster-01"), "Deployment", "thanos-query");
            query.securityContext = { allowPrivilegeEscalation: true };
            delete query.resources.limits;
            delete query.readinessProbe;
            const findings = checkPodSecurity(plan(all, "cluster-01"));
            for (const field of ["allowPrivilegeEscalation", "capabilities.drop", "readOnlyRootFilesystem"]) {
                expectFinding(findings, {
                    object: "Deployment/monitoring/thanos-query",
                    field: `spec.template.spec.containers[0].securityContext.${field}`,
                });
            }
            expectFinding(findings, { field: "spec.template.spec.containers[0].resources.limits.memory" });
            expectFinding(findings, { field: "spec.template.spec.containers[0].readinessProbe", message: "/-/ready" });
        });
    });

    describe("the chart's pods", () => {
        it("reports a chart component that breaks the restricted profile or lacks resources", () => {
            const all = plans();
            const v = values(plan(all, "cluster-01"));
            v.grafana.containerSecurityContext.readOnlyRootFilesystem = false;
            delete v.prometheusOperator.resources;
            v.prometheus.prometheusSpec.securityContext.runAsNonRoot = false;
            v.grafana.initChownData.enabled = true;
            v.alertmanager.alertmanagerSpec.replicas = 2;
            const findings = checkChartSecurity(plan(all, "cluster-01"));
            expectFinding(findings, { field: "grafana.containerSecurityContext.readOnlyRootFilesystem" });
            expectFinding(findings, { field: "prometheusOperator.resources" });
            expectFinding(findings, { field: "prometheus.prometheusSpec.securityContext.runAsNonRoot" });
            expectFinding(findings, { field: "grafana.initChownData.enabled" });
            expectFinding(findings, { field: "alertmanager.alertmanagerSpec.replicas" });
        });

        it("does not ask for Grafana where it is off", () => {
            expect(checkChartSecurity(plan(plans(), "cluster-02"))).to.deep.equal([]);
        });
    });

    describe("secrets", () => {
        it("reports a Secret value in clear and a secret anywhere in the plan's text", () => {
            const all = plans();
            const edge = plan(all, "cluster-02");
            manifest(edge, "Secret", "thanos-objstore").stringData["objstore.yml"] = "type: S3";
            edge.files["resources.json"] += "offline-placeholder-objectStorageSecretKey";
            const findings = checkSecrets(edge);
            expectFinding(findings, { object: "Secret/monitoring/thanos-objstore", field: "stringData.objstore.yml" });
            expectFinding(findings, { object: "resources.json", message: "in clear" });
        });
    });

    describe("transport", () => {
        it("warns only where plain http or skip-verify is opted into", () => {
            const all = plans();
            const edge = plan(all, "cluster-03");
            edge.config["thanos-multicluster:objectStorage"] = {
                ...(edge.config["thanos-multicluster:objectStorage"] as object),
                insecure: false,
                insecureSkipVerify: false,
            };
            expect(checkTransport(edge)).to.deep.equal([]);
            expect(checkTransport(plan(all, "cluster-04")).map((f) => f.severity)).to.deep.equal([
                "warning",
                "warning",
            ]);
        });
    });
});
