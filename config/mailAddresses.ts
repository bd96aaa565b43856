// Email addresses as Alertmanager's email notifier reads them: it parses `to` as an RFC 5322
// address list and `from` as a list of exactly one address with Go's net/mail ParseAddressList
// (notify/email/email.go, v0.34.0). It does so only when it sends, so a bad address is accepted by
// the config and then fails every notification; this parser refuses it when the config is read.
//
// It reads what net/mail reads for a notification: addr-spec (`ops@example.com`, a domain without
// a dot such as `root@localhost`, a quoted local part, a domain literal `[192.0.2.1]`), a display
// name in front of an angle address (`"Ops Team" <ops@example.com>`, `Ops Team <ops@example.com>`),
// several addresses separated by commas (empty entries skipped, as net/mail does). What it does not
// read, although net/mail does: RFC 5322 groups (`team: a@x, b@y;`), parenthesised comments and
// Go templates (`{{ ... }}`); see mailAddressProblem.

/** atext of RFC 5322 (net/mail also takes any non-ASCII character). */
function isAtext(ch: string): boolean {
    return /[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]/.test(ch) || ch.charCodeAt(0) > 127;
}

class Cursor {
    pos = 0;
    constructor(readonly text: string) {}
    get done(): boolean {
        return this.pos >= this.text.length;
    }
    peek(): string {
        return this.text[this.pos] ?? "";
    }
    skipSpace(): void {
        while (this.peek() === " " || this.peek() === "\t") this.pos++;
    }
    consume(ch: string): boolean {
        if (this.peek() !== ch) return false;
        this.pos++;
        return true;
    }
}

class MailSyntaxError extends Error {}

/**
 * A dot-atom: atext and dots. A local part or domain (`permissive` false) may not start or end with
 * a dot or hold two together; a display name's word may (net/mail's obs-phrase: `J. Smith`).
 */
function atom(c: Cursor, permissive: boolean): string {
    const start = c.pos;
    while (!c.done && (isAtext(c.peek()) || c.peek() === ".")) c.pos++;
    const text = c.text.slice(start, c.pos);
    if (text === "") throw new MailSyntaxError(`has "${c.text.slice(c.pos)}" where an address was expected`);
    if (!permissive && (text.startsWith(".") || text.endsWith(".") || text.includes("..")))
        throw new MailSyntaxError(`"${text}" has a dot at its start or end, or two dots together`);
    return text;
}

/** A quoted string; returns its text without the quotes (backslash escapes undone). */
function quoted(c: Cursor): string {
    c.consume('"');
    let text = "";
    for (;;) {
        if (c.done) throw new MailSyntaxError("has a quote that is never closed");
        const ch = c.text[c.pos++];
        if (ch === '"') return text;
        if (ch === "\\") {
            if (c.done) throw new MailSyntaxError("ends inside a quoted string");
            text += c.text[c.pos++];
        } else if (ch === "\r" || ch === "\n") {
            throw new MailSyntaxError("has a line break inside a quoted string");
        } else text += ch;
    }
}

/** local-part "@" domain; the cursor is left after it, or where it stopped. */
function addrSpec(c: Cursor): string {
    // net/mail hands back a quoted local part without its quotes (what it sends in RCPT TO).
    const local = c.peek() === '"' ? quoted(c) : atom(c, false);
    if (!c.consume("@")) throw new MailSyntaxError(`has "${local}" without an @domain`);
    let domain: string;
    if (c.peek() === "[") {
        const close = c.text.indexOf("]", c.pos);
        if (close < 0) throw new MailSyntaxError("has a domain literal [ without ]");
        domain = c.text.slice(c.pos, close + 1);
        if (/[[\]\\\s]/.test(domain.slice(1, -1))) throw new MailSyntaxError(`has an invalid domain literal ${domain}`);
        c.pos = close + 1;
    } else domain = atom(c, false);
    return `${local}@${domain}`;
}

/** One address: a bare addr-spec, or an optional display name and `<addr-spec>`. */
function address(c: Cursor): string {
    const start = c.pos;
    let specError: MailSyntaxError;
    try {
        const spec = addrSpec(c);
        c.skipSpace();
        if (c.done || c.peek() === ",") return spec;
        specError = new MailSyntaxError(`has "${c.text.slice(c.pos)}" after ${spec} where a comma was expected`);
    } catch (err) {
        if (!(err instanceof MailSyntaxError)) throw err;
        specError = err;
    }
    c.pos = start;
    // Without an angle address ahead, it was meant as a bare address: its own error says what is wrong.
    if (!c.text.includes("<", start)) throw specError;
    // display-name: words (atoms, which net/mail lets hold dots, or quoted strings), then <addr-spec>.
    while (!c.done && c.peek() !== "<") {
        // The entry ends before an angle address: it was a bare address after all.
        if (c.peek() === ",") throw specError;
        if (c.peek() === '"') quoted(c);
        else if (c.peek() === "(")
            throw new MailSyntaxError("has a parenthesised comment, which this program does not read");
        else if (c.peek() === ":") throw new MailSyntaxError("is an RFC 5322 group, which this program does not read");
        else atom(c, true);
        c.skipSpace();
    }
    if (!c.consume("<")) throw new MailSyntaxError("is neither an address nor a name followed by <address>");
    const spec = addrSpec(c);
    if (!c.consume(">")) throw new MailSyntaxError(`has no > after <${spec}`);
    return spec;
}

/** The addresses (addr-specs) of an RFC 5322 address list, as net/mail's ParseAddressList reads them. */
export function parseMailAddressList(text: string): string[] {
    if (text.includes("{{")) throw new MailSyntaxError("is a Go template, which this program does not render");
    const c = new Cursor(text);
    const list: string[] = [];
    for (;;) {
        c.skipSpace();
        if (c.consume(",")) continue;
        if (c.done) break;
        list.push(address(c));
        c.skipSpace();
        if (c.done) break;
        if (!c.consume(",")) throw new MailSyntaxError(`has "${c.text.slice(c.pos)}" where a comma was expected`);
    }
    if (list.length === 0) throw new MailSyntaxError("holds no address");
    return list;
}

/**
 * Why Alertmanager's email notifier would refuse `text` as its `to` (`one: false`, a list) or
 * `from` (`one: true`, exactly one address); undefined when it reads it.
 */
export function mailAddressProblem(text: string, one: boolean): string | undefined {
    try {
        const list = parseMailAddressList(text);
        if (one && list.length !== 1) return `holds ${list.length} addresses; Alertmanager sends from exactly one`;
        return undefined;
    } catch (err) {
        if (err instanceof MailSyntaxError) return err.message;
        throw err;
    }
}
