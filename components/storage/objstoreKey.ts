import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ObjstoreIdentityOutput } from "../../contract";
import { MetricsRole } from "./policies";

/**
 * MinIO access key (the user's name) of a role's identity. The sidecars' is named after their
 * cluster, one per cluster; the central roles' after the role. Prefixed with the bucket's
 * consumer, `thanos-`, so that MinIO's user list says whose key it is.
 */
export function objstoreAccessKey(role: MetricsRole, clusterName: string): string {
    switch (role) {
        case "sidecar":
            return `thanos-sidecar-${clusterName}`;
        case "ruler":
            return "thanos-ruler";
        case "storeGateway":
            return "thanos-store-gateway";
        case "compactor":
            return "thanos-compactor";
    }
}

/** One role's MinIO identity: its access key (public) and secret key (a secret Output). */
export interface ObjstoreIdentity {
    role: MetricsRole;
    accessKey: string;
    secretKey: pulumi.Output<string>;
}

export interface ObjstoreKeyArgs {
    role: MetricsRole;
    /** This stack's cluster (the sidecars' access key names it). */
    clusterName: string;
}

/**
 * A generated secret key for one role. It lives in this stack's state (encrypted) and in the
 * role's objstore Secret; the central stack gives MinIO the same key when it creates the user. 40
 * letters and digits: MinIO's longest generated secret, and nothing a YAML or URL parser reads
 * differently.
 */
export class ObjstoreKey extends pulumi.ComponentResource {
    public readonly identity: ObjstoreIdentity;

    constructor(name: string, args: ObjstoreKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:storage:ObjstoreKey", name, {}, opts);
        const password = new random.RandomPassword(name, { length: 40, special: false }, { parent: this });
        this.identity = {
            role: args.role,
            accessKey: objstoreAccessKey(args.role, args.clusterName),
            // The provider marks `result` secret; pulumi.secret keeps it so should that ever change.
            secretKey: pulumi.secret(password.result),
        };
        this.registerOutputs({ accessKey: this.identity.accessKey });
    }
}

/** The keys a role uses on this stack: its own generated identity, or the one shared key. */
export interface RoleKeys {
    role: MetricsRole;
    accessKey: pulumi.Input<string>;
    secretKey: pulumi.Input<string>;
    /** Generated here (objectStorage.identities perRole): the central stack creates its MinIO user. */
    perRole: boolean;
}

/**
 * The keys of `role` on this stack: generated (a child ObjstoreKey of `parent`) with per-role
 * identities, the shared objectStorageAccessKey/objectStorageSecretKey otherwise.
 */
export function roleKeys(
    name: string,
    role: MetricsRole,
    stack: {
        clusterName: string;
        objectStorage: { identities: "perRole" | "shared" };
        secrets: { sharedObjstore?: { accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> } };
    },
    parent: pulumi.Resource,
): RoleKeys {
    if (stack.objectStorage.identities === "shared") {
        const shared = stack.secrets.sharedObjstore;
        if (shared === undefined)
            throw new Error("objectStorage.identities is shared but the stack config holds no shared key");
        return { role, accessKey: shared.accessKey, secretKey: shared.secretKey, perRole: false };
    }
    const key = new ObjstoreKey(name, { role, clusterName: stack.clusterName }, { parent });
    return { role, accessKey: key.identity.accessKey, secretKey: key.identity.secretKey, perRole: true };
}

/** The contract's objstoreIdentity output of these keys: secret as a whole. */
export function objstoreIdentityOutput(keys: RoleKeys): pulumi.Output<ObjstoreIdentityOutput> {
    if (!keys.perRole) return pulumi.secret({ perRole: false as const });
    return pulumi.secret(
        pulumi
            .all([keys.accessKey, keys.secretKey])
            .apply(([accessKey, secretKey]) => ({ perRole: true as const, accessKey, secretKey })),
    );
}
