// The drawings a reader gets: an overview small enough for the README (each cluster one box, only the
// links that cross from one cluster to another, aggregated) and one detail drawing per cluster role
// (that role's clusters in full, the far end of each link leaving them as a small stub).

import { Architecture, Edge, Graph, Group, Node, graph } from "./render";
import { nodeId } from "./model";

/** The group (cluster or object storage) each node of the full graph belongs to. */
function owners(g: Graph): Map<string, Group> {
    const owner = new Map<string, Group>();
    for (const group of g.groups) for (const n of group.nodes) owner.set(n.id, group);
    return owner;
}

/** The component a LoadBalancer address serves on the ports an address list names, else the node's own label. */
function servedBy(arch: Architecture, g: Graph, id: string, addresses: string[]): string[] {
    const labelOf = (nodeIdToFind: string) =>
        g.groups.flatMap((x) => x.nodes).find((n) => n.id === nodeIdToFind)?.label[0] ?? nodeIdToFind;
    const exposed = arch.wiring.exposures.filter((e) => nodeId("lb", e.address) === id);
    if (exposed.length === 0) return [withoutReplicas(labelOf(id))];
    const ports = addresses.flatMap((a) => [...a.matchAll(/:([0-9]+)/g)].map((m) => Number(m[1])));
    const components = new Set(exposed.filter((e) => ports.includes(e.port)).map((e) => e.component));
    return [...components].map((c) => withoutReplicas(labelOf(c)));
}

const withoutReplicas = (label: string) => label.replace(/ x[0-9]+$/, "");

/** Each cluster as one box (its components and LoadBalancer address), each link between clusters once. */
export function overview(arch: Architecture): Graph {
    const full = graph(arch);
    const owner = owners(full);
    const loose: Node[] = full.groups.map((group) => ({
        id: group.id,
        label:
            group.id === "cluster_objstore"
                ? [
                      "object storage",
                      ...(arch.objectStore ? [arch.objectStore] : []),
                      ...group.nodes.map((n) => n.label[0]),
                  ]
                : [group.label, ...group.nodes.map((n) => n.label[0])],
        shape: group.id === "cluster_objstore" ? "bucket" : "box",
    }));
    const merged = new Map<
        string,
        { edge: Edge; kind: string; froms: Set<string>; tos: Set<string>; addresses: string[] }
    >();
    const labelOf = (id: string) =>
        withoutReplicas(full.groups.flatMap((x) => x.nodes).find((n) => n.id === id)!.label[0]);
    for (const l of arch.wiring.links) {
        const from = owner.get(l.from);
        const to = owner.get(l.to);
        if (!from || !to || from === to) continue;
        // The overview names the protocol, not its details: `objstore (S3), 2h blocks` is `objstore (S3)`.
        const kind = l.kind.replace(/^([^(]*\([^)]*\)).*$/, "$1");
        const key = [from.id, to.id, kind, l.tls].join(">");
        const entry = merged.get(key) ?? {
            edge: { from: from.id, to: to.id, tls: l.tls, label: [] },
            kind,
            froms: new Set<string>(),
            tos: new Set<string>(),
            addresses: [],
        };
        entry.froms.add(labelOf(l.from));
        for (const t of servedBy(arch, full, l.to, l.addresses)) entry.tos.add(t);
        for (const a of l.addresses) if (!entry.addresses.includes(a)) entry.addresses.push(a);
        merged.set(key, entry);
    }
    const edges = [...merged.values()].map(({ edge, kind, froms, tos, addresses }) => {
        const target = [...tos].map((t) => t.replace(/^bucket /, "")).join(", ");
        const who = froms.size === 1 ? [`${[...froms][0]} → ${target}`] : [...froms, `→ ${target}`];
        return { ...edge, label: [`${kind}, ${edge.tls === "mTLS" ? "mutual TLS" : edge.tls}`, ...who, ...addresses] };
    });
    return { groups: [], loose, edges };
}

/** The roles the clusters have, central first (the order readArchitecture sorts them in). */
export function roles(arch: Architecture): string[] {
    return [...new Set(arch.facts.map((f) => f.cluster.role))];
}

