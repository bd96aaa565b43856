// The policy pack's rules, apart from the PolicyPack itself (constructing one starts a server):
// tests call their validate functions on resources from the rendered stacks. The stack rules run
// the same checks as `npm run validate`, on what a real `pulumi preview` is about to deploy.

import * as yaml from "js-yaml";
import {
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { checkAvailability } from "../offline/checks/availability";
import { servesPrometheusPods } from "../offline/checks/network";
import { Finding, RenderedPlan, thanosContainers } from "../offline/checks/renderedPlan";
import { checkChartSecurity, checkPodSecurity } from "../offline/checks/security";
import { checkThanosFlags } from "../offline/checks/thanosFlags";
import { QUERY_ENDPOINTS_CONFIGMAP, QUERY_ENDPOINTS_KEY } from "../components/names";
import { checkThanosConfigs } from "../offline/checks/thanosConfigs";
import { thanosConfigProblems } from "../schemas/thanos";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** A plan of the resources a preview registers, in the shape the validate checks read. */
// A preview's resource properties are untyped; the checks read them as they read a rendered plan.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function planOfResources(resources: { type: string; props: Record<string, any> }[]): RenderedPlan {
    return {
        stack: "(preview)",
        config: {},
        manifests: resources
            .filter((r) => r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE && r.props.kind !== undefined)
            .map((r) => r.props),
        releases: resources
            .filter((r) => r.type === HELM_RELEASE)
            .map((r) => ({
                name: r.props.name,
                namespace: r.props.namespace,
                chart: r.props.chart,
                version: r.props.version,
                repository: r.props.repositoryOpts?.repo,
                values: r.props.values ?? {},
            })),
        resources: [],
        outputs: {},
        files: {},
    };
}

function report(findings: Finding[], reportViolation: ReportViolation): void {
    for (const f of findings.filter((f) => f.severity === "error"))
        reportViolation(`${f.object} ${f.field}: ${f.message}`);
}

function stackPolicy(
    name: string,
    description: string,
    check: (plan: RenderedPlan) => Finding[],
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
            report(check(planOfResources(args.resources)), reportViolation),
    };
}

