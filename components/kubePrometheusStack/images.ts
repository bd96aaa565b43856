// The images kube-prometheus-stack 88.5.3 (with its subcharts grafana 12.11.1, kube-state-metrics
// 8.4.0, prometheus-node-exporter 4.56.1) pulls for the values we set, and the values that point
// every one of them at a mirror. The table is what an operator mirrors before an air-gapped deploy;
// tests/images.test.ts renders the real chart, where present, and requires exactly these images.

import { ImageSettings } from "../../config";
import { IMAGES, ImageName, imageReference } from "../images";

export interface ChartImage extends ImageName {
    /** What pulls it. */
    what: string;
    /** Pulled only where the release runs Alertmanager and Grafana (the central cluster). */
    centralOnly: boolean;
}

/** Image tags the chart's values.yaml leave empty default to the chart's or subchart's appVersion. */
export const CHART_IMAGES: ChartImage[] = [
    {
        what: "Prometheus Operator (prometheusOperator.image)",
        registry: "quay.io",
        repository: "prometheus-operator/prometheus-operator",
        tag: "v0.93.1",
        centralOnly: false,
    },
    {
        what: "config reloader of Prometheus and Alertmanager pods (prometheusOperator.prometheusConfigReloader.image)",
        registry: "quay.io",
        repository: "prometheus-operator/prometheus-config-reloader",
        tag: "v0.93.1",
        centralOnly: false,
    },
    {
        what: "the admission webhook's certificate Jobs, Helm hooks (prometheusOperator.admissionWebhooks.patch.image)",
        registry: "ghcr.io",
        repository: "jkroepke/kube-webhook-certgen",
        tag: "1.8.7",
        centralOnly: false,
    },
    {
        what: "Prometheus (prometheus.prometheusSpec.image)",
        registry: "quay.io",
        repository: "prometheus/prometheus",
        tag: "v3.14.0-distroless",
        centralOnly: false,
    },
    {
        what: "Thanos sidecar (prometheus.prometheusSpec.thanos.image; the operator's default is prometheusOperator.thanosImage)",
        ...IMAGES.thanos,
        centralOnly: false,
    },
    {
        what: "kube-state-metrics (kube-state-metrics.image)",
        registry: "registry.k8s.io",
        repository: "kube-state-metrics/kube-state-metrics",
        tag: "v2.20.0",
        centralOnly: false,
    },
    {
        what: "node exporter (prometheus-node-exporter.image)",
        registry: "quay.io",
        repository: "prometheus/node-exporter",
        tag: "v1.12.1-distroless",
        centralOnly: false,
    },
    {
        what: "Alertmanager (alertmanager.alertmanagerSpec.image)",
        registry: "quay.io",
        repository: "prometheus/alertmanager",
        tag: "v0.34.0",
        centralOnly: true,
    },
    {
        what: "Grafana (grafana.image)",
        registry: "docker.io",
        repository: "grafana/grafana",
        tag: "13.2.0",
        centralOnly: true,
    },
    {
        what: "Grafana's dashboard and datasource sidecars (grafana.sidecar.image)",
        registry: "quay.io",
        repository: "kiwigrid/k8s-sidecar",
        tag: "2.10.1",
        centralOnly: true,
    },
];

/** The chart's images one release pulls: all of them where it runs Alertmanager and Grafana, else the rest. */
export function chartImages(central: boolean): ChartImage[] {
    return CHART_IMAGES.filter((image) => central || !image.centralOnly);
}

/**
 * The values pointing the chart at the mirror: `global.imageRegistry` replaces the registry of
 * every image the chart and its subcharts render (each template takes it before the image's own
 * `registry`), and of the operator's default images (config reloader, Thanos, Prometheus,
 * Alertmanager). Nothing without a mirror: the chart's own registries stay.
 */
export function chartImageValues(images: ImageSettings): { global?: { imageRegistry: string } } {
    return images.registry === undefined ? {} : { global: { imageRegistry: images.registry } };
}

/** The sidecar's image reference, from upstream or the mirror (the chart passes it to the Prometheus CR as set). */
export function sidecarImage(images: ImageSettings): string {
    return imageReference(IMAGES.thanos, images);
}
