// The upstream sources of the metric reference list (offline/metrics/generate.ts): each repository
// at the revision the deployment runs, and the folders read.

export interface MetricSource {
    /** owner/name on GitHub. */
    repo: string;
    /** The pinned revision (tag or commit). */
    rev: string;
    /** Why this revision. */
    pin: string;
    /** Folders read (recursively); "" is the whole repository. */
    dirs: string[];
    /** Folders left out. */
    skip?: string[];
    /** Every string literal with this prefix is a metric name (kube-state-metrics). */
    literalPrefix?: string;
    /** The Go module path, to resolve imports for registerer prefixes. */
    module?: string;
    /** Where the values of a `%s` that is no constant come from: `name: "..."` literals of this file (Thanos' component names). */
    wildcardsFrom?: string;
}

export const SOURCES: MetricSource[] = [
    {
        repo: "thanos-io/thanos",
        rev: "v0.42.4",
        pin: "the Thanos the chart's sidecar and our control plane run",
        dirs: ["cmd/thanos", "pkg"],
        module: "github.com/thanos-io/thanos",
        wildcardsFrom: "pkg/component/component.go",
    },
    {
        repo: "thanos-io/objstore",
        rev: "71d60dfee488",
        pin: "the objstore Thanos v0.42.4 pins (go.mod)",
        dirs: [""],
        skip: ["providers", "exthttp", "tracing"],
        module: "github.com/thanos-io/objstore",
    },
    {
        repo: "grpc-ecosystem/go-grpc-middleware",
        rev: "providers/prometheus/v1.0.1",
        pin: "the gRPC metrics provider Thanos v0.42.4 pins (go.mod)",
        dirs: ["providers/prometheus"],
    },
    {
        repo: "prometheus/client_golang",
        rev: "v1.23.2",
        pin: "the client library Thanos v0.42.4 pins (go.mod): go_*, process_*",
        dirs: ["prometheus"],
        skip: ["prometheus/testutil", "prometheus/push", "prometheus/graphite"],
    },
    {
        repo: "prometheus/prometheus",
        rev: "v3.14.0",
        pin: "the Prometheus kube-prometheus-stack 88.5.3 deploys",
        dirs: [""],
        skip: ["documentation", "cmd/promtool", "web/ui"],
    },
    {
        repo: "prometheus/alertmanager",
        rev: "v0.34.0",
        pin: "the Alertmanager kube-prometheus-stack 88.5.3 deploys",
        dirs: [""],
        skip: ["cmd/amtool", "test"],
    },
    {
        repo: "kubernetes/kube-state-metrics",
        rev: "v2.20.0",
        pin: "the appVersion of the chart's kube-state-metrics 8.4.0",
        dirs: ["internal/store"],
        literalPrefix: "kube_",
    },
    {
        repo: "prometheus/node_exporter",
        rev: "v1.12.1",
        pin: "the appVersion of the chart's prometheus-node-exporter 4.56.1",
        dirs: ["collector"],
    },
];
