import { expect } from "chai";
import { checkInvariants } from "./crossStack";
import { checkThanosConfigs } from "./thanosConfigs";
import {
    container,
    endpointFile,
    ENDPOINTS_FIELD,
    expectFinding,
    loadCommittedPlans,
    manifest,
    plan,
    plans,
    setEndpointFile,
    setFlag,
    values,
} from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("cross-stack invariants", () => {
        it("cluster labels are unique", () => {
            const all = plans();
            values(plan(all, "cluster-04")).prometheus.prometheusSpec.externalLabels.cluster = "cluster-03";
            expectFinding(checkInvariants(all), {
                stack: "cluster-04",
                message: `"cluster-03" is also cluster-03's cluster label`,
            });
        });

        it("blocks are 2h everywhere, the Ruler's too", () => {
            const all = plans();
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.thanos.blockSize = "4h";
            setFlag(container(plan(all, "cluster-01"), "StatefulSet", "thanos-ruler"), "tsdb.block-duration", "6h");
            const findings = checkInvariants(all);
            expectFinding(findings, { stack: "cluster-02", field: "prometheus.prometheusSpec.thanos.blockSize" });
            expectFinding(findings, { stack: "cluster-01", field: "--tsdb.block-duration" });
        });

        it("local retention is at least 6h and outlasts the outage to survive", () => {
            const all = plans();
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.retention = "4h";
            values(plan(all, "cluster-03")).prometheus.prometheusSpec.retention = "24h";
            const findings = checkInvariants(all);
            expectFinding(findings, { stack: "cluster-02", message: "at least 6h" });
            expectFinding(findings, { stack: "cluster-03", message: "does not outlast the object-store outage" });
        });

        it("exactly one compactor per bucket", () => {
            const all = plans();
            const compactor = manifest(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor");
            plan(all, "cluster-02").manifests.push(JSON.parse(JSON.stringify(compactor)));
            expectFinding(checkInvariants(all), { object: "bucket thanos-bucket", message: "found 2" });
            const none = plans();
            plan(none, "cluster-01").manifests = plan(none, "cluster-01").manifests.filter(
                (o) => o.metadata.name !== "thanos-compactor",
            );
            expectFinding(checkInvariants(none), { object: "bucket thanos-bucket", message: "found 0" });
        });

        it("every edge's Query is wired into the central Query, strictly", () => {
            const all = plans();
            const config = endpointFile(plan(all, "cluster-01"));
            config.endpoints = config.endpoints.filter((e: any) => e.address !== "192.168.101.212:10901");
            config.endpoints.find((e: any) => e.address === "192.168.101.213:10901").strict = false;
            setEndpointFile(plan(all, "cluster-01"), config);
            const findings = checkInvariants(all);
            expectFinding(findings, {
                field: ENDPOINTS_FIELD,
                message: "does not read cluster-03's Query 192.168.101.212:10901",
            });
            expectFinding(findings, {
                field: ENDPOINTS_FIELD,
                message: "cluster-04's Query 192.168.101.213:10901 must be strict",
            });
        });

        it("Query without its endpoint file mounted reads no store", () => {
            const all = plans();
            const query = container(plan(all, "cluster-01"), "Deployment", "thanos-query");
            query.volumeMounts = query.volumeMounts.filter((m: any) => m.name !== "endpoints");
            expectFinding(checkInvariants(all), {
                field: "--endpoint.sd-config-file",
                message: "does not read cluster-02's Query 192.168.101.211:10901",
            });
            expectFinding(checkThanosConfigs(plan(all, "cluster-01")), {
                field: "--endpoint.sd-config-file",
                message: "Thanos would not start",
            });
        });

        it("the endpoint file is checked against Thanos v0.42.4's schema: the old grpc_client_config key is an error", () => {
            const all = plans();
            expect(checkThanosConfigs(plan(all, "cluster-01"))).to.deep.equal([]);
            const config = endpointFile(plan(all, "cluster-01"));
            const endpoint = config.endpoints.find((e: any) => e.address === "192.168.101.211:10901");
            endpoint.grpc_client_config = endpoint.client_config;
            delete endpoint.client_config;
            setEndpointFile(plan(all, "cluster-01"), config);
            expectFinding(checkThanosConfigs(plan(all, "cluster-01")), {
                field: ENDPOINTS_FIELD,
                message: 'must NOT have additional properties: "grpc_client_config"',
            });
            // ... and Query would then dial that mTLS-only edge Query in plain gRPC.
            expectFinding(checkInvariants(all), {
                message: "requires mTLS on 192.168.101.211:10901, but Query dials it in plain gRPC",
            });
        });

        it("replica labels agree between Prometheus, Ruler, Query and Compactor", () => {
            const all = plans();
            const central = plan(all, "cluster-01");
            const query = container(central, "Deployment", "thanos-query");
            query.args = query.args.filter((a: string) => a !== "--query.replica-label=rule_replica");
            values(plan(all, "cluster-02")).prometheus.prometheusSpec.replicaExternalLabelName = "replica";
            setFlag(container(central, "StatefulSet", "thanos-ruler"), "alert.label-drop", undefined);
            container(central, "StatefulSet", "thanos-compactor").args.push("--deduplication.replica-label=instance");
            const findings = checkInvariants(all);
            expectFinding(findings, { message: "does not deduplicate the Ruler's replica label rule_replica" });
            expectFinding(findings, { message: "does not deduplicate cluster-02's Prometheus replica label replica" });
            expectFinding(findings, { field: "--alert.label-drop" });
            expectFinding(findings, { field: "--deduplication.replica-label", message: "instance" });
        });

        it("mTLS: an edge Query verifies clients, and the central Query dials TLS edges with TLS, from mounted files, checking their name", () => {
            const all = plans();
            const edgeQuery = container(plan(all, "cluster-02"), "Deployment", "thanos-query");
            edgeQuery.args = edgeQuery.args.filter((a: string) => !a.startsWith("--grpc-server-tls-client-ca="));
            const config = endpointFile(plan(all, "cluster-01"));
            delete config.endpoints.find((e: any) => e.address === "192.168.101.212:10901").client_config;
            config.endpoints.find((e: any) => e.address === "192.168.101.213:10901").client_config.server_name =
                "cluster-04";
            config.endpoints.find((e: any) => e.address === "192.168.101.211:10901").client_config.tls_config.key_file =
                "/tmp/tls.key";
            setEndpointFile(plan(all, "cluster-01"), config);
            const findings = checkInvariants(all);
            expectFinding(findings, {
                stack: "cluster-02",
                object: "Deployment/monitoring/thanos-query",
                field: "--grpc-server-tls-client-ca",
                message: "without a client CA",
            });
            expectFinding(findings, {
                message: "requires mTLS on 192.168.101.212:10901, but Query dials it in plain gRPC",
            });
            expectFinding(findings, { field: `${ENDPOINTS_FIELD} 192.168.101.213:10901 server_name` });
            expectFinding(findings, {
                field: `${ENDPOINTS_FIELD} 192.168.101.211:10901 key_file`,
                message: "not in a volume mounted into Query",
            });
        });

        it("compactor retention keeps raw >= 40h and 5m >= 10d", () => {
            const all = plans();
            const compactor = container(plan(all, "cluster-01"), "StatefulSet", "thanos-compactor");
            setFlag(compactor, "retention.resolution-raw", "30h");
            setFlag(compactor, "retention.resolution-5m", "5d");
            const findings = checkInvariants(all);
            expectFinding(findings, { field: "--retention.resolution-raw" });
            expectFinding(findings, { field: "--retention.resolution-5m" });
        });

        it("the store stops serving deleted blocks before the compactor deletes them", () => {
            const all = plans();
            setFlag(
                container(plan(all, "cluster-01"), "StatefulSet", "thanos-store"),
                "ignore-deletion-marks-delay",
                "48h",
            );
            expectFinding(checkInvariants(all), {
                object: "StatefulSet/monitoring/thanos-store",
                field: "--ignore-deletion-marks-delay",
            });
        });

        it("Query times out after its stores", () => {
            const all = plans();
            setFlag(container(plan(all, "cluster-01"), "Deployment", "thanos-query"), "store.response-timeout", "5m");
            expectFinding(checkInvariants(all), { field: "--query.timeout" });
        });
    });
});
