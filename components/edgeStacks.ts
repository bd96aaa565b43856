import * as pulumi from "@pulumi/pulumi";
import {
    CLUSTER_OUTPUT_KEYS,
    CONTRACT_VERSION,
    ClusterStackOutputs,
    OBJSTORE_IDENTITY_OUTPUT,
    ObjstoreIdentityOutput,
} from "../contract";
import { earlierCopiesNotAfter, pemCertificateBodies } from "../config/certificates";
import { EdgeCluster } from "./thanosQuery";
import { PROMETHEUS_REPLICA_LABEL } from "./names";

/** Fully qualified name of an edge stack of this project. */
export function edgeStackName(organization: string, stack: string): string {
    return `${organization}/${pulumi.getProject()}/${stack}`;
}

/** What every edge must agree on with the central stack. */
export interface EdgeExpectations {
    /** The bucket and endpoint the central Store Gateway and Compactor read. */
    objstore: { bucket: string; endpoint: string };
    /** The central cluster's name: no edge may claim it. */
    centralCluster: string;
    /** Edge stack names (cluster-02, ...) Query may dial in plaintext: central.plaintextEdges. */
    plaintextEdges: string[];
}

/** Checks the contract version an edge exports before anything else is read from it. */
export function checkContractVersion(stack: string, version: unknown): void {
    if (version === undefined) {
        throw new Error(
            `edge stack ${stack} exports no contractVersion: it has not been deployed yet (run \`pulumi up -s ${stack.split("/").pop()}\` before the central stack) or was deployed by a version of this program from before the contract`,
        );
    }
    if (version !== CONTRACT_VERSION) {
        throw new Error(
            `edge stack ${stack} exports contract version ${JSON.stringify(version)}, but this program reads version ${CONTRACT_VERSION}: deploy the edge and the central stack from the same commit`,
        );
    }
}

const HOST_PORT = /^[A-Za-z0-9.-]+:[0-9]{1,5}$/;

