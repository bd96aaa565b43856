import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BucketNames {
    /** Thanos' blocks; the compactor owns everything in it. */
    metrics: string;
    longhornBackups: string;
    opensearchLogs: string;
}

export interface MinioProviderSettings {
    /** host:port, as in the objstore config. */
    endpoint: string;
    /** Plain http (the lab's MinIO) or https. */
    insecure: boolean;
    insecureSkipVerify: boolean;
    region: string;
}

/**
 * AWS provider arguments for MinIO: its S3 endpoint, path-style addressing (MinIO serves buckets
 * by path), and none of the AWS-only checks (STS, IMDS, region names) that MinIO cannot answer.
 */
export function minioProviderArgs(settings: MinioProviderSettings, credentials: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> }): aws.ProviderArgs {
    return {
        region: settings.region as aws.Region,
        accessKey: credentials.accessKey,
        secretKey: credentials.secretKey,
        endpoints: [{ s3: `${settings.insecure ? "http" : "https"}://${settings.endpoint}` }],
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipMetadataApiCheck: true,
        skipRegionValidation: true,
        skipRequestingAccountId: true,
        insecure: settings.insecureSkipVerify,
    };
}

export interface MinioBucketsArgs {
    settings: MinioProviderSettings;
    /** MinIO credentials allowed to create buckets (secret). */
    accessKey: pulumi.Input<string>;
    secretKey: pulumi.Input<string>;
    names: BucketNames;
}

/**
 * The three buckets, kept apart: metrics, Longhorn backups and OpenSearch logs. No lifecycle rule
 * on the metrics bucket: the compactor applies retention, and an expiry rule would delete blocks
 * under it. All three are protected: `pulumi destroy` must not take the data with it.
 */
export class MinioBuckets extends pulumi.ComponentResource {
    public readonly names: BucketNames;

    constructor(name: string, args: MinioBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:storage:MinioBuckets", name, {}, opts);
        const provider = new aws.Provider(name, minioProviderArgs(args.settings, args), { parent: this });
        for (const [role, bucket] of Object.entries(args.names)) {
            new aws.s3.Bucket(`${name}-${role}`, { bucket, forceDestroy: false }, { parent: this, provider, protect: true });
        }
        this.names = args.names;
        this.registerOutputs({ names: this.names });
    }
}
