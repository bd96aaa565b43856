// Root hooks: an error thrown inside `apply` surfaces as an unhandled rejection, which mocha would
// otherwise let pass. Any such rejection fails the test that was running.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The program and `npm run stacks` look for the backend as the Pulumi CLI does (PULUMI_BACKEND_URL,
// then Pulumi.yaml, then the credentials file `pulumi login` writes): the tests see no machine's own.
delete process.env.PULUMI_BACKEND_URL;
process.env.PULUMI_CREDENTIALS_PATH = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-login-"));

const rejections: unknown[] = [];
// Mocha re-emits a rejection it traps, so the same reason can arrive twice.
const onRejection = (reason: unknown) => {
    if (!rejections.includes(reason)) rejections.push(reason);
};

/** Takes the rejections recorded so far (for the hook's own test). */
export function takeRejections(): unknown[] {
    return rejections.splice(0);
}

export const mochaHooks = {
    beforeAll(): void {
        process.on("unhandledRejection", onRejection);
    },
    afterEach(): void {
        if (rejections.length > 0) {
            const reason = rejections.splice(0)[0];
            throw new Error(
                `unhandled promise rejection during the test: ${reason instanceof Error ? reason.stack : String(reason)}`,
            );
        }
    },
    afterAll(): void {
        process.off("unhandledRejection", onRejection);
    },
};
