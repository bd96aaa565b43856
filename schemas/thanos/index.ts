// The config documents this program hands to Thanos, each with the JSON Schema of the pinned
// Thanos version, and one validator over them. The schemas are the project's own copies (users'
// machines have no reference folder); tests/thanosSchemas.test.ts compares each with the reference
// file it mirrors where that file exists.

import Ajv2020, { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import { QUERY_FRONTEND_RESPONSE_CACHE_SCHEMA, STORE_CACHING_BUCKET_SCHEMA, STORE_INDEX_CACHE_SCHEMA } from "./caches";
import { ENDPOINT_SD_CONFIG_SCHEMA } from "./endpointSdConfig";
import { OBJSTORE_S3_SCHEMA } from "./objstoreS3";

export * from "./caches";
export * from "./endpointSdConfig";
export * from "./objstoreS3";

/** Each document, with its schema and the reference file (in shared/reference/thanos-v0.42.4/config/) it mirrors. */
export const THANOS_CONFIG_DOCUMENTS = {
    "endpoint-sd-config": { schema: ENDPOINT_SD_CONFIG_SCHEMA, reference: "endpoint-sd-config.schema.json" },
    "objstore-s3": { schema: OBJSTORE_S3_SCHEMA, reference: "objstore-s3.schema.json" },
    "query-frontend-response-cache": {
        schema: QUERY_FRONTEND_RESPONSE_CACHE_SCHEMA,
        reference: "query-frontend-response-cache.schema.json",
    },
    "store-index-cache": { schema: STORE_INDEX_CACHE_SCHEMA, reference: "store-index-cache.schema.json" },
    "store-caching-bucket": { schema: STORE_CACHING_BUCKET_SCHEMA, reference: "store-caching-bucket.schema.json" },
} as const;

export type ThanosConfigDocument = keyof typeof THANOS_CONFIG_DOCUMENTS;

let ajv: Ajv2020 | undefined;
const validators = new Map<ThanosConfigDocument, ValidateFunction>();

function validator(document: ThanosConfigDocument): ValidateFunction {
    let validate = validators.get(document);
    if (validate === undefined) {
        ajv ??= new Ajv2020({ allErrors: true, strict: false });
        validate = ajv.compile(THANOS_CONFIG_DOCUMENTS[document].schema);
        validators.set(document, validate);
    }
    return validate;
}

function describe(error: ErrorObject): string {
    const where = error.instancePath === "" ? "(document)" : error.instancePath;
    const params = error.params as Record<string, unknown>;
    const detail = params.additionalProperty ?? params.allowedValues ?? params.missingProperty;
    return `${where} ${error.message}${detail !== undefined ? `: ${JSON.stringify(detail)}` : ""}`;
}

/**
 * What is wrong with a config document for Thanos v0.42.4, one line per problem (none if it is
 * valid). Unknown keys are problems even where Thanos would silently ignore them.
 */
export function thanosConfigProblems(document: ThanosConfigDocument, value: unknown): string[] {
    const validate = validator(document);
    if (validate(value)) return [];
    // `if`/`then` failures repeat the underlying error; report the underlying ones.
    return [...new Set((validate.errors ?? []).filter((e) => e.keyword !== "if").map(describe))];
}
