import * as path from "path";

/** The project folder. Its own module: what needs only the path (the checks, the policy pack) does not load the mock-engine runner, which changes how Pulumi records stack traces. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
