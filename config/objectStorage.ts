// The S3 object store the sidecars, the Store Gateway, the Compactor and the Ruler use (`objectStorage`).

import { Reader } from "./reader";
import { pemBundleProblems } from "./pemBundle";
import { bucketNameProblem, isDnsHostName, parseIPv4 } from "./units";

export interface ObjectStorageSettings {
    /** S3 endpoint as host:port, without scheme (Thanos' `endpoint`). */
    endpoint: string;
    /** The metrics bucket; Thanos owns everything in it. */
    bucket: string;
    /** S3 region; omitted from the objstore config when unset. */
    region?: string;
    /** Plain http to the endpoint (Thanos' `insecure`). */
    insecure: boolean;
    /** Skip TLS certificate verification (Thanos' `http_config.insecure_skip_verify`). */
    insecureSkipVerify: boolean;
    /** PEM CA bundle that signs the object store's https certificate (a private CA). */
    caBundle?: string;
}

export function readObjectStorage(r: Reader): ObjectStorageSettings {
    const endpoint = r.string(
        "objectStorage.endpoint",
        "set the S3 endpoint as host:port, e.g. s3.minio.miribit.lab:80",
    );
    if (endpoint !== undefined) {
        const problem = endpointProblem(endpoint);
        if (problem !== undefined) r.problem("objectStorage.endpoint", problem);
    }
    const bucket = r.string("objectStorage.bucket", "name the metrics bucket, e.g. thanos-bucket");
    if (bucket !== undefined) {
        const problem = bucketNameProblem(bucket);
        if (problem !== undefined) r.problem("objectStorage.bucket", problem);
    }
    const region = r.optionalString("objectStorage.region", "name the S3 region, e.g. us-east-1");
    const insecure = r.boolean("objectStorage.insecure", false);
    const insecureSkipVerify = r.boolean("objectStorage.insecureSkipVerify", false);
    const allowInsecure = r.boolean("objectStorage.allowInsecureTransport", false);
    if ((insecure || insecureSkipVerify) && !allowInsecure) {
        const what = [
            insecure ? "objectStorage.insecure (plain http: credentials and metrics travel unencrypted)" : "",
            insecureSkipVerify ? "objectStorage.insecureSkipVerify (any certificate is accepted)" : "",
        ]
            .filter((s) => s !== "")
            .join(" and ");
        r.problem(
            "objectStorage.allowInsecureTransport",
            `must be true to accept ${what}: set \`pulumi config set --path objectStorage.allowInsecureTransport true\` to opt in, or serve the object store over https with a trusted certificate and set those keys to false`,
        );
    }
    const caBundle = r.optionalString(
        "objectStorage.caBundle",
        "paste the PEM CA bundle of the object store's certificate",
    );
    if (caBundle !== undefined) {
        for (const problem of pemBundleProblems(caBundle))
            r.problem(
                "objectStorage.caBundle",
                `${problem}: paste the PEM certificate(s) of the CA that signs the object store's https certificate`,
            );
        if (insecure)
            r.problem(
                "objectStorage.caBundle",
                "is set while objectStorage.insecure is true: plain http uses no certificate; serve https or drop the bundle",
            );
        if (insecureSkipVerify)
            r.problem(
                "objectStorage.caBundle",
                "is set while objectStorage.insecureSkipVerify is true: the bundle would never be checked; set insecureSkipVerify to false",
            );
    }
    return {
        endpoint: endpoint ?? "",
        bucket: bucket ?? "",
        region,
        insecure,
        insecureSkipVerify,
        ...(caBundle !== undefined ? { caBundle } : {}),
    };
}

/** Thanos' S3 `endpoint` is host:port with no scheme and no path; minio-go rejects anything else at start-up. */
export function endpointProblem(endpoint: string): string | undefined {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(endpoint)) {
        return `must not have a scheme ("${endpoint}"): write host:port, e.g. s3.minio.miribit.lab:80, and choose http with objectStorage.insecure`;
    }
    const match = /^([^:/]+):([0-9]+)$/.exec(endpoint);
    if (!match) {
        return `must be host:port with no path, e.g. s3.minio.miribit.lab:80; got "${endpoint}"`;
    }
    const [, host, port] = match;
    if (!isDnsHostName(host) && parseIPv4(host) === undefined) {
        return `has an invalid host "${host}": use a DNS name or an IPv4 address`;
    }
    if (Number(port) < 1 || Number(port) > 65535) {
        return `has port ${port} outside 1-65535`;
    }
    return undefined;
}
