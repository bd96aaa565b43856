// The architecture graph, from a rendered out/ folder, as Graphviz DOT (drawn to SVG by the
// WebAssembly Graphviz) and as Mermaid (for the README and the pull-request comment).

import * as fs from "fs";
import * as path from "path";
import { Link, Wiring, exposureTls, wire } from "./links";
import { Bucket, StackFacts, Tls, buckets, loadStackFacts, nodeId } from "./model";

export interface Architecture {
    facts: StackFacts[];
    buckets: Bucket[];
    wiring: Wiring;
    objectStore?: string;
}

export function readArchitecture(outDir: string): Architecture {
    if (!fs.existsSync(outDir)) throw new Error(`${outDir} does not exist: run \`npm run render\` first`);
    const dirs = fs
        .readdirSync(outDir)
        .filter((d) => fs.existsSync(path.join(outDir, d, "outputs.json")))
        .map((d) => path.join(outDir, d));
    if (dirs.length === 0) throw new Error(`no rendered stack in ${outDir}: run \`npm run render\` first`);
    const rank = (f: StackFacts) => (f.cluster.role === "central" ? 0 : 1);
    const facts = dirs
        .map(loadStackFacts)
        .sort((a, b) => rank(a) - rank(b) || a.cluster.stack.localeCompare(b.cluster.stack));
    const bucketList = buckets(facts);
    const objectStore = facts.map((f) => f.outputs.objstore?.endpoint).find((e) => typeof e === "string");
    return { facts, buckets: bucketList, wiring: wire(facts, bucketList), objectStore };
}

const TLS_STYLE: Record<Tls, string> = {
    mTLS: 'color="#1b7f3b", fontcolor="#1b7f3b", penwidth=2',
    TLS: 'color="#1f5fbf", fontcolor="#1f5fbf", penwidth=1.5',
    plaintext: 'color="#666666", fontcolor="#444444", style=dashed',
    unknown: 'color="#b36b00", fontcolor="#b36b00", style=dotted',
};

export interface Node {
    id: string;
    label: string[];
    shape: "box" | "lb" | "bucket" | "external";
}
export interface Group {
    id: string;
    label: string;
    nodes: Node[];
}
export interface Edge {
    from: string;
    to: string;
    label: string[];
    tls: Tls;
}

/** One neutral graph that both the DOT and the Mermaid writers print. */
export interface Graph {
    groups: Group[];
    loose: Node[];
    edges: Edge[];
}

/** Everything in one graph: every component of every cluster and every link (the detail drawings are parts of it). */
export function graph(arch: Architecture): Graph {
    // A router the address's Service selects (the central front door) is drawn as its links' "via".
    const routers = new Set(arch.wiring.exposures.flatMap((e) => (e.via ? [nodeId(e.stack, e.via)] : [])));
    const groups: Group[] = arch.facts.map((f) => {
        const nodes: Node[] = f.components
            .filter((c) => !routers.has(c.id))
            .map((c) => ({
                id: c.id,
                label: [`${c.label}${c.replicas > 1 ? ` x${c.replicas}` : ""}`, ...(c.extra ? [`+ ${c.extra}`] : [])],
                shape: "box",
            }));
        for (const address of [
            ...new Set(arch.wiring.exposures.filter((e) => e.stack === f.cluster.stack).map((e) => e.address)),
        ]) {
            nodes.push({ id: nodeId("lb", address), label: [`LoadBalancer ${address}`], shape: "lb" });
        }
        return { id: nodeId("cluster", f.cluster.stack), label: `${f.cluster.name} (${f.cluster.role})`, nodes };
    });
    if (arch.buckets.length > 0) {
        groups.push({
            id: "cluster_objstore",
            label: `object storage${arch.objectStore ? ` ${arch.objectStore}` : ""}`,
            nodes: arch.buckets.map((b) => ({ id: b.id, label: [`bucket ${b.name}`], shape: "bucket" })),
        });
    }
    const loose = arch.wiring.externals.map((e) => ({ id: e.id, label: [e.label], shape: "external" as const }));
    const edges: Edge[] = [];
    const exposuresByTarget = new Map<string, typeof arch.wiring.exposures>();
    for (const e of arch.wiring.exposures) {
        const key = `${nodeId("lb", e.address)}>${e.component}>${exposureTls(arch.facts, e)}`;
        exposuresByTarget.set(key, [...(exposuresByTarget.get(key) ?? []), e]);
    }
    for (const [key, list] of exposuresByTarget) {
        const [from, to, tls] = key.split(">");
        edges.push({
            from,
            to,
            tls: tls as Tls,
            label: [
                ...list.map((e) => `:${e.port}${e.pod ? ` → ${e.pod}` : ""}`),
                // Through a router (the central front door's HAProxy): one Service, routed by port.
                ...(list[0].via ? [`via ${list[0].via}`] : []),
                tls,
            ],
        });
    }
    for (const l of arch.wiring.links) edges.push(linkEdge(l));
    return { groups, loose, edges };
}

function linkEdge(l: Link): Edge {
    return { from: l.from, to: l.to, tls: l.tls, label: [l.kind, ...l.addresses, l.tls] };
}

const dotString = (lines: string[], wrap?: number) =>
    `"${lines
        .flatMap((l) => (wrap === undefined ? [l] : wrapLine(l, wrap)))
        .map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))
        .join("\\n")}"`;

