import { expect } from "chai";
import { takeRejections } from "./hooks";

describe("the root hook", () => {
    it("records an unhandled rejection, so that the test running at the time fails", async () => {
        void Promise.reject(new Error("thrown inside apply"));
        await new Promise((resolve) => setTimeout(resolve, 10));
        const recorded = takeRejections();
        expect(recorded).to.have.lengthOf(1);
        expect(String(recorded[0])).to.contain("thrown inside apply");
    });
});
