// An HTTP server of a live test on a free loopback port, and how it is closed: its open connections
// (kept alive by HAProxy or a client) are cut first, or close would wait for them.

import * as http from "http";
import { AddressInfo } from "net";

export interface LoopbackServer {
    port: number;
    close: () => Promise<void>;
}

/** Starts `server` on 127.0.0.1 at a port the system picks. */
export async function listenOnLoopback(server: http.Server): Promise<LoopbackServer> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as AddressInfo).port,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
