// docs/configuration.md against the config readers, in both directions: every key a reader reads is
// in the reference, and every key the reference lists is read. The known keys are what
// config/reader.ts records while the readers run (no list is kept by hand), collected over the
// committed stacks and variants that reach the conditional readers (receivers of each kind, the
// memcached cache, a created StorageClass).

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Reader, SECRET_KEYS, RawConfig } from "../config/reader";
import { PROJECT_ROOT } from "../offline/runStack";
import { problemsOf, projectConfig } from "./helpers";

const DOC = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");

/** The first column of the table headed `| <header> |`, each cell's keys spelled out in full. */
function documentedKeys(header: string): string[] {
    const lines = DOC.split("\n");
    const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
    expect(start, `a table headed ${header}`).to.be.at.least(0);
    const keys: string[] = [];
    for (const line of lines.slice(start + 2)) {
        if (!line.startsWith("|")) break;
        const cell = line.slice(1).split(" | ")[0];
        let last = "";
        for (const [, key] of cell.matchAll(/`([^`]+)`/g)) {
            // `central.query.replicas` / `.timeout`: a leading dot is a sibling of the previous key.
            const full = key.startsWith(".") ? `${last.slice(0, last.lastIndexOf("."))}${key}` : key;
            keys.push(full);
            last = full;
        }
    }
    return keys;
}

/** Strips the project prefix from a stack file's keys. */
function raw(stack: string): RawConfig {
    return projectConfig(stack);
}

/** Every path the readers know while parsing each config, list indices written `[i]`. */
function knownPaths(configs: RawConfig[]): Set<string> {
    const known = new Set<string>();
    const original = Reader.prototype.unknownKeyProblems;
    Reader.prototype.unknownKeyProblems = function (this: Reader, ...args) {
        for (const p of this.knownPaths()) known.add(p.replace(/\[\d+\]/g, "[i]"));
        return original.apply(this, args);
    };
    try {
        for (const config of configs) expect(problemsOf(config), JSON.stringify(config)).to.deep.equal([]);
    } finally {
        Reader.prototype.unknownKeyProblems = original;
    }
    return known;
}

function variants(): RawConfig[] {
    const central = raw("cluster-01") as Record<string, any>;
    const everyReceiver = structuredClone(central);
    everyReceiver.central.alertmanager.receivers = [
        { name: "team-slack", slack: { channel: "#alerts", sendResolved: true } },
        {
            name: "team-mail",
            email: {
                to: "oncall@example.com",
                from: "alertmanager@example.com",
                smarthost: "smtp.example.com:587",
                authUsername: "alertmanager",
                requireTls: true,
                sendResolved: false,
            },
        },
    ];
    everyReceiver.central.alertmanager.defaultReceiver = "team-mail";
    everyReceiver.central.alertmanager.criticalReceiver = "team-slack";
    everyReceiver.central.queryFrontend = { cache: "memcached", memcached: { replicas: 2, memory: "1GB" } };
    return [central, everyReceiver, raw("cluster-02"), raw("cluster-03")];
}

describe("docs/configuration.md", () => {
    const documented = documentedKeys("key").map((k) => k.replace(/\[\d+\]/g, "[i]"));
    let known = new Set<string>();
    before(() => {
        known = knownPaths(variants());
    });

    it("lists every key the config readers read", () => {
        // A section (a prefix of a documented key) needs no row of its own.
        const isSection = (p: string) => documented.some((d) => d.startsWith(`${p}.`) || d.startsWith(`${p}[`));
        const missing = [...known].filter((p) => !documented.includes(p) && !isSection(p)).sort();
        expect(missing, "keys the program reads that docs/configuration.md does not list").to.deep.equal([]);
    });

    it("lists no key the readers do not read", () => {
        expect(documented.length).to.be.greaterThan(60);
        // The older single `nodeIp` is named in a rule, not as a key of its own.
        const stale = documented.filter((d) => !known.has(d));
        expect(stale, "keys docs/configuration.md lists that no reader reads").to.deep.equal([]);
    });

    it("lists exactly the secret keys the program reads", () => {
        const section = DOC.slice(DOC.indexOf("\n## Secrets\n") + 1);
        const secretTable = section.slice(0, section.indexOf("\n## "));
        const rows = [...secretTable.matchAll(/^\| (`[^|]+) \|/gm)].flatMap((m) =>
            [...m[1].matchAll(/`([^`]+)`/g)].map((k) => k[1]),
        );
        expect(new Set(rows)).to.deep.equal(new Set(Object.keys(SECRET_KEYS)));
    });

    it("shows a runbookBaseUrl the program accepts, whose links are the runbooks' served address", () => {
        const section = DOC.slice(DOC.indexOf("## Alerts and runbook links"));
        const [, snippet] = /```yaml\n([\s\S]*?)```/.exec(section)!;
        const shown = yaml.load(`config:\n${snippet}`) as { config: Record<string, { runbookBaseUrl: string }> };
        const url = shown.config["thanos-multicluster:prometheus"].runbookBaseUrl.replace(
            "<owner>/<repository>",
            "example/thanos-multicluster",
        );
        expect(url).to.match(/^https:\/\/.*\/docs\/runbooks\.md$/);
        const edge = raw("cluster-02") as Record<string, any>;
        expect(problemsOf({ ...edge, prometheus: { ...edge.prometheus, runbookBaseUrl: url } })).to.deep.equal([]);
    });
});