function resourcePolicy(
    name: string,
    description: string,
    validate: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidationPolicy {
    return { name, description, enforcementLevel: "mandatory", validateResource: validate };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    resourcePolicy(
        "explicit-kubernetes-provider",
        "Every Kubernetes resource names the stack's provider; none falls back to the ambient kubeconfig.",
        (args, reportViolation) => {
            if (!args.type.startsWith("kubernetes:")) return;
            if (args.provider === undefined || args.provider.name.startsWith("default")) {
                reportViolation(`${args.name} uses the default Kubernetes provider: pass the stack's provider`);
            }
        },
    ),
    resourcePolicy(
        "sidecar-grpc-only",
        "A Prometheus pod leaves its cluster only through the sidecar's gRPC, behind source ranges and without NodePorts.",
        (args, reportViolation) => {
            if (args.type !== "kubernetes:core/v1:Service" || args.props.spec?.type !== "LoadBalancer") return;
            if (!servesPrometheusPods(args.props.spec.selector)) return;
            for (const port of args.props.spec.ports ?? []) {
                if (port.targetPort !== "grpc")
                    reportViolation(
                        `${args.name} exposes ${port.targetPort} of a Prometheus pod: only the sidecar's gRPC may leave the cluster`,
                    );
            }
            if ((args.props.spec.loadBalancerSourceRanges ?? []).length === 0)
                reportViolation(
                    `${args.name} has no loadBalancerSourceRanges: the StoreAPI would be open to every host`,
                );
            if (args.props.spec.allocateLoadBalancerNodePorts !== false)
                reportViolation(`${args.name} allocates NodePorts, which bypass loadBalancerSourceRanges`);
        },
    ),
    resourcePolicy(
        "one-service-per-address",
        "No LoadBalancer Service shares its address (lbipam.cilium.io/sharing-key): Cilium would run one L2 lease per Service, and two nodes could answer ARP for one address.",
        (args, reportViolation) => {
            if (args.type !== "kubernetes:core/v1:Service" || args.props.spec?.type !== "LoadBalancer") return;
            const key = args.props.metadata?.annotations?.["lbipam.cilium.io/sharing-key"];
            if (key !== undefined)
                reportViolation(
                    `Service ${args.props.metadata?.name ?? args.name} shares its address (lbipam.cilium.io/sharing-key: ${key}): one Service per address (cilium/cilium#48419)`,
                );
        },
    ),
    resourcePolicy(
        "strict-remote-endpoints",
        "Query's endpoint file is valid for Thanos v0.42.4 and keeps every remote sidecar strict, so an unreachable cluster is reported, not dropped.",
        (args, reportViolation) => {
            // The top Query's file, and each mid-tier Query's (past central.query.maxEdgesPerQuery edges).
            const name: string = args.props.metadata?.name ?? "";
            if (
                args.type !== "kubernetes:core/v1:ConfigMap" ||
                (name !== QUERY_ENDPOINTS_CONFIGMAP && !/^thanos-query-tier-[0-9]+-endpoints$/.test(name))
            )
                return;
            const text = args.props.data?.[QUERY_ENDPOINTS_KEY];
            if (typeof text !== "string") return reportViolation(`${args.name} has no ${QUERY_ENDPOINTS_KEY}`);
            const document = yaml.load(text) as {
                endpoints?: { address: string; strict?: boolean; group?: boolean }[];
            };
            for (const problem of thanosConfigProblems("endpoint-sd-config", document))
                reportViolation(`${args.name}: ${problem}`);
            for (const endpoint of document?.endpoints ?? []) {
                const remote = /^[0-9.]+:[0-9]+$/.test(endpoint.address);
                if (remote && endpoint.strict !== true)
                    reportViolation(`${args.name}: remote endpoint ${endpoint.address} must be strict`);
                if (endpoint.group === true && endpoint.strict !== true)
                    reportViolation(`${args.name}: mid-tier group ${endpoint.address} must be strict`);
            }
        },
    ),
    resourcePolicy(
        "prometheus-for-thanos",
        "Prometheus ships 2h blocks through an objstore Secret reference, keeps at least 6h locally and runs 2+ replicas.",
        (args, reportViolation) => {
            if (args.type !== HELM_RELEASE || args.props.chart !== "kube-prometheus-stack") return;
            const spec = args.props.values?.prometheus?.prometheusSpec ?? {};
            if (spec.thanos?.blockSize !== "2h")
                reportViolation("prometheus.prometheusSpec.thanos.blockSize must be 2h");
            if (spec.thanos?.objectStorageConfig?.existingSecret?.name === undefined)
                reportViolation(
                    "the sidecar's objstore config must come from an existing Secret, never from Helm values",
                );
            if (spec.thanos?.objectStorageConfig?.secret !== undefined)
                reportViolation("objstore credentials are inlined in Helm values");
            const hours = /^([0-9]+)(h|d)$/.exec(spec.retention ?? "");
            if (!hours || Number(hours[1]) * (hours[2] === "d" ? 24 : 1) < 6)
                reportViolation(`prometheus.prometheusSpec.retention (${spec.retention}) must be at least 6h`);
            if ((spec.replicas ?? 1) < 2) reportViolation("prometheus.prometheusSpec.replicas must be at least 2");
            const tls = spec.thanos?.grpcServerTlsConfig;
            if (tls !== undefined && !tls.caFile && !tls.ca)
                reportViolation("the sidecar serves TLS without a client CA: any TLS client would be let in");
        },
    ),
    stackPolicy(
        "thanos-flags",
        "Every Thanos container uses flags of the pinned version, with well-formed values.",
        checkThanosFlags,
    ),
    stackPolicy(
        "thanos-configs",
        "Every config document handed to Thanos (endpoint file, caches) is valid for the pinned version.",
        checkThanosConfigs,
    ),
    stackPolicy(
        "restricted-pods",
        "Every container we define or configure meets the restricted Pod Security profile, with resources and probes.",
        (plan) => [...checkPodSecurity(plan), ...checkChartSecurity(plan)],
    ),
    stackPolicy(
        "availability",
        "Replicas, spreading and disruption budgets; the compactor never runs twice.",
        checkAvailability,
    ),
    stackPolicy("one-compactor", "A stack runs at most one compactor.", (plan) => {
        const compactors = thanosContainers(plan).filter((t) => t.component === "compact");
        return compactors.length > 1
            ? [
                  {
                      severity: "error",
                      stack: plan.stack,
                      object: "(stack)",
                      field: "compactor",
                      message: `${compactors.length} compactors: one bucket takes exactly one`,
                  },
              ]
            : [];
    }),
];