/** How a drawing is laid out: the direction of its ranks and which nodes share a rank. */
export interface Layout {
    rankdir: "LR" | "TB";
    sameRank?: string[][];
    /** Label lines longer than this many characters are broken (in the SVG only), to keep a drawing narrow. */
    wrap?: number;
}

/**
 * A label line in pieces of at most `width` characters, broken where a reader expects it: at a
 * space, after a comma or dash, or before a dot or colon that a name follows (`thanos-store-{0,1}` /
 * `.thanos-store:10901`), never inside an address.
 */
export function wrapLine(line: string, width: number): string[] {
    const pieces: string[] = [];
    let rest = line;
    while (rest.length > width) {
        let at = -1;
        for (let i = width; i > width / 3 && at < 0; i--) {
            const beforeName = (rest[i] === "." || rest[i] === ":") && /[a-z{]/.test(rest[i + 1] ?? "");
            if (rest[i] === " " || rest[i - 1] === "," || rest[i - 1] === "-" || beforeName) at = i;
        }
        if (at < 0) at = width;
        pieces.push(rest.slice(0, at).trimEnd());
        rest = rest.slice(at).trimStart();
    }
    return [...pieces, rest];
}

// Sizes in points (the SVG's unit at 100%, 1pt = 4/3 px): 9pt is 12px, above the 11px the README needs.
const FONT = { graph: 11, node: 10, edge: 9 };

export function toDot(g: Graph, layout: Layout = { rankdir: "LR" }): string {
    const shape = (n: Node) =>
        n.shape === "lb"
            ? 'shape=hexagon, fillcolor="#fff4d6"'
            : n.shape === "bucket"
              ? 'shape=cylinder, fillcolor="#e8eef9"'
              : n.shape === "external"
                ? 'shape=box, style="dashed", fontcolor="#444444"'
                : 'shape=box, style="rounded,filled", fillcolor="#ffffff"';
    const out = [
        "digraph architecture {",
        `  graph [rankdir=${layout.rankdir}, fontname="Helvetica", fontsize=${FONT.graph}, nodesep=0.3, ranksep=0.5, newrank=true];`,
        `  node [fontname="Helvetica", fontsize=${FONT.node}, style=filled, margin="0.15,0.06"];`,
        `  edge [fontname="Helvetica", fontsize=${FONT.edge}];`,
    ];
    for (const group of g.groups) {
        out.push(
            `  subgraph ${group.id} {`,
            `    label=${dotString([group.label])};`,
            '    style="rounded"; color="#888888";',
        );
        for (const n of group.nodes) out.push(`    ${n.id} [label=${dotString(n.label, layout.wrap)}, ${shape(n)}];`);
        out.push("  }");
    }
    for (const n of g.loose) out.push(`  ${n.id} [label=${dotString(n.label, layout.wrap)}, ${shape(n)}];`);
    for (const ids of layout.sameRank ?? []) out.push(`  { rank=same; ${ids.join("; ")}; }`);
    for (const e of g.edges)
        out.push(`  ${e.from} -> ${e.to} [label=${dotString(e.label, layout.wrap)}, ${TLS_STYLE[e.tls]}];`);
    // The legend shows the styles this drawing uses, no other.
    const used = (["mTLS", "TLS", "plaintext", "unknown"] as Tls[]).filter((tls) => g.edges.some((e) => e.tls === tls));
    out.push(
        '  subgraph cluster_legend { label="links"; style="rounded"; color="#bbbbbb";',
        ...used.map(
            (tls, i) =>
                `    legend_${i}_a [shape=point, width=0.05, label=""]; legend_${i}_b [shape=point, width=0.05, label=""]; { rank=same; legend_${i}_a; legend_${i}_b; } legend_${i}_a -> legend_${i}_b [label="${LEGEND[tls]}", ${TLS_STYLE[tls]}];`,
        ),
        "  }",
        "}",
    );
    return out.join("\n") + "\n";
}

const LEGEND: Record<Tls, string> = {
    mTLS: "mutual TLS",
    TLS: "TLS",
    plaintext: "plaintext",
    unknown: "TLS unknown",
};

const mermaidText = (lines: string[]) => `"${lines.map((l) => l.replace(/"/g, "#quot;")).join("<br/>")}"`;

export function toMermaid(g: Graph): string {
    const node = (n: Node) => {
        const text = mermaidText(n.label);
        return n.shape === "lb"
            ? `${n.id}{{${text}}}`
            : n.shape === "bucket"
              ? `${n.id}[(${text})]`
              : n.shape === "external"
                ? `${n.id}>${text}]`
                : `${n.id}(${text})`;
    };
    const out = ["flowchart LR"];
    for (const group of g.groups) {
        out.push(`  subgraph ${group.id}[${mermaidText([group.label])}]`);
        for (const n of group.nodes) out.push(`    ${node(n)}`);
        out.push("  end");
    }
    for (const n of g.loose) out.push(`  ${node(n)}`);
    const arrow: Record<Tls, string> = { mTLS: "==>", TLS: "-->", plaintext: "-.->", unknown: "-.->" };
    for (const e of g.edges) out.push(`  ${e.from} ${arrow[e.tls]}|${mermaidText(e.label)}| ${e.to}`);
    return out.join("\n") + "\n";
}

/** The SVG, drawn by Graphviz compiled to WebAssembly (no system Graphviz needed). */
export async function toSvg(dot: string): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Graphviz } = require("@hpcc-js/wasm-graphviz") as typeof import("@hpcc-js/wasm-graphviz", {
        with: { "resolution-mode": "import" },
    });
    const graphviz = await Graphviz.load();
    return graphviz.dot(dot);
}
