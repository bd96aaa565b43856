// Building blocks shared by the Thanos config schemas: JSON Schema (draft 2020-12) fragments for
// the Go structs several documents embed.

export const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

const string = { type: "string" } as const;
const boolean = { type: "boolean" } as const;
const integer = { type: "integer" } as const;
const stringOrInteger = { type: ["string", "integer"] } as const;

export const types = { string, boolean, integer, stringOrInteger };

/** An object that accepts only the listed properties (Thanos' YAML would drop or reject the rest). */
export function closedObject<P extends Record<string, unknown>>(properties: P) {
    return { type: "object", additionalProperties: false, properties } as const;
}

/** A cache document's backend config, applied when `type` is one of `types` (the `if`/`then` of allOf). */
export function backendConfig<T extends readonly string[], C>(typesOf: T, config: C) {
    const condition = typesOf.length === 1 ? { const: typesOf[0] } : { enum: typesOf };
    return { if: { properties: { type: condition } }, then: { properties: { config } } } as const;
}

/** pkg/cacheutil/memcached_client.go MemcachedClientConfig, as the store caches read it. */
const MEMCACHED_CLIENT_PROPERTIES = {
    addresses: { type: "array", items: string, minItems: 1 },
    timeout: string,
    max_idle_connections: integer,
    max_async_concurrency: integer,
    max_async_buffer_size: integer,
    max_get_multi_concurrency: integer,
    max_item_size: stringOrInteger,
    max_get_multi_batch_size: integer,
    dns_provider_update_interval: string,
    auto_discovery: boolean,
    set_async_circuit_breaker_config: { type: "object" },
} as const;

export function memcachedClient<Extra extends Record<string, unknown>>(extra: Extra) {
    return { ...closedObject({ ...MEMCACHED_CLIENT_PROPERTIES, ...extra }), required: ["addresses"] } as const;
}

export const MEMCACHED_CLIENT = memcachedClient({});
