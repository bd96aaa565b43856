// How the live tests talk to the servers they start: one HTTP request on loopback, and polling
// until what they wait for has happened.

import * as http from "http";

export interface Answer {
    status: number;
    body: string;
}

/**
 * One request to 127.0.0.1:port, on a connection of its own. A body (an object, or text sent as
 * it is) goes as JSON. Undefined when the connection closes without an answer (a router's source
 * ACL) or the answer does not come within the timeout.
 */
export function ask(
    port: number,
    method: string,
    target: string,
    body?: unknown,
    timeoutMs = 3000,
): Promise<Answer | undefined> {
    return new Promise((resolve) => {
        const payload = body === undefined || typeof body === "string" ? body : JSON.stringify(body);
        const req = http.request(
            {
                host: "127.0.0.1",
                port,
                method,
                path: target,
                agent: false,
                headers: payload === undefined ? {} : { "content-type": "application/json" },
            },
            (res) => {
                let text = "";
                res.on("data", (chunk) => (text += chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
        );
        req.on("error", () => resolve(undefined));
        req.setTimeout(timeoutMs, () => req.destroy());
        req.end(payload);
    });
}

/**
 * Polls `probe` every 50 ms until it gives something other than undefined or false, and returns
 * that. A probe that throws has not seen it yet; on timeout the error names the last such throw,
 * and `detail` (the servers' logs, what arrived so far) if given.
 */
export async function until<T>(
    what: string,
    timeoutMs: number,
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    detail?: () => string,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined && value !== false) return value;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() > deadline) {
            const thrown = lastError === undefined ? "" : ` (the probe last threw: ${String(lastError)})`;
            throw new Error(
                `timed out after ${timeoutMs / 1000}s waiting for ${what}${thrown}${detail ? `\n${detail()}` : ""}`,
            );
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}
