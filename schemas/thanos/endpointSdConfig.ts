// Query's endpoint file (--endpoint.sd-config[-file]) of Thanos v0.42.4: cmd/thanos/endpointset.go,
// structs EndpointConfig, endpointSettings, clientConfig and tlsConfig. Thanos reads the file with a
// non-strict yaml.Unmarshal, so a misspelt key is dropped in silence (`grpc_client_config` was the
// key of older releases: with it, Query dials mTLS-only sidecars in plain text). The schema rejects
// every key the struct does not have.

import { DRAFT_2020_12, closedObject, types } from "./parts";

/** What Thanos reads of one endpoint's TLS (tlsConfig). */
export interface EndpointTlsConfig {
    enabled?: boolean;
    insecure_skip_verify?: boolean;
    cert_file?: string;
    key_file?: string;
    ca_file?: string;
    /** "1.0" to "1.3" (pkg/tls AllowedTLSVersions). */
    min_version?: string;
}

/** clientConfig: how Query dials one endpoint (or every endpoint, as default_client_config). */
export interface EndpointClientConfig {
    tls_config?: EndpointTlsConfig;
    server_name?: string;
    compression?: "" | "none" | "snappy";
}

export interface EndpointSettings {
    address: string;
    /** Kept in the endpoint set while unhealthy: a missing store shows as a partial-response warning. */
    strict?: boolean;
    group?: boolean;
    service_config?: string;
    client_config?: EndpointClientConfig;
}

export interface EndpointSdConfig {
    default_client_config?: EndpointClientConfig;
    endpoints?: EndpointSettings[];
}

const CLIENT_CONFIG = closedObject({
    tls_config: closedObject({
        enabled: types.boolean,
        insecure_skip_verify: types.boolean,
        cert_file: types.string,
        key_file: types.string,
        ca_file: types.string,
        min_version: types.string,
    }),
    server_name: types.string,
    compression: { enum: ["", "none", "snappy"] },
});

export const ENDPOINT_SD_CONFIG_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: "Thanos Query --endpoint.sd-config / --endpoint.sd-config-file (v0.42.4)",
    description:
        "Derived from the Go structs EndpointConfig, endpointSettings, clientConfig and tlsConfig in cmd/thanos/endpointset.go at tag v0.42.4. Thanos parses this file with a non-strict yaml.Unmarshal: an unknown key is silently ignored at run time, so this schema rejects unknown keys to catch what Thanos would not.",
    ...closedObject({
        default_client_config: CLIENT_CONFIG,
        endpoints: {
            type: "array",
            items: {
                ...closedObject({
                    strict: types.boolean,
                    group: types.boolean,
                    address: { type: "string", minLength: 1 },
                    service_config: types.string,
                    client_config: CLIENT_CONFIG,
                }),
                required: ["address"],
            },
        },
    }),
} as const;
