// A small evaluator of GitHub Actions expressions, enough for the workflows' job conditions:
// literals, context paths (`needs.deploy-edges.result`, `a['b']`, `f(x)[0].name`), `!`, `==`, `!=`,
// `&&`, `||`, parentheses, and the functions cancelled(), always(), success(), failure(), fromJSON,
// format.
// As GitHub does, a job `if` without a status function means `success() && (...)`; `&&`/`||` give
// an operand, comparisons of text ignore case, values of different types compare as numbers (null
// and empty text as 0), and a missing property is null.

export interface JobStatus {
    /** The run was cancelled. */
    cancelled: boolean;
    /** The results of the job's `needs` (success, failure, cancelled, skipped). */
    needResults: string[];
}

type Value = unknown;
type Token = { kind: "str" | "num" | "id" | "op"; text: string };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    const re = /\s*(?:('(?:[^']|'')*')|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_-]*)|(==|!=|&&|\|\||[!()[\].,]))/y;
    let at = 0;
    while (at < text.length) {
        if (/^\s*$/.test(text.slice(at))) break;
        re.lastIndex = at;
        const m = re.exec(text);
        if (m === null) throw new Error(`cannot read the expression at ${JSON.stringify(text.slice(at))}`);
        at = re.lastIndex;
        if (m[1] !== undefined) tokens.push({ kind: "str", text: m[1].slice(1, -1).replace(/''/g, "'") });
        else if (m[2] !== undefined) tokens.push({ kind: "num", text: m[2] });
        else if (m[3] !== undefined) tokens.push({ kind: "id", text: m[3] });
        else tokens.push({ kind: "op", text: m[4] });
    }
    return tokens;
}

/** A value as GitHub writes it into text: null as empty. */
const asText = (v: Value) => (v === null || v === undefined ? "" : String(v));

const truthy = (v: Value) => !(v === false || v === null || v === undefined || v === 0 || v === "");
/** A value as a number, as GitHub compares values of different types: null and '' are 0. */
const asNumber = (v: Value) => (v === null || v === undefined || v === "" ? 0 : Number(v));
const equal = (a: Value, b: Value) =>
    typeof a === "string" && typeof b === "string"
        ? a.toLowerCase() === b.toLowerCase()
        : typeof a === typeof b && a !== null && b !== null
          ? a === b
          : asNumber(a) === asNumber(b);

export function evaluate(expression: string, context: Record<string, Value>, status: JobStatus): Value {
    const tokens = tokenize(expression);
    let i = 0;
    const peek = () => tokens[i];
    const take = (text?: string) => {
        const t = tokens[i++];
        if (t === undefined || (text !== undefined && t.text !== text))
            throw new Error(`expected ${text ?? "more"} in ${expression}`);
        return t;
    };
    const functions: Record<string, (...args: Value[]) => Value> = {
        cancelled: () => status.cancelled,
        always: () => true,
        success: () => !status.cancelled && status.needResults.every((r) => r === "success"),
        failure: () => status.needResults.some((r) => r === "failure"),
        fromJSON: (text) => JSON.parse(String(text)),
        format: (template, ...args) =>
            String(template).replace(/\{(\d+)\}/g, (_, n: string) => asText(args[Number(n)] ?? null)),
    };
    const or = (): Value => {
        let left = and();
        while (peek()?.text === "||") {
            take();
            const right = and();
            left = truthy(left) ? left : right;
        }
        return left;
    };
    const and = (): Value => {
        let left = comparison();
        while (peek()?.text === "&&") {
            take();
            const right = comparison();
            left = truthy(left) ? right : left;
        }
        return left;
    };
    const comparison = (): Value => {
        let left = unary();
        while (peek()?.text === "==" || peek()?.text === "!=") {
            const op = take().text;
            const right = unary();
            left = op === "==" ? equal(left, right) : !equal(left, right);
        }
        return left;
    };
    const unary = (): Value => {
        if (peek()?.text === "!") {
            take();
            return !truthy(unary());
        }
        return postfix(primary());
    };
    const postfix = (value: Value): Value => {
        for (;;) {
            if (peek()?.text === ".") {
                take();
                // The name is taken even when the value is null (`?.[take()]` would skip it).
                const name = take().text;
                value = (value as Record<string, Value> | null)?.[name] ?? null;
            } else if (peek()?.text === "[") {
                take();
                const key = or();
                take("]");
                value = (value as Record<string, Value> | null)?.[String(key)] ?? null;
            } else return value;
        }
    };
    const primary = (): Value => {
        const t = take();
        if (t.kind === "str") return t.text;
        if (t.kind === "num") return Number(t.text);
        if (t.text === "(") {
            const v = or();
            take(")");
            return v;
        }
        if (t.kind === "id") {
            if (t.text === "true") return true;
            if (t.text === "false") return false;
            if (t.text === "null") return null;
            if (peek()?.text === "(") {
                take();
                const args: Value[] = [];
                while (peek()?.text !== ")") {
                    args.push(or());
                    if (peek()?.text === ",") take();
                }
                take(")");
                const fn = functions[t.text];
                if (fn === undefined) throw new Error(`unknown function ${t.text}`);
                return fn(...args);
            }
            return context[t.text] ?? null;
        }
        throw new Error(`unexpected ${t.text} in ${expression}`);
    };
    const value = or();
    if (i !== tokens.length) throw new Error(`unexpected ${tokens[i].text} in ${expression}`);
    return value;
}

/** Whether a job with this `if` runs, as GitHub decides (an implicit success() where no status function is called). */
export function jobRuns(condition: string | undefined, context: Record<string, Value>, status: JobStatus): boolean {
    const text = (condition ?? "").trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
    const hasStatus = /\b(cancelled|always|success|failure)\s*\(/.test(text);
    const expression = text === "" ? "success()" : hasStatus ? text : `success() && (${text})`;
    return truthy(evaluate(expression, context, status));
}

/** A text with `${{ }}` expressions (an `env:` value, `environment:`), each replaced by its value as text. */
export function substitute(text: string, context: Record<string, Value>): string {
    return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
        asText(evaluate(expression, context, { cancelled: false, needResults: [] })),
    );
}