/** The clusters of one role in full; the other end of each link into or out of them is a stub. */
export function roleDetail(arch: Architecture, role: string): Graph {
    const full = graph(arch);
    const owner = owners(full);
    const stacks = new Set(
        arch.facts.filter((f) => f.cluster.role === role).map((f) => nodeId("cluster", f.cluster.stack)),
    );
    const groups = full.groups.filter((group) => stacks.has(group.id));
    const inside = new Set(groups.flatMap((group) => group.nodes.map((n) => n.id)));
    const edges = full.edges.filter((e) => inside.has(e.from) || inside.has(e.to));
    const stubs = new Map<string, Node>();
    for (const e of edges) {
        for (const id of [e.from, e.to]) {
            if (inside.has(id) || stubs.has(id)) continue;
            const group = owner.get(id);
            const node = group?.nodes.find((n) => n.id === id) ?? full.loose.find((n) => n.id === id);
            const where = group ? group.label.replace(/ \(.*\)$/, "") : "outside the plan";
            stubs.set(id, { id, label: [node?.label[0] ?? id, `(${where})`], shape: "external" });
        }
    }
    return mergeAlikeStubs({ groups, loose: [...stubs.values()], edges });
}

/**
 * One stub for the far ends that differ only in their cluster: the central Query's StoreAPI calls
 * to each edge's LoadBalancer are one link to one box listing the edges, so a detail drawing keeps
 * its width as edges are added. Links merge when they join the same node inside, in the same
 * direction, with the same kind and TLS.
 */
function mergeAlikeStubs(g: Graph): Graph {
    const stubIds = new Set(g.loose.map((n) => n.id));
    const stubOf = (e: Edge) => (stubIds.has(e.to) ? e.to : stubIds.has(e.from) ? e.from : undefined);
    const alike = new Map<string, Edge[]>();
    for (const e of g.edges) {
        const stub = stubOf(e);
        if (stub === undefined) continue;
        const inside = stub === e.to ? `${e.from}>` : `>${e.to}`;
        const key = [inside, e.label[0], e.tls].join("|");
        alike.set(key, [...(alike.get(key) ?? []), e]);
    }
    const byId = new Map(g.loose.map((n) => [n.id, n]));
    const replaced = new Map<string, string>();
    const merged: Node[] = [];
    const mergedEdges: Edge[] = [];
    for (const edges of alike.values()) {
        const ids = [...new Set(edges.map((e) => stubOf(e)!))];
        // Only stubs with no other link: a stub's every link must be in the merged one.
        const only = ids.every((id) =>
            g.edges.filter((e) => e.from === id || e.to === id).every((e) => edges.includes(e)),
        );
        if (ids.length < 2 || !only) continue;
        const nodes = ids.map((id) => byId.get(id)!);
        const id = `merged_${ids.join("_")}`;
        const names = new Set(nodes.map((n) => n.label[0]));
        // Alike boxes (each edge's Prometheus): the name once, then the clusters; else one line each.
        const label =
            names.size === 1
                ? [nodes[0].label[0], `(${nodes.map((n) => n.label[1]?.replace(/^\((.*)\)$/, "$1")).join(", ")})`]
                : nodes.map((n) => n.label.join(" "));
        merged.push({ id, label, shape: "external" });
        for (const old of ids) replaced.set(old, id);
        const first = edges[0];
        const middle = [...new Set(edges.flatMap((e) => e.label.slice(1, -1)))];
        mergedEdges.push({
            from: stubIds.has(first.from) ? id : first.from,
            to: stubIds.has(first.to) ? id : first.to,
            tls: first.tls,
            label: [first.label[0], ...middle, first.label[first.label.length - 1]],
        });
    }
    if (merged.length === 0) return g;
    const gone = (e: Edge) => replaced.has(e.from) || replaced.has(e.to);
    return {
        groups: g.groups,
        loose: [...g.loose.filter((n) => !replaced.has(n.id)), ...merged],
        edges: [...g.edges.filter((e) => !gone(e)), ...mergedEdges],
    };
}
