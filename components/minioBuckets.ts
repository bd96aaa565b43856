// The provider and S3 only: `@pulumi/aws` as a whole is 2,700 declaration files, two thirds of what
// `tsc` reads for this project.
import { Provider, ProviderArgs } from "@pulumi/aws/provider";
import { Bucket } from "@pulumi/aws/s3";
import type { Region } from "@pulumi/aws/types/enums";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

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
    /** PEM CA bundle of MinIO's https certificate (a private CA), as in objectStorage.caBundle. */
    caBundle?: string;
}

/**
 * Where the provider reads the CA bundle: the AWS provider's `customCaBundle` is a file path, not
 * PEM. Named by the bundle's hash, so the path changes exactly when the bundle does.
 */
export function caBundleFile(pem: string, dir: string = path.join(os.tmpdir(), "thanos-multicluster")): string {
    const digest = crypto.createHash("sha256").update(pem).digest("hex").slice(0, 16);
    return path.join(dir, `minio-ca-${digest}.pem`);
}

/**
 * AWS provider arguments for MinIO: its S3 endpoint, path-style addressing (MinIO serves buckets
 * by path), none of the AWS-only checks (STS, IMDS, region names) that MinIO cannot answer, and
 * the private CA (as a file) where MinIO's certificate needs one.
 */
export function minioProviderArgs(
    settings: MinioProviderSettings,
    credentials: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> },
    caBundlePath?: string,
): ProviderArgs {
    return {
        region: settings.region as Region,
        accessKey: credentials.accessKey,
        secretKey: credentials.secretKey,
        endpoints: [{ s3: `${settings.insecure ? "http" : "https"}://${settings.endpoint}` }],
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipMetadataApiCheck: true,
        skipRegionValidation: true,
        skipRequestingAccountId: true,
        insecure: settings.insecureSkipVerify,
        ...(caBundlePath !== undefined ? { customCaBundle: caBundlePath } : {}),
    };
}

/** How each bucket is brought under management: adopted ones exist already and are never deleted by us. */
export interface BucketPlan {
    role: keyof BucketNames;
    bucket: string;
    /** Import the existing bucket (its name is the import id) instead of creating it. */
    adopt: boolean;
}

export function bucketPlans(names: BucketNames, existing: string[]): BucketPlan[] {
    return (Object.entries(names) as [keyof BucketNames, string][]).map(([role, bucket]) => ({
        role,
        bucket,
        adopt: existing.includes(bucket),
    }));
}

export interface MinioBucketsArgs {
    settings: MinioProviderSettings;
    /** MinIO credentials allowed to create buckets (secret). */
    accessKey: pulumi.Input<string>;
    secretKey: pulumi.Input<string>;
    names: BucketNames;
    /** Buckets that already exist (central.buckets.existing): imported, not created. */
    existing: string[];
}

/**
 * The three buckets, kept apart: metrics, Longhorn backups and OpenSearch logs. No expiry of
 * current objects on the metrics bucket: the compactor applies retention, and an expiry rule would
 * delete blocks under it (its versioning and the rule ending noncurrent versions are MinIO's side,
 * storage/metricsBucketAccess.ts, through the minio provider). All three are protected: `pulumi destroy` must not take the data with it. Adopted
 * buckets are imported (inputs that match what an existing bucket reads back: its name, no forced
 * deletion) and retained on delete: they were someone else's before, and stay when this stack goes.
 */
export class MinioBuckets extends pulumi.ComponentResource {
    public readonly names: BucketNames;

    constructor(name: string, args: MinioBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:storage:MinioBuckets", name, {}, opts);
        let caBundlePath: string | undefined;
        if (args.settings.caBundle !== undefined) {
            caBundlePath = caBundleFile(args.settings.caBundle);
            fs.mkdirSync(path.dirname(caBundlePath), { recursive: true });
            fs.writeFileSync(caBundlePath, args.settings.caBundle);
        }
        const provider = new Provider(name, minioProviderArgs(args.settings, args, caBundlePath), { parent: this });
        for (const plan of bucketPlans(args.names, args.existing)) {
            new Bucket(
                `${name}-${plan.role}`,
                { bucket: plan.bucket, forceDestroy: false },
                {
                    parent: this,
                    provider,
                    protect: true,
                    ...(plan.adopt ? { import: plan.bucket, retainOnDelete: true } : {}),
                },
            );
        }
        this.names = args.names;
        this.registerOutputs({ names: this.names });
    }
}
