// One HTTP request with a deadline, for verify: every call ends within its timeout (connect, send
// and read together), is made once (no retry loop), and fails with a short reason to print.

import * as http from "http";
import * as https from "https";

export interface HttpAnswer {
    status: number;
    /** The parsed JSON body, or the text when it is not JSON. */
    body: any;
}

export interface RequestOptions {
    method?: "GET" | "POST";
    headers?: Record<string, string>;
    /** A JSON body (POST). */
    json?: unknown;
    timeoutMs: number;
}

/** Resolves with the status and body of any HTTP answer; rejects on no answer within the timeout. */
export function request(url: string, options: RequestOptions): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        let target: URL;
        try {
            target = new URL(url);
        } catch {
            reject(new Error(`not a URL: ${url}`));
            return;
        }
        const client = target.protocol === "https:" ? https : http;
        const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
        const req = client.request(
            target,
            {
                method: options.method ?? "GET",
                headers: {
                    Accept: "application/json",
                    ...(payload !== undefined ? { "Content-Type": "application/json" } : {}),
                    ...options.headers,
                },
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (text += chunk));
                res.on("end", () => {
                    clearTimeout(timer);
                    let body: any = text;
                    try {
                        body = text === "" ? undefined : JSON.parse(text);
                    } catch {
                        // Not JSON: keep the text for the message.
                    }
                    resolve({ status: res.statusCode ?? 0, body });
                });
                res.on("error", (err) => {
                    clearTimeout(timer);
                    reject(err);
                });
            },
        );
        const timer = setTimeout(() => {
            req.destroy(new Error(`no answer from ${target.host} within ${options.timeoutMs / 1000}s`));
        }, options.timeoutMs);
        req.on("error", (err: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            reject(new Error(err.code ? `${err.code} connecting to ${target.host}` : err.message));
        });
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

/** A GET expecting 200 and JSON; rejects with the status and the start of the body otherwise. */
export async function getJson(url: string, timeoutMs: number, headers?: Record<string, string>): Promise<any> {
    const answer = await request(url, { timeoutMs, headers });
    if (answer.status !== 200) {
        const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
        throw new Error(`HTTP ${answer.status} from ${url}: ${(text ?? "").slice(0, 200)}`);
    }
    return answer.body;
}

export function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
