// Where the live tests find the real servers and tools (offline/binaries.ts: an environment variable
// naming the binary, then PATH), and the free loopback ports they listen on.

import * as net from "net";
import type { LiveBinary } from "../../offline/binaries";

export { LIVE_BINARIES, findBinary, missingBinaryMessage, binaryVersion } from "../../offline/binaries";
export type { LiveBinary } from "../../offline/binaries";

/** A free TCP port on loopback (live tests run side by side: never a fixed port). */
export async function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** The binaries a live test needs that `findBinary` did not find (`found`: each binary's path or undefined). */
export function missingBinaries(found: Partial<Record<LiveBinary, string | undefined>>): LiveBinary[] {
    return (Object.entries(found) as [LiveBinary, string | undefined][])
        .filter(([, file]) => file === undefined)
        .map(([binary]) => binary);
}
