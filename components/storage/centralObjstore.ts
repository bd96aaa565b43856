import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, StackConfig } from "../../config";
import { ObjstoreIdentityOutput } from "../../contract";
import { COMPACTOR_COMPONENT } from "../thanosCompactor";
import { RULER_COMPONENT } from "../thanosRuler";
import { STORE_COMPONENT } from "../thanosStoreGateway";
import { objstoreSecretName } from "../names";
import { ObjstoreSecret } from "../objstoreSecret";
import { MetricsBucketAccess, MetricsBucketUser } from "./metricsBucketAccess";
import { RoleKeys, roleKeys } from "./objstoreKey";
import { MetricsRole } from "./policies";

/** The central Thanos components that read the bucket, each with its role and component label. */
export const CENTRAL_BUCKET_COMPONENTS: { role: MetricsRole; component: string }[] = [
    { role: "storeGateway", component: STORE_COMPONENT },
    { role: "compactor", component: COMPACTOR_COMPONENT },
    { role: "ruler", component: RULER_COMPONENT },
];

/**
 * The per-role identity of an edge, for a central stack with per-role identities: an edge on the
 * shared key would have no user, and its uploads would fail, so it is refused by name.
 */
export function edgeSidecarIdentity(
    stack: string,
    identity: ObjstoreIdentityOutput,
): { accessKey: string; secretKey: string } {
    if (!identity.perRole)
        throw new Error(
            `edge stack ${stack}: output objstoreIdentity says it uses the shared key (objectStorage.identities: shared), but this stack creates one MinIO identity per role (objectStorage.identities: perRole): set objectStorage.identities the same on every stack`,
        );
    return identity;
}

/** The users to create: every per-role identity of this stack, and each edge's sidecars'. */
export function bucketUsers(
    central: RoleKeys[],
    edges: Record<string, pulumi.Output<ObjstoreIdentityOutput>>,
): MetricsBucketUser[] {
    const users: MetricsBucketUser[] = central
        .filter((keys) => keys.perRole)
        .map((keys) => ({ name: keys.role, role: keys.role, accessKey: keys.accessKey, secretKey: keys.secretKey }));
    for (const [stack, identity] of Object.entries(edges)) {
        const checked = identity.apply((i) => edgeSidecarIdentity(stack, i));
        users.push({
            name: `sidecar-${stack}`,
            role: "sidecar",
            accessKey: checked.accessKey,
            secretKey: checked.secretKey,
        });
    }
    return users;
}

export interface CentralObjstoreArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The monitoring namespace. */
    namespace: pulumi.Input<string>;
    config: StackConfig & { central: CentralSettings };
    /** The central sidecars' keys (the monitoring base generated them). */
    sidecarKeys: RoleKeys;
    /** Each edge's sidecar identity, from its stack outputs. */
    edgeIdentities: Record<string, pulumi.Output<ObjstoreIdentityOutput>>;
    /** The buckets' resource: users and versioning wait for the bucket. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The central stack's object-storage identities: a key and an objstore Secret per central
 * component (Store Gateway, Compactor, Ruler), and, with the admin key (central.buckets.manage),
 * the MinIO users of every identity, central and edge, their policies, and the metrics bucket's
 * versioning and lifecycle.
 */
export class CentralObjstore extends pulumi.ComponentResource {
    /** The objstore Secrets, for the components to wait for. */
    public readonly secrets: ObjstoreSecret[];
    public readonly access?: MetricsBucketAccess;

    constructor(name: string, args: CentralObjstoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:storage:CentralObjstore", name, {}, opts);
        const { config } = args;
        const keys = CENTRAL_BUCKET_COMPONENTS.map(({ role, component }) => ({
            component,
            keys: roleKeys(`${name}-${component}-key`, role, config, this),
        }));
        this.secrets = keys.map(
            ({ component, keys: k }) =>
                new ObjstoreSecret(
                    `${name}-${component}`,
                    {
                        provider: args.provider,
                        namespace: args.namespace,
                        storage: config.objectStorage,
                        accessKey: k.accessKey,
                        secretKey: k.secretKey,
                        secretName: objstoreSecretName(component),
                        // The sidecars' Secret created it in this namespace.
                        withCaConfigMap: false,
                    },
                    { parent: this },
                ),
        );
        const admin = config.secrets.minioAdmin;
        if (config.central.buckets.manage && admin !== undefined) {
            const edgeIdentities = config.objectStorage.identities === "perRole" ? args.edgeIdentities : {};
            this.access = new MetricsBucketAccess(
                `${name}-access`,
                {
                    settings: {
                        endpoint: config.objectStorage.endpoint,
                        insecure: config.objectStorage.insecure,
                        insecureSkipVerify: config.objectStorage.insecureSkipVerify,
                        region: config.central.buckets.region,
                        ...(config.objectStorage.caBundle !== undefined
                            ? { caBundle: config.objectStorage.caBundle }
                            : {}),
                    },
                    adminAccessKey: admin.accessKey,
                    adminSecretKey: admin.secretKey,
                    bucket: config.objectStorage.bucket,
                    users: bucketUsers([args.sidecarKeys, ...keys.map((k) => k.keys)], edgeIdentities),
                    noncurrentVersionExpiryDays: config.central.buckets.noncurrentVersionExpiryDays,
                    dependsOn: args.dependsOn,
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}
