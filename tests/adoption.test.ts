import { expect } from "chai";
import { ConfigError, parseClusterSettings } from "../config/settings";
import { byType, runCommittedStack } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";

describe("adopting an existing kube-prometheus-stack", () => {
    it("by default installs our release and creates the namespaces (nothing imported)", async () => {
        const run = await runCommittedStack("cluster-03");
        const [release] = byType(run, RELEASE);
        expect((release.inputs as any).name).to.equal("kube-prometheus-stack");
        expect(run.resources.filter((r) => r.import !== undefined && r.type.startsWith("kubernetes:"))).to.deep.equal(
            [],
        );
    });

    it("takes over the existing release by its name in monitoring, and the namespace it lives in, with Pulumi's import", async () => {
        const run = await runCommittedStack("cluster-03", {
            "thanos-multicluster:kubePrometheusStack": { adopt: true, releaseName: "prometheus" },
        });
        const [release] = byType(run, RELEASE);
        expect((release.inputs as any).name).to.equal("prometheus");
        expect((release.inputs as any).namespace).to.equal("monitoring");
        // Helm's release id for import: <namespace>/<name>.
        expect(release.import).to.equal("monitoring/prometheus");
        const namespaces = Object.fromEntries(
            byType(run, NAMESPACE).map((r) => [(r.inputs as any).metadata.name, r.import]),
        );
        expect(namespaces).to.deep.equal({ monitoring: "monitoring", "monitoring-node-exporter": undefined });
        // Object names stay ours whatever the release is called (fullnameOverride), so the sidecar Services still select the pods.
        expect((release.inputs as any).values.fullnameOverride).to.equal("kps");
    });

    it("rejects a release name Helm would refuse, naming the key", () => {
        const raw = {
            clusterName: "cluster-03",
            role: "edge",
            nodeIps: ["192.168.101.197"],
            kubernetes: { context: "cluster-03" },
            loadBalancer: {
                ip: "192.168.101.212",
                pool: { start: "192.168.101.212", stop: "192.168.101.212" },
                sidecarSourceRanges: ["192.168.101.194/32"],
            },
            objectStorage: {
                endpoint: "s3.minio.miribit.lab:80",
                bucket: "thanos-bucket",
                insecure: true,
                allowInsecureTransport: true,
            },
            kubePrometheusStack: { adopt: true, releaseName: "Prometheus_Stack" },
        };
        expect(() => parseClusterSettings(raw, { kubeconfig: false })).to.throw(
            ConfigError,
            "thanos-multicluster:kubePrometheusStack.releaseName must be a Helm release name",
        );
    });
});
