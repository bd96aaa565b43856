// Parsers for the value formats our config uses. They return undefined on malformed input so that
// the caller, which knows the config key, writes the error message.

const durationUnitsMs: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60 * 1000,
    h: 60 * 60 * 1000,
    d: 24 * 60 * 60 * 1000,
    w: 7 * 24 * 60 * 60 * 1000,
    y: 365 * 24 * 60 * 60 * 1000,
};

/** Prometheus duration (`30s`, `2h`, `1d12h`, units ms|s|m|h|d|w|y) in milliseconds. */
export function parseDuration(text: string): number | undefined {
    // Each unit at most once, largest first, as Prometheus' model.ParseDuration (Alertmanager, Thanos)
    // takes them: "1h30m" is a duration, "30m1h" is refused by all three.
    if (text === "" || !/^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/.test(text)) {
        return undefined;
    }
    let total = 0;
    for (const match of text.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) {
        total += Number(match[1]) * durationUnitsMs[match[2]];
    }
    return total;
}

export const HOUR_MS = durationUnitsMs.h;

/** Formats milliseconds as the shortest whole-hour Prometheus duration, for messages. */
export function formatHours(ms: number): string {
    return `${Math.ceil(ms / HOUR_MS)}h`;
}

const prometheusSizeUnits: Record<string, number> = {
    B: 1,
    KB: 1024,
    MB: 1024 ** 2,
    GB: 1024 ** 3,
    TB: 1024 ** 4,
    PB: 1024 ** 5,
    EB: 1024 ** 6,
};

/** Prometheus `--storage.tsdb.retention.size` value (`40GB`; the units are powers of 1024) in bytes. */
export function parsePrometheusSize(text: string): number | undefined {
    const match = /^([0-9]+)(B|KB|MB|GB|TB|PB|EB)$/.exec(text);
    return match ? Number(match[1]) * prometheusSizeUnits[match[2]] : undefined;
}

/** Formats bytes as a whole Prometheus size in the largest unit that keeps it exact-or-smaller. */
export function formatPrometheusSize(bytes: number): string {
    for (const unit of ["TB", "GB", "MB", "KB"]) {
        const scaled = Math.floor(bytes / prometheusSizeUnits[unit]);
        if (scaled >= 10) {
            return `${scaled}${unit}`;
        }
    }
    return `${Math.floor(bytes)}B`;
}

const quantitySuffixes: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    "": 1,
};

/** Kubernetes storage quantity (`50Gi`, `100G`, `1073741824`) in bytes. */
export function parseStorageQuantity(text: string): number | undefined {
    const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(text);
    return match ? Number(match[1]) * quantitySuffixes[match[2] ?? ""] : undefined;
}

/** Dotted-quad IPv4 address as a 32-bit unsigned number. */
export function parseIPv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
        return undefined;
    }
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** IPv4 CIDR (`192.168.101.194/32`) as its network address and prefix length. */
export function parseIPv4Cidr(text: string): { network: number; prefix: number } | undefined {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
    if (!match) {
        return undefined;
    }
    const address = parseIPv4(match[1]);
    const prefix = Number(match[2]);
    if (address === undefined || prefix > 32) {
        return undefined;
    }
    const hostBits = 32 - prefix;
    // A CIDR with host bits set (10.0.0.1/8) is almost always a typo for a narrower range.
    if (hostBits > 0 && address % 2 ** hostBits !== 0) {
        return undefined;
    }
    return { network: address, prefix };
}

/**
 * Why an address cannot be handed to a LoadBalancer Service, or undefined if it can. Cilium LB IPAM
 * will not announce these, and the .0/.255 of a /24 are the network and broadcast addresses of the
 * lab's flat L2 segments.
 */
export function reservedIPv4Reason(address: number): string | undefined {
    const [a, b, , d] = [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255];
    if (a === 0) return "is in 0.0.0.0/8 (this network)";
    if (a === 127) return "is a loopback address";
    if (a === 169 && b === 254) return "is a link-local address";
    if (a >= 224) return "is a multicast or reserved address";
    if (d === 0) return "is a network address (ends in .0)";
    if (d === 255) return "is a broadcast address (ends in .255)";
    return undefined;
}

/** RFC 1123 DNS label, as Kubernetes requires for names and as we require for cluster names. */
export function isDns1123Label(text: string): boolean {
    return text.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text);
}

/** DNS-1123 subdomain (names of StorageClasses, nodes): labels separated by dots, at most 253 characters. */
export function isDns1123Subdomain(text: string): boolean {
    return text.length <= 253 && text.split(".").every(isDns1123Label);
}

/** DNS host name (RFC 1123 labels separated by dots). */
export function isDnsHostName(text: string): boolean {
    return (
        text.length <= 253 &&
        text.split(".").every((label) => /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(label) && label.length <= 63)
    );
}

/** S3 bucket naming rules (the subset MinIO enforces too). */
export function bucketNameProblem(bucket: string): string | undefined {
    if (bucket.length < 3 || bucket.length > 63) {
        return `must be 3-63 characters long; got "${bucket}" (${bucket.length})`;
    }
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
        return `must use only lower-case letters, digits, '.' and '-', starting and ending with a letter or digit; got "${bucket}"`;
    }
    if (bucket.includes("..") || parseIPv4(bucket) !== undefined) {
        return `must not contain ".." or look like an IP address; got "${bucket}"`;
    }
    return undefined;
}
