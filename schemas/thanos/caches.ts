// The cache config documents of Thanos v0.42.4: the Store Gateway's index cache
// (pkg/store/cache/factory.go IndexCacheConfig, inmemory.go) and caching bucket
// (caching_bucket_factory.go CachingWithBackendConfig), and the query-frontend's results cache
// (pkg/queryfrontend/config.go CacheProviderConfig). The outer documents are parsed strictly; some
// backend configs are not (see each description), which is why the schemas close every object.

import { DRAFT_2020_12, MEMCACHED_CLIENT, backendConfig, closedObject, memcachedClient, types } from "./parts";

export type CacheBackend = "IN-MEMORY" | "MEMCACHED";

export interface MemcachedClientConfig {
    addresses: string[];
    timeout?: string;
    max_idle_connections?: number;
    max_async_concurrency?: number;
    max_async_buffer_size?: number;
    max_get_multi_concurrency?: number;
    max_item_size?: string | number;
    max_get_multi_batch_size?: number;
    dns_provider_update_interval?: string;
    auto_discovery?: boolean;
}

export type StoreIndexCacheConfig =
    | {
          type: "IN-MEMORY";
          config?: { max_size?: string | number; max_item_size?: string | number };
          enabled_items?: ("Postings" | "Series" | "ExpandedPostings")[];
          ttl?: string;
      }
    | {
          type: "MEMCACHED";
          config: MemcachedClientConfig;
          enabled_items?: ("Postings" | "Series" | "ExpandedPostings")[];
          ttl?: string;
      };

export interface StoreCachingBucketConfig {
    type: "IN-MEMORY" | "MEMCACHED" | "GROUPCACHE";
    config?: Record<string, unknown>;
    chunk_subrange_size?: number;
    max_chunks_get_range_requests?: number;
    metafile_max_size?: string | number;
    chunk_object_attrs_ttl?: string;
    chunk_subrange_ttl?: string;
    blocks_iter_ttl?: string;
    metafile_exists_ttl?: string;
    metafile_doesnt_exist_ttl?: string;
    metafile_content_ttl?: string;
}

export type QueryFrontendResponseCacheConfig =
    | { type: "IN-MEMORY" | "in-memory"; config?: { max_size?: string; max_size_items?: number; validity?: string } }
    | { type: "MEMCACHED" | "memcached"; config: MemcachedClientConfig & { expiration?: string } };

export const STORE_INDEX_CACHE_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: "Thanos store index cache config (--index-cache.config[-file]), v0.42.4",
    description:
        "Derived from pkg/store/cache/factory.go (IndexCacheConfig) and inmemory.go at v0.42.4. The outer document is parsed strictly; the IN-MEMORY and memcached backends with a plain yaml.Unmarshal (unknown keys silently ignored). REDIS is not described here.",
    ...closedObject({
        type: { enum: ["IN-MEMORY", "MEMCACHED", "REDIS"] },
        config: { type: "object" },
        enabled_items: { type: "array", items: { enum: ["Postings", "Series", "ExpandedPostings"] } },
        ttl: types.string,
    }),
    required: ["type"],
    allOf: [
        backendConfig(
            ["IN-MEMORY"],
            closedObject({ max_size: types.stringOrInteger, max_item_size: types.stringOrInteger }),
        ),
        backendConfig(["MEMCACHED"], MEMCACHED_CLIENT),
    ],
} as const;

export const STORE_CACHING_BUCKET_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: "Thanos store caching bucket config (--store.caching-bucket.config[-file]), v0.42.4",
    description:
        "Derived from pkg/store/cache/caching_bucket_factory.go (CachingWithBackendConfig) at v0.42.4, parsed strictly.",
    ...closedObject({
        type: { enum: ["IN-MEMORY", "MEMCACHED", "REDIS", "GROUPCACHE"] },
        config: { type: "object" },
        chunk_subrange_size: types.integer,
        max_chunks_get_range_requests: types.integer,
        metafile_max_size: types.stringOrInteger,
        chunk_object_attrs_ttl: types.string,
        chunk_subrange_ttl: types.string,
        blocks_iter_ttl: types.string,
        metafile_exists_ttl: types.string,
        metafile_doesnt_exist_ttl: types.string,
        metafile_content_ttl: types.string,
    }),
    required: ["type"],
    allOf: [backendConfig(["MEMCACHED"], MEMCACHED_CLIENT)],
} as const;

export const QUERY_FRONTEND_RESPONSE_CACHE_SCHEMA = {
    $schema: DRAFT_2020_12,
    title: "Thanos query-frontend results cache config (--query-range.response-cache-config[-file], --labels.response-cache-config[-file]), v0.42.4",
    description:
        "Derived from pkg/queryfrontend/config.go (CacheProviderConfig, InMemoryResponseCacheConfig, MemcachedResponseCacheConfig) and pkg/cacheutil/memcached_client.go at v0.42.4. The outer document is parsed strictly; the IN-MEMORY config with a plain yaml.Unmarshal (unknown keys silently ignored), MEMCACHED strictly. REDIS is not described here.",
    ...closedObject({
        type: { enum: ["IN-MEMORY", "MEMCACHED", "REDIS", "in-memory", "memcached", "redis"] },
        config: { type: "object" },
    }),
    required: ["type"],
    allOf: [
        backendConfig(
            ["IN-MEMORY", "in-memory"],
            closedObject({ max_size: types.string, max_size_items: types.integer, validity: types.string }),
        ),
        backendConfig(["MEMCACHED", "memcached"], memcachedClient({ expiration: types.string })),
    ],
} as const;