/** Validates one edge's contract outputs into an EdgeCluster, or throws naming the stack and the output. */
export function parseEdgeContract(
    stack: string,
    outputs: Record<string, unknown>,
    expected: EdgeExpectations,
): EdgeCluster {
    const fail = (output: string, problem: string): never => {
        throw new Error(`edge stack ${stack}: output ${output} ${problem}`);
    };
    checkContractVersion(stack, outputs.contractVersion);
    // Another stack's outputs are untyped until this function has checked them, field by field.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const o = outputs as Partial<Record<keyof ClusterStackOutputs, any>>;
    if (o.role !== "edge")
        fail("role", `is ${JSON.stringify(o.role)}, not "edge": list only edge stacks in central.edgeStacks`);
    if (typeof o.clusterName !== "string" || o.clusterName === "") fail("clusterName", "is missing");
    if (o.clusterName === expected.centralCluster)
        fail(
            "clusterName",
            `is "${o.clusterName}", the central cluster's own name: every cluster label must be unique`,
        );
    if (o.externalLabels?.cluster !== o.clusterName)
        fail("externalLabels", `must carry cluster="${o.clusterName}"; got ${JSON.stringify(o.externalLabels)}`);
    if (!Array.isArray(o.replicaLabels) || !o.replicaLabels.every((l: unknown) => typeof l === "string"))
        fail("replicaLabels", "must be a list of label names");
    // Query deduplicates on every edge's replica labels together: series that differ only in one of
    // them are merged as replicas of each other, so ["cluster"] would fold every cluster into one.
    const foreign = (o.replicaLabels as string[]).filter((l) => l !== PROMETHEUS_REPLICA_LABEL);
    if (foreign.length > 0)
        fail(
            "replicaLabels",
            `holds ${foreign.map((l) => JSON.stringify(l)).join(", ")}: Query would merge series differing only in ${foreign.length === 1 ? "that label" : "those labels"} as replicas of one another (in every cluster, not only this one); an edge's only replica label is ${PROMETHEUS_REPLICA_LABEL} (the one its Prometheus operator sets): redeploy the edge from this commit`,
        );
    if (typeof o.queryEndpoint !== "string" || o.queryEndpoint === "")
        fail(
            "queryEndpoint",
            `is ${JSON.stringify(o.queryEndpoint)}: the edge exposes no Thanos Query, so the central Query could not read it; deploy the edge from this commit`,
        );
    if (!HOST_PORT.test(o.queryEndpoint))
        fail("queryEndpoint", `is ${JSON.stringify(o.queryEndpoint)}, not host:port (the edge Query's gRPC address)`);
    if (o.objstore?.bucket !== expected.objstore.bucket || o.objstore?.endpoint !== expected.objstore.endpoint) {
        fail(
            "objstore",
            `is ${JSON.stringify(o.objstore)}, but the central Store Gateway and Compactor read ${JSON.stringify(expected.objstore)}: the edge's blocks would never be compacted or served; point both at the same bucket`,
        );
    }
    const grpcTls = o.grpcTls;
    if (grpcTls?.enabled === true) {
        for (const field of ["serverName", "caCertificate"]) {
            if (typeof grpcTls[field] !== "string" || grpcTls[field] === "")
                fail("grpcTls", `is enabled but has no ${field}`);
        }
        if (typeof grpcTls.clientCaCertificate !== "string")
            fail("grpcTls", "is enabled but does not say which client CA it trusts (clientCaCertificate)");
    } else if (grpcTls?.enabled !== false) {
        fail("grpcTls", `must say whether mTLS is enabled; got ${JSON.stringify(grpcTls)}`);
    } else if (!expected.plaintextEdges.includes(stack.split("/").pop()!)) {
        fail(
            "grpcTls",
            `is {"enabled":false}: Query would dial this edge's Query in plaintext, unauthenticated; set grpcTls.enabled: true on the edge and redeploy it, or accept plaintext for it by listing "${stack.split("/").pop()}" in central.plaintextEdges`,
        );
    }
    return {
        stack,
        stackName: stack.split("/").pop()!,
        grpcTls,
        contractVersion: CONTRACT_VERSION,
        clusterName: o.clusterName,
        role: "edge",
        externalLabels: o.externalLabels,
        replicaLabels: o.replicaLabels,
        queryEndpoint: o.queryEndpoint,
        objstore: o.objstore,
        prometheusUrl: o.prometheusUrl,
    };
}

/**
 * Validates an edge's objstoreIdentity output (secret: never printed), or throws naming the stack
 * and the output. An edge deployed before the output existed exports none.
 */
export function parseObjstoreIdentity(stack: string, value: unknown): ObjstoreIdentityOutput {
    const fail = (problem: string): never => {
        throw new Error(`edge stack ${stack}: output ${OBJSTORE_IDENTITY_OUTPUT} ${problem}`);
    };
    if (value === undefined || value === null)
        fail(
            `is missing: the edge was deployed by a version of this program from before per-role MinIO identities, so this stack cannot create its sidecars' MinIO user; deploy ${stack.split("/").pop()} from this commit first (\`npm run deploy -- up\` deploys every edge before this stack)`,
        );
    const v = value as Record<string, unknown>;
    if (v.perRole === false) return { perRole: false };
    if (v.perRole !== true) fail("must say whether the edge uses a per-role identity (perRole: true or false)");
    for (const field of ["accessKey", "secretKey"]) {
        if (typeof v[field] !== "string" || (v[field] as string).length < (field === "accessKey" ? 3 : 8))
            fail(`has no valid ${field}: redeploy the edge from this commit`);
    }
    return { perRole: true, accessKey: v.accessKey as string, secretKey: v.secretKey as string };
}

/**
 * An edge with mTLS that does not trust this stack's deployment CA rejects Query's certificate.
 * Every edge trusts the committed pki/deployment-ca.pem, so this means that the edge was last
 * deployed before `npm run pki` put this CA in the bundle (a deploy that skipped the edges), or that
 * its grpcTls.clientCaCertificate overrides the bundle. Query still dials the edge (strict), so it
 * shows as a partial-response warning until the edge is deployed. A bundle holding the current CA
 * (a rotation) is fine; an earlier certificate of the same key admits Query until it expires.
 */
