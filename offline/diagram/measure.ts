// How big a drawing shows at 100% zoom: the SVG's width and height in CSS pixels and the height of its
// smallest text, after the viewBox and every scale() Graphviz puts on a group. Graphviz writes sizes
// in points (1pt = 4/3 px); a `size` attribute on the graph makes it scale the whole drawing down.

export interface SvgSize {
    widthPx: number;
    heightPx: number;
    /** The smallest text's font size on screen, and that text. */
    smallestFontPx: number;
    smallestText: string;
    texts: number;
}

const PX_PER_UNIT: Record<string, number> = { "": 1, px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 96 / 2.54, mm: 96 / 25.4 };

function length(value: string | undefined, what: string): number {
    const m = /^\s*([0-9.]+)\s*([a-z]*)\s*$/.exec(value ?? "");
    if (!m || !(m[2] in PX_PER_UNIT)) throw new Error(`svg: ${what} "${value}" is not an absolute length`);
    return Number(m[1]) * PX_PER_UNIT[m[2]];
}

function attributes(text: string): Record<string, string> {
    const found: Record<string, string> = {};
    for (const m of text.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/g))
        found[m[1]] = m[3] ?? m[4];
    return found;
}

/** The scale a transform list applies (translate moves only; any rotation or skew is refused). */
function scaleOf(transform: string | undefined): number {
    let scale = 1;
    for (const m of (transform ?? "").matchAll(/([a-zA-Z]+)\s*\(([^)]*)\)/g)) {
        const args = m[2]
            .trim()
            .split(/[\s,]+/)
            .map(Number);
        if (m[1] === "scale") {
            const [sx, sy = sx] = args;
            if (sx !== sy) throw new Error(`svg: scale(${m[2]}) stretches text unevenly`);
            scale *= sx;
        } else if (m[1] === "rotate" ? args[0] !== 0 : m[1] !== "translate") {
            throw new Error(`svg: transform ${m[0]} is not measured`);
        }
    }
    return scale;
}

const unescape = (s: string) =>
    s
        .replace(/&#(x?)([0-9a-fA-F]+);/g, (_, hex, n) => String.fromCodePoint(parseInt(n, hex ? 16 : 10)))
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&");

export function measureSvg(svg: string): SvgSize {
    const body = svg.replace(/<!--[\s\S]*?-->/g, "").replace(/<!DOCTYPE[^>]*>/, "");
    const root = /<svg\b([^>]*)>/.exec(body);
    if (!root) throw new Error("svg: no <svg> element");
    const rootAttrs = attributes(root[1]);
    const widthPx = length(rootAttrs.width, "width");
    const heightPx = length(rootAttrs.height, "height");
    const viewBox = (rootAttrs.viewBox ?? `0 0 ${widthPx} ${heightPx}`)
        .trim()
        .split(/[\s,]+/)
        .map(Number);
    if (viewBox.length !== 4 || viewBox.some((n) => !Number.isFinite(n)) || viewBox[2] <= 0)
        throw new Error(`svg: viewBox "${rootAttrs.viewBox}" is not 4 numbers`);
    // preserveAspectRatio's default (xMidYMid meet) scales by the smaller ratio.
    const viewScale = Math.min(widthPx / viewBox[2], heightPx / viewBox[3]);

    // Walk the elements after <svg>, keeping each open element's scale and font size.
    const stack: { name: string; scale: number; font?: number }[] = [{ name: "svg", scale: viewScale }];
    let smallest = { px: Infinity, text: "" };
    let texts = 0;
    const tags = /<(\/?)([A-Za-z][-A-Za-z0-9:]*)([^>]*?)(\/?)>|([^<]+)/g;
    tags.lastIndex = root.index + root[0].length;
    let open: { name: string; px: number; text: string } | undefined;
    for (let m = tags.exec(body); m; m = tags.exec(body)) {
        if (m[5] !== undefined) {
            if (open) open.text += unescape(m[5]);
            continue;
        }
        const [, closing, name, rawAttrs, selfClosing] = m;
        if (closing) {
            const top = stack.pop();
            if (!top || top.name !== name) throw new Error(`svg: </${name}> closes <${top?.name}>`);
            if (name === "text" && open) {
                texts++;
                if (open.px < smallest.px) smallest = { px: open.px, text: open.text.trim() };
                open = undefined;
            }
            if (name === "svg") break;
            continue;
        }
        const attrs = attributes(rawAttrs);
        const parent = stack[stack.length - 1];
        const scale = parent.scale * scaleOf(attrs.transform);
        const font = attrs["font-size"] !== undefined ? length(attrs["font-size"], "font-size") : parent.font;
        if (name === "text") {
            if (font === undefined) throw new Error("svg: a <text> has no font-size");
            open = { name, px: font * scale, text: "" };
        }
        if (!selfClosing) stack.push({ name, scale, font });
    }
    if (texts === 0) throw new Error("svg: no <text> element");
    return { widthPx, heightPx, smallestFontPx: smallest.px, smallestText: smallest.text, texts };
}

/** The smallest text's size when the drawing is shown at most `width` px wide (a page scales a wider one down). */
export function atWidth(size: SvgSize, width: number): number {
    return size.smallestFontPx * Math.min(1, width / size.widthPx);
}
