// Where the live tests find the real servers and tools (offline/binaries.ts: an environment variable
// naming the binary, then PATH), and the free loopback ports they listen on.

import type { LiveBinary } from "../../offline/binaries";

export { LIVE_BINARIES, findBinary, missingBinaryMessage, binaryVersion } from "../../offline/binaries";
export type { LiveBinary } from "../../offline/binaries";
export { freeLoopbackPort } from "../../offline/loopbackPort";

/** The binaries a live test needs that `findBinary` did not find (`found`: each binary's path or undefined). */
export function missingBinaries(found: Partial<Record<LiveBinary, string | undefined>>): LiveBinary[] {
    return (Object.entries(found) as [LiveBinary, string | undefined][])
        .filter(([, file]) => file === undefined)
        .map(([binary]) => binary);
}
