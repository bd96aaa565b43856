// A free TCP port on loopback, for the real servers the offline tools and the live tests start
// side by side (never a fixed port).

import * as net from "net";

/** A port nothing listens on at the moment, on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}
