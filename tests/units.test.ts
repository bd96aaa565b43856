import { expect } from "chai";
import {
    formatPrometheusSize,
    parseDuration,
    parseIPv4,
    parseIPv4Cidr,
    parsePrometheusSize,
    parseStorageQuantity,
} from "../config/units";
import { assignedAddress } from "../components/lbipam";
import { thanosArgs } from "../components/thanosWorkload";

describe("value formats", () => {
    it("parses Prometheus durations, compound ones included", () => {
        expect(parseDuration("30s")).to.equal(30_000);
        expect(parseDuration("1d12h")).to.equal(36 * 3600_000);
        expect(parseDuration("500ms")).to.equal(500);
        expect(parseDuration("1.5h")).to.equal(undefined);
        expect(parseDuration("h")).to.equal(undefined);
    });

    it("parses sizes in Prometheus' base-2 units and Kubernetes quantities", () => {
        expect(parsePrometheusSize("40GB")).to.equal(40 * 1024 ** 3);
        expect(parsePrometheusSize("40GiB")).to.equal(undefined);
        expect(formatPrometheusSize(40 * 1024 ** 3)).to.equal("40GB");
        expect(formatPrometheusSize(0.8 * 10 * 1024 ** 3)).to.equal("8192MB");
        expect(parseStorageQuantity("50Gi")).to.equal(50 * 1024 ** 3);
        expect(parseStorageQuantity("50G")).to.equal(50e9);
        expect(parseStorageQuantity("50 Gi")).to.equal(undefined);
    });

    it("parses IPv4 addresses and CIDRs strictly", () => {
        expect(parseIPv4("192.168.101.211")).to.equal(((192 * 256 + 168) * 256 + 101) * 256 + 211);
        expect(parseIPv4("192.168.101.011")).to.equal(undefined);
        expect(parseIPv4Cidr("192.168.101.0/24")).to.deep.equal({ network: parseIPv4("192.168.101.0"), prefix: 24 });
        expect(parseIPv4Cidr("192.168.101.0/33")).to.equal(undefined);
    });
});

describe("Thanos flags", () => {
    it("renders lists as repeated flags, booleans as --flag / --no-flag, and leaves undefined out", () => {
        expect(
            thanosArgs("query", {
                "query.replica-label": ["a", "b"],
                "query.auto-downsampling": true,
                "query.partial-response": false,
                "log.level": undefined,
                "query.timeout": "2m",
            }),
        ).to.deep.equal([
            "query",
            "--query.replica-label=a",
            "--query.replica-label=b",
            "--query.auto-downsampling",
            "--no-query.partial-response",
            "--query.timeout=2m",
        ]);
    });
});

describe("LoadBalancer addresses", () => {
    it("reads the assigned address, or fails naming the Service and the pinned address", () => {
        expect(
            assignedAddress(
                { loadBalancer: { ingress: [{ ip: "192.168.101.211" }] } } as any,
                "monitoring/x",
                "192.168.101.211",
            ),
        ).to.equal("192.168.101.211");
        expect(() =>
            assignedAddress({ loadBalancer: {} } as any, "monitoring/thanos-sidecar-0", "192.168.101.211"),
        ).to.throw(
            "Service monitoring/thanos-sidecar-0 has no LoadBalancer address: check that the Cilium LB IPAM pool holds 192.168.101.211",
        );
    });
});
