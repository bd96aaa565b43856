import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageSettings } from "../config";
import { MANAGED_BY_LABEL, OBJSTORE_CA, OBJSTORE_CA_FILE, OBJSTORE_SECRET, PART_OF_LABEL } from "./names";

/** S3 credentials, kept apart from the settings so the settings can be logged and rendered. */
export interface ObjstoreCredentials {
    accessKey: string;
    secretKey: string;
}

/**
 * Thanos' objstore config (`--objstore.config-file`) for the metrics bucket, as YAML. JSON is
 * valid YAML and quotes every string, so no credential can break the document.
 */
export function objstoreConfigYaml(storage: ObjectStorageSettings, credentials: ObjstoreCredentials): string {
    const config: Record<string, unknown> = {
        bucket: storage.bucket,
        endpoint: storage.endpoint,
        ...(storage.region !== undefined ? { region: storage.region } : {}),
        access_key: credentials.accessKey,
        secret_key: credentials.secretKey,
        insecure: storage.insecure,
        // MinIO serves buckets by path; virtual-hosted lookups would need a DNS name per bucket.
        bucket_lookup_type: "path",
        http_config: {
            insecure_skip_verify: storage.insecureSkipVerify,
            ...(storage.caBundle !== undefined ? { tls_config: { ca_file: OBJSTORE_CA_FILE } } : {}),
        },
    };
    return JSON.stringify({ type: "S3", config }, null, 2) + "\n";
}

export interface ObjstoreSecretArgs {
    /** Provider of the cluster the Secret lives in. */
    provider: k8s.Provider;
    /** Namespace of the Thanos components that read it. */
    namespace: pulumi.Input<string>;
    /** Endpoint, bucket and transport of the metrics bucket. */
    storage: ObjectStorageSettings;
    /** Access key (a secret Output). */
    accessKey: pulumi.Input<string>;
    /** Secret key (a secret Output). */
    secretKey: pulumi.Input<string>;
    /** The Secret's name: the sidecars' by default; each central role has its own (objstoreSecretName). */
    secretName?: string;
    /** Also create the CA bundle's ConfigMap (once per namespace: the sidecars' Secret does). */
    withCaConfigMap?: boolean;
}

/** The Secret holding the objstore config (and the CA bundle's ConfigMap, for https with a private CA). */
export class ObjstoreSecret extends pulumi.ComponentResource {
    /** Secret name. */
    public readonly secretName: pulumi.Output<string>;
    /** Key of the objstore config inside the Secret. */
    public readonly secretKey: string = OBJSTORE_SECRET.key;

    constructor(name: string, args: ObjstoreSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ObjstoreSecret", name, {}, opts);
        const contents = pulumi
            .all([args.accessKey, args.secretKey])
            .apply(([accessKey, secretKey]) => objstoreConfigYaml(args.storage, { accessKey, secretKey }));
        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: args.secretName ?? OBJSTORE_SECRET.name,
                    namespace: args.namespace,
                    labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL, "app.kubernetes.io/component": "objstore-config" },
                },
                type: "Opaque",
                // pulumi.secret: the credentials stay encrypted in state even where a provider would not mark them.
                stringData: { [OBJSTORE_SECRET.key]: pulumi.secret(contents) },
            },
            { parent: this, provider: args.provider },
        );
        if (args.storage.caBundle !== undefined && args.withCaConfigMap !== false) {
            new k8s.core.v1.ConfigMap(
                `${name}-ca`,
                {
                    metadata: {
                        name: OBJSTORE_CA.configMap,
                        namespace: args.namespace,
                        labels: {
                            ...PART_OF_LABEL,
                            ...MANAGED_BY_LABEL,
                            "app.kubernetes.io/component": "objstore-config",
                        },
                    },
                    data: { [OBJSTORE_CA.key]: args.storage.caBundle },
                },
                { parent: this, provider: args.provider },
            );
        }
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName, secretKey: this.secretKey });
    }
}
