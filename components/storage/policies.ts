// What each Thanos role may do on the metrics bucket, as MinIO IAM policies. Pure: the documents
// are tested directly against MinIO's policy grammar (schemas/minio/, tests/storagePolicies.test.ts).
//
// Which S3 calls Thanos v0.42.4 makes, read from the sources it pins (thanos-io/objstore 71d60dfee488,
// providers/s3/s3.go, on minio-go v7.0.93):
// - Upload: minio-go PutObject, which for objects above part_size (64 MiB) is CreateMultipartUpload,
//   UploadPart, CompleteMultipartUpload (all authorised as s3:PutObject), and on a failed part
//   AbortMultipartUpload (s3:AbortMultipartUpload; minio-go api-put-object-streaming.go aborts the upload).
// - Get, GetRange: GetObject (s3:GetObject). Exists, Attributes: StatObject, a HEAD, authorised as
//   s3:GetObject. S3 answers a HEAD of a missing object with 404 only to a caller holding
//   s3:ListBucket, 403 otherwise (AWS's HeadObject permissions; MinIO's object handlers follow that
//   rule at least for anonymous callers), and a 403 would fail the shipper's "does this block exist
//   yet" check (pkg/shipper/shipper.go, Sync: bucket.Exists on <block>/meta.json) for every new block.
// - Iter: ListObjects V2 (s3:ListBucket).
// - Delete: RemoveObject without a version id (s3:DeleteObject): on a versioned bucket a delete
//   marker, the data kept as a noncurrent version.
// - Every call first asks the bucket's region (GetBucketLocation, s3:GetBucketLocation) unless the
//   objstore config sets `region` (minio-go bucket-cache.go, getBucketLocation).
// Who calls what: the sidecars and the Ruler ship their blocks (pkg/shipper: Exists, Upload; no
// delete: a failed upload leaves a partial block, which the Compactor removes); the Store Gateway
// lists and reads; the Compactor lists, reads, uploads compacted blocks and deletion marks, and
// deletes (pkg/compact, pkg/block: Delete).

/** The Thanos roles that reach the metrics bucket, each with its own MinIO identity and policy. */
export const METRICS_ROLES = ["sidecar", "ruler", "storeGateway", "compactor"] as const;
export type MetricsRole = (typeof METRICS_ROLES)[number];

/** The policy each role's user is attached to: roles that need the same rights share one. */
export type MetricsAccess = "writer" | "reader" | "compactor";

export const ROLE_ACCESS: Record<MetricsRole, MetricsAccess> = {
    sidecar: "writer",
    ruler: "writer",
    storeGateway: "reader",
    compactor: "compactor",
};

/** Actions on the bucket itself (resource arn:aws:s3:::<bucket>). */
const BUCKET_READ = ["s3:GetBucketLocation", "s3:ListBucket"];
/** Actions on objects (resource arn:aws:s3:::<bucket>/*). */
const OBJECT_READ = ["s3:GetObject"];
const OBJECT_WRITE = ["s3:PutObject", "s3:AbortMultipartUpload"];
const OBJECT_DELETE = ["s3:DeleteObject"];

/** The object actions each access grants, besides BUCKET_READ (which all of them hold). */
export const OBJECT_ACTIONS: Record<MetricsAccess, string[]> = {
    writer: [...OBJECT_READ, ...OBJECT_WRITE],
    reader: [...OBJECT_READ],
    compactor: [...OBJECT_READ, ...OBJECT_WRITE, ...OBJECT_DELETE],
};

/**
 * Denied to every role, whatever else a MinIO administrator later attaches: what destroys history
 * beyond what versioning can undo. s3:DeleteObjectVersion must be denied explicitly: MinIO lets a
 * user who may s3:DeleteObject delete a given version unless a policy *denies* s3:DeleteObjectVersion
 * (minio/minio cmd/auth-handler.go, authorizeRequest: the DeleteObjectVersion check is DenyOnly).
 */
export const DENIED_ACTIONS = [
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectVersionTagging",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
    "s3:ForceDeleteBucket",
    "s3:PutBucketObjectLockConfiguration",
    "s3:BypassGovernanceRetention",
];

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string[];
    Resource: string[];
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** The policy of one access level on the metrics bucket. */
export function metricsPolicy(bucket: string, access: MetricsAccess): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const objectsArn = `${bucketArn}/*`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ThanosBucket", Effect: "Allow", Action: [...BUCKET_READ], Resource: [bucketArn] },
            { Sid: "ThanosObjects", Effect: "Allow", Action: [...OBJECT_ACTIONS[access]], Resource: [objectsArn] },
            { Sid: "NoHistoryLoss", Effect: "Deny", Action: [...DENIED_ACTIONS], Resource: [bucketArn, objectsArn] },
        ],
    };
}

/** MinIO's name for a policy: the bucket and the access, so that two deployments on one MinIO do not collide. */
export function metricsPolicyName(bucket: string, access: MetricsAccess): string {
    return `${bucket}-${access}`;
}
