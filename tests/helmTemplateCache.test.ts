// helmTemplate's cache: `helm template` runs again when Helm, a file of the chart, the release or the
// values change, and only then. A stand-in `helm` counts its runs and prints what it was given.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { helmTemplate } from "../offline/helmTemplate";

describe("helm-template: the cache of helm template runs", () => {
    let dir: string;
    let helm: string;
    let chart: string;
    const saved = process.env.THANOS_CHECK_CACHE_DIR;
    const runs = () => fs.readFileSync(path.join(dir, "runs"), "utf8").split("\n").filter(Boolean).length;
    const release = { name: "kps", namespace: "monitoring" };

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-cache-"));
        process.env.THANOS_CHECK_CACHE_DIR = path.join(dir, "cache");
        fs.writeFileSync(path.join(dir, "runs"), "");
        helm = path.join(dir, "helm");
        // Prints one object naming the chart's Chart.yaml version and the values file's first line.
        fs.writeFileSync(
            helm,
            `#!/usr/bin/env bash\necho run >> "${dir}/runs"\nvalues=$(head -1 "$7")\nversion=$(grep '^version:' "$3/Chart.yaml")\n` +
                'printf "kind: ConfigMap\\nmetadata: {name: %s, namespace: %s}\\ndata: {values: \\"%s\\", chart: \\"%s\\"}\\n" "$2" "$5" "$values" "$version"\n',
            { mode: 0o755 },
        );
        chart = path.join(dir, "chart");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(path.join(chart, "Chart.yaml"), "name: kube-prometheus-stack\nversion: 1.0.0\n");
        fs.writeFileSync(path.join(chart, "templates", "a.yaml"), "kind: ConfigMap\n");
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.THANOS_CHECK_CACHE_DIR;
        else process.env.THANOS_CHECK_CACHE_DIR = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const data = (result: ReturnType<typeof helmTemplate>) => {
        if ("error" in result) throw new Error(result.error);
        return result.objects[0].data;
    };

    it("runs Helm once for the same Helm, chart, release and values, and again for each change", () => {
        expect(data(helmTemplate(helm, chart, release, { a: 1 }))).to.deep.equal({
            values: "a: 1",
            chart: "version: 1.0.0",
        });
        expect(data(helmTemplate(helm, chart, release, { a: 1 }))).to.deep.equal({
            values: "a: 1",
            chart: "version: 1.0.0",
        });
        expect(runs(), "the same inputs").to.equal(1);

        expect(data(helmTemplate(helm, chart, release, { a: 2 })).values).to.equal("a: 2");
        expect(runs(), "other values").to.equal(2);

        helmTemplate(helm, chart, { ...release, name: "other" }, { a: 2 });
        expect(runs(), "another release name").to.equal(3);

        fs.writeFileSync(path.join(chart, "Chart.yaml"), "name: kube-prometheus-stack\nversion: 1.0.1\n");
        expect(data(helmTemplate(helm, chart, release, { a: 2 })).chart).to.equal("version: 1.0.1");
        expect(runs(), "a changed chart file").to.equal(4);

        // A file the output does not show still counts: the chart is its every file.
        fs.writeFileSync(path.join(chart, "templates", "b.yaml"), "kind: Secret\n");
        helmTemplate(helm, chart, release, { a: 2 });
        expect(runs(), "an added chart file").to.equal(5);

        fs.appendFileSync(helm, "# another build\n");
        helmTemplate(helm, chart, release, { a: 2 });
        expect(runs(), "another Helm").to.equal(6);

        helmTemplate(helm, chart, release, { a: 2 });
        expect(runs(), "nothing changed since").to.equal(6);
    });

    it("keeps results on disk for the next process, and THANOS_CHECK_CACHE=off runs Helm every time", () => {
        helmTemplate(helm, chart, release, { b: true });
        const files = fs.readdirSync(path.join(dir, "cache")).filter((f) => f.startsWith("helm-template-"));
        expect(files).to.have.lengthOf(1);
        expect(fs.readFileSync(path.join(dir, "cache", files[0]), "utf8")).to.contain("b: true");
        process.env.THANOS_CHECK_CACHE = "off";
        try {
            helmTemplate(helm, chart, release, { b: true });
            helmTemplate(helm, chart, release, { b: true });
        } finally {
            delete process.env.THANOS_CHECK_CACHE;
        }
        expect(runs()).to.equal(3);
    });

    it("keeps Helm's refusal too, and runs again once the values change", () => {
        fs.writeFileSync(
            helm,
            `#!/usr/bin/env bash\necho run >> "${dir}/runs"\necho "Error: bad values" >&2\nexit 1\n`,
            {
                mode: 0o755,
            },
        );
        expect(helmTemplate(helm, chart, release, { c: 1 })).to.deep.equal({ error: "Error: bad values" });
        expect(helmTemplate(helm, chart, release, { c: 1 })).to.deep.equal({ error: "Error: bad values" });
        expect(runs()).to.equal(1);
        helmTemplate(helm, chart, release, { c: 2 });
        expect(runs()).to.equal(2);
    });
});
