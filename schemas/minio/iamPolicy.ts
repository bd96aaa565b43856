// MinIO's IAM policy grammar for S3 statements, from minio/pkg v3.11.0 (04f5e97ff01a), the policy
// package MinIO servers build on: policy/policy.go (Version), policy/statement.go (Statement, its
// JSON keys and isValid), policy/action.go (SupportedActions), policy/resource.go (ARN prefix),
// policy/effect.go. The action list is that version's SupportedActions (its S3 actions), extracted
// from the source, not from this project's policies. Facts only: no MinIO code is copied.

import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import { DRAFT_2020_12 } from "../thanos/parts";

/** Where the facts below come from. */
export const MINIO_POLICY_SOURCE = {
    repository: "minio/pkg",
    tag: "v3.11.0",
    commit: "04f5e97ff01ab0647bbadaa3a71670a71f5dae78",
};

/** policy/action.go SupportedActions, the S3 ones (`s3:*` included). */
export const MINIO_S3_ACTIONS = [
    "s3:*",
    "s3:AbortMultipartUpload",
    "s3:BypassGovernanceRetention",
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketCors",
    "s3:DeleteBucketPolicy",
    "s3:DeleteObject",
    "s3:DeleteObjectAnnotation",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectVersionTagging",
    "s3:ForceDeleteBucket",
    "s3:GetBucketCors",
    "s3:GetBucketLocation",
    "s3:GetBucketNotification",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketQOS",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetInventoryConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetObject",
    "s3:GetObjectAnnotation",
    "s3:GetObjectAttributes",
    "s3:GetObjectLegalHold",
    "s3:GetObjectRetention",
    "s3:GetObjectTagging",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionAnnotationForReplication",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionTagging",
    "s3:GetReplicationConfiguration",
    "s3:HeadBucket",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:ListBucketVersions",
    "s3:ListMultipartUploadParts",
    "s3:ListObjectAnnotations",
    "s3:ListenBucketNotification",
    "s3:ListenNotification",
    "s3:PutBucketCors",
    "s3:PutBucketNotification",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketPolicy",
    "s3:PutBucketQOS",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutInventoryConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutObject",
    "s3:PutObjectAnnotation",
    "s3:PutObjectFanOut",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:PutReplicationConfiguration",
    "s3:ReplicateDelete",
    "s3:ReplicateObject",
    "s3:ReplicateObjectAnnotation",
    "s3:ReplicateTags",
    "s3:ResetBucketReplicationState",
    "s3:RestoreObject",
    "s3:UpdateObjectEncryption",
] as const;

const actionList = { type: "array", items: { enum: MINIO_S3_ACTIONS }, minItems: 1 } as const;

/** policy/resource.go: S3 resources are arn:aws:s3:::<bucket>[/<object pattern>], never with a leading "/". */
const resourceList = {
    type: "array",
    items: { type: "string", pattern: "^arn:aws:s3:::[^/]" },
    minItems: 1,
} as const;

/**
 * JSON Schema of an IAM policy made of S3 statements, as MinIO parses and validates it: Version
 * "2012-10-17" (policy.DefaultVersion) or empty; statements with the keys statement.go's JSON tags
 * name (others are refused here, though Go's decoder would drop them); Effect Allow or Deny;
 * Action or NotAction, not both; Resource or NotResource, exactly one (Statement.isValid).
 */
export const MINIO_IAM_POLICY_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: `MinIO IAM policy, S3 statements (${MINIO_POLICY_SOURCE.repository} ${MINIO_POLICY_SOURCE.tag})`,
    type: "object",
    additionalProperties: false,
    required: ["Version", "Statement"],
    properties: {
        Version: { enum: ["2012-10-17", ""] },
        ID: { type: "string" },
        Statement: {
            type: "array",
            minItems: 1,
            items: {
                type: "object",
                additionalProperties: false,
                required: ["Effect"],
                properties: {
                    Sid: { type: "string" },
                    Effect: { enum: ["Allow", "Deny"] },
                    Action: actionList,
                    NotAction: actionList,
                    Resource: resourceList,
                    NotResource: resourceList,
                    Condition: { type: "object" },
                },
                oneOf: [{ required: ["Action"] }, { required: ["NotAction"] }],
                allOf: [{ oneOf: [{ required: ["Resource"] }, { required: ["NotResource"] }] }],
            },
        },
    },
} as const;

let validate: ValidateFunction | undefined;

/** What MinIO would refuse in a policy document, one line per problem (none when it is valid). */
export function minioPolicyProblems(document: unknown): string[] {
    validate ??= new Ajv2020({ allErrors: true, strict: false }).compile(MINIO_IAM_POLICY_SCHEMA);
    if (validate(document)) return [];
    return (validate.errors ?? []).map(
        (e) => `${e.instancePath || "(document)"} ${e.message} ${JSON.stringify(e.params)}`,
    );
}
