// Issue 18, "nothing lost, no one in", as the committed stacks render it: Thanos' admin API and CORS
// off, deletes that cannot take history with them.

import { expect } from "chai";
import { StackRun } from "../offline/runStack";
import { committedEdgeOutputs, k8sObject, runCommittedStack } from "./helpers";

/** A Thanos container's args. */
function args(run: StackRun, kind: string, name: string): string[] {
    return k8sObject(run, kind, name).spec.template.spec.containers[0].args;
}

describe("hardening: the committed central stack", () => {
    let central: StackRun;
    before(async () => {
        central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
    });

    it("the Store Gateway and the Compactor refuse admin operations (marking blocks for deletion)", () => {
        for (const name of ["thanos-store", "thanos-compactor"]) {
            expect(args(central, "StatefulSet", name), name).to.include("--disable-admin-operations");
            expect(args(central, "StatefulSet", name), name).not.to.include("--no-disable-admin-operations");
        }
    });

    it("no Thanos component sends Access-Control-Allow-Origin: *", () => {
        for (const [kind, name] of [
            ["Deployment", "thanos-query"],
            ["Deployment", "thanos-query-frontend"],
            ["StatefulSet", "thanos-store"],
            ["StatefulSet", "thanos-compactor"],
            ["StatefulSet", "thanos-ruler"],
        ])
            expect(args(central, kind, name), name).to.include("--web.disable-cors");
    });
});