export function untrustedDeploymentCaWarning(
    stack: string,
    edge: EdgeCluster,
    deploymentCa: string,
): string | undefined {
    if (!edge.grpcTls.enabled) return undefined;
    const trusted = edge.grpcTls.clientCaCertificate;
    const [current] = pemCertificateBodies(deploymentCa);
    if (current !== undefined && pemCertificateBodies(trusted).includes(current)) return undefined;
    const fix = `deploy ${stack} from this commit (\`npm run deploy -- up\` deploys every edge before this stack), and if its grpcTls.clientCaCertificate is set, remove it so that it trusts pki/deployment-ca.pem`;
    const earlier = trusted === "" ? undefined : earlierCopiesNotAfter(trusted, deploymentCa);
    if (earlier !== undefined)
        return `edge stack ${stack} trusts an earlier certificate of this deployment CA (same key), which admits Query's client certificate until ${earlier.toISOString()}; then its Thanos Query rejects it: before that, ${fix}`;
    const state = trusted === "" ? "trusts no client CA yet" : "trusts another client CA";
    return `edge stack ${stack} ${state}, so its Thanos Query rejects the central Query's client certificate: ${fix}`;
}

/** Cross-edge rules: cluster labels and Query addresses must not repeat. */
export function checkEdgesTogether(edges: EdgeCluster[]): EdgeCluster[] {
    const seen = new Map<string, string>();
    for (const edge of edges) {
        const other = seen.get(edge.clusterName);
        if (other !== undefined)
            throw new Error(
                `edge stacks ${other} and ${edge.stack} both call their cluster "${edge.clusterName}": the cluster label must tell them apart`,
            );
        seen.set(edge.clusterName, edge.stack);
    }
    const endpoints = new Map<string, string>();
    for (const edge of edges) {
        const other = endpoints.get(edge.queryEndpoint);
        if (other !== undefined)
            throw new Error(
                `edge stacks ${other} and ${edge.stack} both export the queryEndpoint ${edge.queryEndpoint}: each edge needs its own address (loadBalancer.ip)`,
            );
        endpoints.set(edge.queryEndpoint, edge.stack);
    }
    return edges;
}

/**
 * An edge's contract outputs in one read of its stack's outputs, failing as requireOutput fails on a
 * missing one. One requireOutput per key walked the whole outputs object and its promises each
 * time: at a thousand edges that was most of the central stack's render and memory. Secret as
 * requireOutput would make it: where the edge marks a contract output secret (or does not say).
 */
function contractOutputs(
    ref: pulumi.StackReference,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as the SDK types StackReference.outputs
    outputs: pulumi.Output<Record<string, any>>,
    fullName: string,
): pulumi.Output<Record<string, unknown>> {
    const values = outputs.apply((outputs) => {
        const missing = CLUSTER_OUTPUT_KEYS.find((key) => !Object.prototype.hasOwnProperty.call(outputs, key));
        if (missing !== undefined)
            throw new Error(`Required output '${missing}' does not exist on stack '${fullName}'.`);
        return Object.fromEntries(CLUSTER_OUTPUT_KEYS.map((key) => [key, outputs[key]]));
    });
    return pulumi
        .all([values, ref.secretOutputNames])
        .apply(([contract, secretNames]) =>
            Array.isArray(secretNames) && !CLUSTER_OUTPUT_KEYS.some((key) => secretNames.includes(key))
                ? pulumi.output(contract)
                : pulumi.secret(contract),
        );
}

/**
 * An Output whose value is unknown, as the engine gives one during a preview. The SDK builds such
 * Outputs itself but exports no function for it; its constructor is the Output class.
 */
function unknownOutput<T>(): pulumi.Output<T> {
    const OutputClass = pulumi.Output as unknown as new (
        resources: Set<pulumi.Resource>,
        promise: Promise<unknown>,
        isKnown: Promise<boolean>,
        isSecret: Promise<boolean>,
        allResources: Promise<Set<pulumi.Resource>>,
    ) => pulumi.Output<T>;
    return new OutputClass(
        new Set(),
        Promise.resolve(undefined),
        Promise.resolve(false),
        Promise.resolve(false),
        Promise.resolve(new Set()),
    );
}

