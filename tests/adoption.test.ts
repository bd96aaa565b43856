import { expect } from "chai";
import { ConfigError, parseClusterSettings } from "../config/settings";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../offline/runStack";
import { byType, committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";

describe("adopting an existing kube-prometheus-stack", () => {
    const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

    it("is what every committed stack file decides: take over kube-prometheus-stack in monitoring, adopt kept true", () => {
        for (const stack of STACKS) {
            // The decision docs/existing-kube-prometheus-stack.md argues, written in each stack file.
            expect(stackFile(stack).config["thanos-multicluster:kubePrometheusStack"], stack).to.deep.equal({
                adopt: true,
                releaseName: "kube-prometheus-stack",
            });
            const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
            expect(text, stack).to.contain("docs/existing-kube-prometheus-stack.md");
        }
    });

    for (const stack of ["cluster-01", "cluster-03"]) {
        it(`${stack} as committed imports the release and its namespace, and creates only the node exporter's`, async () => {
            const run = await runCommittedStack(stack, {}, stack === "cluster-01" ? await committedEdgeOutputs() : {});
            const [release] = byType(run, RELEASE);
            expect((release.inputs as any).name).to.equal("kube-prometheus-stack");
            expect((release.inputs as any).namespace).to.equal("monitoring");
            // Helm's release id for import: <namespace>/<name>; an update after the import upgrades it.
            expect(release.import).to.equal("monitoring/kube-prometheus-stack");
            expect(release.retainOnDelete).to.equal(undefined);
            const namespaces = Object.fromEntries(
                byType(run, NAMESPACE).map((r) => [(r.inputs as any).metadata.name, [r.import, r.retainOnDelete]]),
            );
            // `monitoring` may hold what we never created (the old release's volumes): destroy leaves it.
            expect(namespaces).to.deep.equal({
                monitoring: ["monitoring", true],
                "monitoring-node-exporter": [undefined, undefined],
            });
            const imported = run.resources.filter((r) => r.import !== undefined && r.type.startsWith("kubernetes:"));
            expect(imported.map((r) => r.type).sort()).to.deep.equal([NAMESPACE, RELEASE]);
        });
    }

    it("installs where nothing exists (adopt: false): nothing imported", async () => {
        const run = await runCommittedStack("cluster-03", {
            "thanos-multicluster:kubePrometheusStack": { adopt: false },
        });
        const [release] = byType(run, RELEASE);
        expect((release.inputs as any).name).to.equal("kube-prometheus-stack");
        expect(run.resources.filter((r) => r.import !== undefined && r.type.startsWith("kubernetes:"))).to.deep.equal(
            [],
        );
    });

    it("takes over a release of another name in monitoring, and the namespace it lives in, with Pulumi's import", async () => {
        const run = await runCommittedStack("cluster-03", {
            "thanos-multicluster:kubePrometheusStack": { adopt: true, releaseName: "prometheus" },
        });
        const [release] = byType(run, RELEASE);
        expect((release.inputs as any).name).to.equal("prometheus");
        expect((release.inputs as any).namespace).to.equal("monitoring");
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
                grpcSourceRanges: ["192.168.101.194/32"],
                httpSourceRanges: ["192.168.101.0/24"],
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
