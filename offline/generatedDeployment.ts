// A generated deployment of N edges, written as a user would add clusters: one stack file per edge
// (a copy of a committed edge's, with its own cluster name, context, node and LoadBalancer address
// and a one-address pool no other stack overlaps), and the central stack file listing every edge in
// central.edgeStacks. For the benchmark and the many-edge tests.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "./projectRoot";

const PREFIX = "thanos-multicluster:";

/** The i-th address (0-based) of a /16, skipping each /24's .0 and .255. */
function addressIn(prefix16: string, i: number): string {
    const perBlock = 254;
    return `${prefix16}.${Math.floor(i / perBlock)}.${(i % perBlock) + 1}`;
}

/** Name of the i-th generated edge (1-based): edge-001, edge-002, ... */
export function generatedEdgeName(i: number): string {
    return `edge-${String(i).padStart(3, "0")}`;
}

export interface GeneratedEdge {
    stack: string;
    lbIp: string;
}

/**
 * Writes Pulumi.<stack>.yaml for N edges and the central stack into `dir` (created if needed) and
 * returns the edges. The templates are the committed cluster-02 (edge) and cluster-01 (central).
 */
export function writeGeneratedDeployment(
    dir: string,
    edges: number,
    templates: { edge: string; central: string } = { edge: "cluster-02", central: "cluster-01" },
): GeneratedEdge[] {
    if (!Number.isInteger(edges) || edges < 1 || edges > 254 * 200)
        throw new Error(`edges must be a whole number from 1 to ${254 * 200}; got ${edges}`);
    fs.mkdirSync(dir, { recursive: true });
    const read = (stack: string) =>
        yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
            config: Record<string, any>;
        };
    const generated: GeneratedEdge[] = [];
    for (let i = 1; i <= edges; i++) {
        const doc = read(templates.edge);
        const stack = generatedEdgeName(i);
        // Node addresses in 10.20.0.0/16, LoadBalancer addresses in 10.21.0.0/16: one each, never shared.
        const lbIp = addressIn("10.21", i - 1);
        const config = doc.config;
        config[`${PREFIX}clusterName`] = stack;
        config[`${PREFIX}nodeIps`] = [addressIn("10.20", i - 1)];
        config[`${PREFIX}kubernetes`] = { ...config[`${PREFIX}kubernetes`], context: stack };
        config[`${PREFIX}loadBalancer`] = {
            ...config[`${PREFIX}loadBalancer`],
            ip: lbIp,
            pool: { start: lbIp, stop: lbIp },
        };
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), yaml.dump(doc));
        generated.push({ stack, lbIp });
    }
    const central = read(templates.central);
    central.config[`${PREFIX}central`] = {
        ...central.config[`${PREFIX}central`],
        edgeStacks: generated.map((e) => e.stack),
        // The edges send alerts from their nodes.
        alertmanager: { ...central.config[`${PREFIX}central`].alertmanager, edgeSourceRanges: ["10.20.0.0/16"] },
    };
    fs.writeFileSync(path.join(dir, `Pulumi.${templates.central}.yaml`), yaml.dump(central));
    return generated;
}