export interface EdgeStacksArgs {
    /** Pulumi organization of the edge stacks. */
    organization: string;
    /** Edge stack names (cluster-02, ...). */
    stacks: string[];
    expected: EdgeExpectations;
}

/**
 * Reads every edge stack's outputs contract through a StackReference. The contract version is
 * checked first, then every output is required: a missing or outdated edge fails the deployment
 * with the stack's name instead of being wired wrong or left out.
 */
export class EdgeStacks extends pulumi.ComponentResource {
    /** The edges, checked together, in config order (what needs all of them: Query's endpoint file, the Ruler). */
    public readonly edges: pulumi.Output<EdgeCluster[]>;
    /** Per edge stack name: that edge alone, depending only on its own StackReference. */
    public readonly byStack: Record<string, pulumi.Output<EdgeCluster>>;
    /** Per edge stack name: its sidecars' MinIO identity (a secret Output). */
    public readonly objstoreIdentities: Record<string, pulumi.Output<ObjstoreIdentityOutput>>;

    constructor(name: string, args: EdgeStacksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:central:EdgeStacks", name, {}, opts);
        this.byStack = {};
        this.objstoreIdentities = {};
        const edges = args.stacks.map((stack) => {
            const fullName = edgeStackName(args.organization, stack);
            // Named after the stack alone: the organization is config and may change (a move to a
            // self-managed backend) without replacing anything.
            const ref = new pulumi.StackReference(
                `edge-${stack}`,
                { name: fullName },
                { parent: this, aliases: [{ name: fullName }] },
            );
            // Every output in one read, not one getOutput per key: each read walks all of an edge's
            // outputs, and at a thousand edges those reads were most of this stack's render. Unsecret
            // here; what is secret is marked again below (contractOutputs, objstoreIdentities).
            const outputs = pulumi.unsecret(ref.outputs);
            const edge = outputs.apply((all) => {
                const version = all.contractVersion;
                // A preview of a pull request that adds an edge: its stack was just created and holds
                // no outputs yet; the deploy runs it before this stack. Its values are unknown here,
                // as any value computed at deployment (docs/ci.md, "Pull requests that add a stack").
                if (version === undefined && pulumi.runtime.isDryRun()) {
                    pulumi.log.warn(
                        `edge stack ${fullName} has not been deployed yet: this preview shows what reads it as unknown; a deploy runs it before this stack`,
                        this,
                    );
                    return unknownOutput<EdgeCluster>();
                }
                checkContractVersion(fullName, version);
                return contractOutputs(ref, outputs, fullName).apply((values) =>
                    parseEdgeContract(fullName, values, args.expected),
                );
            });
            this.byStack[stack] = edge;
            // Read apart from the other outputs: it is secret, and would make every output derived from the edge secret.
            this.objstoreIdentities[stack] = pulumi.secret(
                outputs.apply((all) => {
                    const [version, identity] = [all.contractVersion, all[OBJSTORE_IDENTITY_OUTPUT]];
                    if (version === undefined && pulumi.runtime.isDryRun())
                        return unknownOutput<ObjstoreIdentityOutput>();
                    // A pull request's preview runs before the deploy that redeploys the edges: an edge
                    // from before the output shows its user as unknown there; `pulumi up` refuses it.
                    if (identity === undefined && pulumi.runtime.isDryRun()) {
                        pulumi.log.warn(
                            `edge stack ${fullName} exports no ${OBJSTORE_IDENTITY_OUTPUT} yet: this preview shows its MinIO user as unknown; a deploy redeploys the edge before this stack, and \`pulumi up\` of this stack alone would refuse it`,
                            this,
                        );
                        return unknownOutput<ObjstoreIdentityOutput>();
                    }
                    return pulumi.output(parseObjstoreIdentity(fullName, identity));
                }),
            );
            return edge;
        });
        this.edges = pulumi.all(edges).apply(checkEdgesTogether);
        this.registerOutputs({ edges: this.edges });
    }
}
