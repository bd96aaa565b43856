// Every image this program's own workloads run, pinned, and how a reference is written: from the
// image's upstream registry, or from the mirror `images.registry` names (an air-gapped lab), which
// keeps the repository path and tag and replaces only the registry, as the chart's
// `global.imageRegistry` does for the chart's images.

import { ImageSettings } from "../config";

/** An image as registry, repository path and tag, so that a mirror can replace the registry alone. */
export interface ImageName {
    /** Upstream registry host (docker.io for Docker Hub). */
    registry: string;
    /** Repository path inside the registry (`library/<name>` for Docker Hub's official images). */
    repository: string;
    tag: string;
}

/** Thanos of every component we run and of the sidecar: the version kube-prometheus-stack 88.5.3 ships. */
export const THANOS_VERSION = "v0.42.4";

/** Our own workloads' images (the chart's are in ./kubePrometheusStack/images.ts). */
export const IMAGES = {
    thanos: { registry: "quay.io", repository: "thanos/thanos", tag: THANOS_VERSION },
    memcached: { registry: "docker.io", repository: "library/memcached", tag: "1.6.38-alpine" },
    // The central front door's router (components/frontDoor.ts): the version CI checks its config with (.ci/tools.sh).
    haproxy: { registry: "docker.io", repository: "library/haproxy", tag: "3.2.26-alpine" },
    memcachedExporter: { registry: "quay.io", repository: "prometheus/memcached-exporter", tag: "v0.15.3" },
} satisfies Record<string, ImageName>;

/** The reference a pod pulls: `<registry or mirror>/<repository>:<tag>`. */
export function imageReference(image: ImageName, images: ImageSettings): string {
    return `${images.registry ?? image.registry}/${image.repository}:${image.tag}`;
}

/** The Thanos image, from upstream or the mirror. */
export function thanosImage(images: ImageSettings): string {
    return imageReference(IMAGES.thanos, images);
}
