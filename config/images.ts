// Where the clusters pull images from (`images`): each image's upstream registry, or one registry
// that holds a copy of every image the plan pulls (an air-gapped lab; docs/air-gapped.md).

import { Reader } from "./reader";

export interface ImageSettings {
    /**
     * Registry prefix (`host[:port][/path]`) replacing the registry of every image the plan pulls,
     * ours and the chart's; undefined: each image's own registry (quay.io, docker.io, ...).
     */
    registry?: string;
}

// The registry part of an image reference, as the container runtime parses it (distribution's
// reference grammar): a host name or IPv4 address with an optional port, then optional path
// components of lower-case letters and digits joined by `.`, `_`, `__` or dashes.
const HOST_COMPONENT = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY_PREFIX = new RegExp(
    `^${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]{1,5})?(?:/${PATH_COMPONENT})*$`,
);

/** Why a registry prefix cannot prefix an image reference, or undefined if it can. */
export function registryPrefixProblem(prefix: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(prefix))
        return "takes no scheme: the container runtime pulls by name; write host[:port][/path] (e.g. registry.lab:5000/mirror)";
    if (prefix.endsWith("/")) return "must not end with a slash: the image's repository is appended after one";
    const path = prefix.includes("/") ? prefix.slice(prefix.indexOf("/")) : "";
    if (prefix.includes("@") || path.includes(":"))
        return "is a registry prefix, not an image: no tag or digest (write host[:port][/path])";
    // A bare first component without a dot or port is read by the runtime as a Docker Hub path, not a host.
    const host = prefix.split("/")[0];
    if (!host.includes(".") && !host.includes(":") && host !== "localhost")
        return `must start with a registry host (a name with a dot, or a port, or localhost): "${host}" would be read as a Docker Hub path`;
    if (!REGISTRY_PREFIX.test(prefix))
        return "must be host[:port][/path] with lower-case path components (letters, digits, . _ -), e.g. registry.lab:5000/mirror";
    return undefined;
}

export function readImages(r: Reader): ImageSettings {
    r.object("images");
    const registry = r.optionalString(
        "images.registry",
        "the registry prefix holding a copy of every image the plan pulls, e.g. registry.lab:5000/mirror",
    );
    if (registry === undefined) return {};
    const problem = registryPrefixProblem(registry);
    if (problem !== undefined) r.problem("images.registry", `${problem}; got "${registry}"`);
    return { registry };
}
