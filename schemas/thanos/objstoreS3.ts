// The S3 objstore config (--objstore.config[-file]) of thanos-io/objstore 71d60dfee488, the version
// Thanos v0.42.4 pins: providers/s3/s3.go Config and exthttp.HTTPConfig. Parsed with
// yaml.UnmarshalStrict, so an unknown key stops every Thanos component at start.

import { DRAFT_2020_12, closedObject, types } from "./parts";

export interface ObjstoreS3Config {
    type: "S3" | "s3";
    prefix?: string;
    config: {
        bucket: string;
        /** host[:port], no scheme. */
        endpoint: string;
        region?: string;
        access_key?: string;
        secret_key?: string;
        insecure?: boolean;
        bucket_lookup_type?: "auto" | "virtual-hosted" | "path";
        http_config?: {
            insecure_skip_verify?: boolean;
            tls_config?: {
                ca_file?: string;
                cert_file?: string;
                key_file?: string;
                server_name?: string;
                insecure_skip_verify?: boolean;
            };
        };
        [other: string]: unknown;
    };
}

export const OBJSTORE_S3_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: "Thanos objstore config, type S3 (thanos-io/objstore 71d60dfee488, the version Thanos v0.42.4 pins)",
    description:
        "Derived from providers/s3/s3.go Config and exthttp.HTTPConfig. The S3 provider parses with yaml.UnmarshalStrict: an unknown key makes every Thanos component exit at start.",
    ...closedObject({
        type: { enum: ["S3", "s3"] },
        prefix: types.string,
        config: {
            ...closedObject({
                bucket: { type: "string", minLength: 3 },
                endpoint: { type: "string", pattern: "^[^/:]+(:[0-9]+)?$" },
                region: types.string,
                disable_dualstack: types.boolean,
                aws_sdk_auth: types.boolean,
                access_key: types.string,
                insecure: types.boolean,
                signature_version2: types.boolean,
                secret_key: types.string,
                session_token: types.string,
                put_user_metadata: { type: "object", additionalProperties: types.string },
                http_config: closedObject({
                    idle_conn_timeout: types.string,
                    response_header_timeout: types.string,
                    insecure_skip_verify: types.boolean,
                    tls_handshake_timeout: types.string,
                    expect_continue_timeout: types.string,
                    max_idle_conns: types.integer,
                    max_idle_conns_per_host: types.integer,
                    max_conns_per_host: types.integer,
                    tls_config: closedObject({
                        ca_file: types.string,
                        cert_file: types.string,
                        key_file: types.string,
                        server_name: types.string,
                        insecure_skip_verify: types.boolean,
                    }),
                    disable_compression: types.boolean,
                }),
                trace: closedObject({ enable: types.boolean }),
                list_objects_version: { enum: ["", "v1", "v2"] },
                bucket_lookup_type: { enum: ["auto", "virtual-hosted", "path"] },
                send_content_md5: types.boolean,
                disable_multipart: types.boolean,
                part_size: types.integer,
                sse_config: closedObject({
                    type: types.string,
                    kms_key_id: types.string,
                    kms_encryption_context: { type: "object" },
                    encryption_key: types.string,
                }),
                sts_endpoint: types.string,
                max_retries: types.integer,
            }),
            required: ["bucket", "endpoint"],
        },
    }),
    required: ["type", "config"],
} as const;
