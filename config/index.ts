// The only module that reads pulumi.Config: it validates everything into one typed StackConfig
// before the program registers a single resource.

import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings, ConfigError, PROJECT, RawConfig, chartFileProblems, parseClusterSettings } from "./settings";
import { SECRET_KEYS, SecretKeySpec, parseConfigValue } from "./reader";
import { ALERTING_SECRET_KEYS, AlertingSecretKey, edgeAlertingProblems } from "./alertRouting";
import { BUCKET_ADMIN_SECRETS, SHARED_OBJSTORE_SECRETS, alwaysRequired, requiredSecrets } from "./requiredSecrets";
import {
    crossStackProblems,
    edgeStackProblems,
    sourceRangeProblems,
    unlistedEdgeWarnings,
    organizationProblem,
    readSiblingStacks,
    stackIdentity,
} from "./siblings";
import { DEPLOYMENT_CA_KEY, readDeploymentCaBundle, resolveDeploymentCa } from "./pki";

export * from "./settings";
export * from "./alertRouting";
export * from "./requiredSecrets";

// Marked @internal in the SDK's typings, but it is how the SDK itself knows which keys the CLI
// passed as secrets (PULUMI_CONFIG_SECRET_KEYS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export { SECRET_KEYS, parseConfigValue };
export type { SecretKey, SecretKeySpec } from "./reader";

export interface StackSecrets {
    /** The one objstore key every role shares (objectStorage.identities "shared"); per-role identities generate theirs. */
    sharedObjstore?: { accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> };
    /** Full kubeconfig contents; when unset the provider uses kubernetes.context. */
    kubeconfig?: pulumi.Output<string>;
    /** MinIO credentials that may create buckets (central stack with central.buckets.manage). */
    minioAdmin?: { accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> };
    /** The Alertmanager receivers' credentials the central stack's routing needs. */
    alerting: Partial<Record<AlertingSecretKey, pulumi.Output<string>>>;
}

export interface StackConfig extends ClusterSettings {
    /** Pulumi stack name (e.g. cluster-02): the name of every stack-scoped resource. */
    stack: string;
    secrets: StackSecrets;
    /**
     * Central stack: the deployment CA that issues Query's client certificate, its certificate from
     * the committed bundle and its key from this stack's secret config (config/pki.ts).
     */
    deploymentCa?: {
        certificate: string;
        privateKeyPem: pulumi.Output<string>;
        /** A render-only CA stood in (offline render without pki/): trusted by nothing. */
        renderOnly: boolean;
    };
}

/** Reads and validates this stack's config; throws a ConfigError naming every bad key. */
export function loadStackConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
    const problems: string[] = [];
    const prefix = `${PROJECT}:`;
    const presentKeys = Object.keys(pulumi.runtime.allConfig())
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));

    // Every key under our prefix goes to the readers, which report any they do not know. Pulumi
    // hands objects and lists over as JSON, everything else as text.
    const allConfig = pulumi.runtime.allConfig();
    const raw: RawConfig = {};
    for (const key of presentKeys) {
        if (key in SECRET_KEYS) continue;
        raw[key] = parseConfigValue(allConfig[`${prefix}${key}`]);
    }
    const role = raw.role;
    for (const [key, spec] of Object.entries(SECRET_KEYS)) {
        const present = presentKeys.includes(key);
        // A key a command writes into the stack file (the deployment CA's) is checked by its own reader (config/pki.ts).
        const writtenByCommand = (spec as SecretKeySpec).writtenBy !== undefined;
        if (
            !writtenByCommand &&
            alwaysRequired(key as keyof typeof SECRET_KEYS, typeof role === "string" ? role : undefined) &&
            !present
        ) {
            problems.push(`${prefix}${key} is required: run \`pulumi config set --secret ${key}\` with ${spec.fix}`);
        }
        if (present && !isConfigSecret(`${prefix}${key}`)) {
            problems.push(
                `${prefix}${key} is stored in clear in the stack file: remove it and run \`pulumi config set --secret ${key}\``,
            );
        }
    }

    // Secrets MinIO would refuse, or its well-known defaults. Values are only compared, never printed.
    for (const [key, minimum] of [
        ["objectStorageAccessKey", 3],
        ["objectStorageSecretKey", 8],
        ["minioAdminAccessKey", 3],
        ["minioAdminSecretKey", 8],
    ] as const) {
        const value = allConfig[`${prefix}${key}`];
        if (value === undefined) continue;
        if (value.length < minimum)
            problems.push(
                `${prefix}${key} is too short: MinIO requires at least ${minimum} characters; set a longer one with \`pulumi config set --secret ${key}\``,
            );
        else if (["minioadmin", "minio123", "changeme", "password"].includes(value))
            problems.push(
                `${prefix}${key} is a well-known default credential: create a dedicated MinIO user and set its keys with \`pulumi config set --secret ${key}\``,
            );
    }

    // Each stack file must describe a different cluster (the program runs in the project directory).
    const identity = stackIdentity(pulumi.getStack(), (key) => raw[key]);
    let siblings: ReturnType<typeof readSiblingStacks> = [];
    try {
        siblings = readSiblingStacks(process.cwd(), pulumi.getStack());
        problems.push(...crossStackProblems(identity, siblings), ...edgeStackProblems(identity, siblings));
        problems.push(...sourceRangeProblems(identity, siblings));
        for (const warning of unlistedEdgeWarnings(identity, siblings)) pulumi.log.warn(warning);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
    }
    // A self-managed backend keeps every stack under the literal organization `organization`.
    if (identity.role === "central") {
        const problem = organizationProblem((raw.central as { organization?: unknown } | undefined)?.organization);
        if (problem !== undefined) problems.push(problem);
    }

    let settings: ClusterSettings | undefined;
    try {
        settings = parseClusterSettings(raw, { kubeconfig: presentKeys.includes("kubeconfig") });
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
    }
    // A chart file the operator provides (air-gapped) exists and is the pinned chart (the program runs in the project directory).
    if (settings !== undefined) problems.push(...chartFileProblems(settings.kubePrometheusStack, process.cwd()));
    const managesBuckets = settings?.central?.buckets.manage === true;
    // The keys the settings need (config/requiredSecrets.ts, which `npm run secrets` reads too).
    const needed = settings !== undefined ? requiredSecrets(settings) : [];
    const alertingSecrets = needed.filter(
        (n): n is { key: AlertingSecretKey; neededBy: string } => n.key in ALERTING_SECRET_KEYS,
    );
    for (const { key, neededBy } of needed) {
        if (presentKeys.includes(key) || neededBy === undefined) continue;
        if ((BUCKET_ADMIN_SECRETS as readonly string[]).includes(key))
            problems.push(
                `${prefix}${key} is required while ${prefix}central.buckets.manage is true: run \`pulumi config set --secret ${key}\` with ${SECRET_KEYS[key].fix}, or set central.buckets.manage to false`,
            );
        else if ((SHARED_OBJSTORE_SECRETS as readonly string[]).includes(key))
            problems.push(
                `${prefix}${key} is required while ${prefix}objectStorage.identities is "shared": run \`pulumi config set --secret ${key}\` with ${SECRET_KEYS[key].fix}, or remove objectStorage.identities (per-role identities generate their keys)`,
            );
        else
            problems.push(
                `${prefix}${key} is required by ${prefix}${neededBy}: run \`pulumi config set --secret ${key}\` with ${SECRET_KEYS[key].fix}`,
            );
    }
    if (settings?.role === "edge") {
        const central = siblings.find((s) => s.role === "central");
        problems.push(
            ...edgeAlertingProblems(
                settings.alerting,
                central && { stack: central.stack, ip: central.lbIp, replicas: central.alertmanagerReplicas },
            ),
        );
    }
    // The deployment CA: edges trust the committed bundle, the central stack issues with its key.
    const pki =
        settings !== undefined
            ? resolveDeploymentCa({
                  role: settings.role,
                  grpcTlsEnabled: settings.grpcTls.enabled,
                  clientCaOverride: settings.grpcTls.clientCaCertificate,
                  bundle: readDeploymentCaBundle(process.cwd()),
                  privateKeyPem: allConfig[`${prefix}${DEPLOYMENT_CA_KEY}`],
              })
            : undefined;
    problems.push(...(pki?.problems ?? []));
    if (problems.length > 0 || settings === undefined || pki === undefined) {
        throw new ConfigError(problems);
    }
    const deploymentCa = pki.deploymentCa;
    return {
        ...settings,
        grpcTls: {
            ...settings.grpcTls,
            ...(pki.clientCaCertificate !== undefined ? { clientCaCertificate: pki.clientCaCertificate } : {}),
        },
        ...(deploymentCa !== undefined
            ? {
                  deploymentCa: {
                      certificate: deploymentCa.certificate,
                      // The configured key is read as a secret; the render-only one is made one.
                      privateKeyPem: deploymentCa.renderOnly
                          ? pulumi.secret(deploymentCa.privateKeyPem)
                          : config.requireSecret(DEPLOYMENT_CA_KEY),
                      renderOnly: deploymentCa.renderOnly,
                  },
              }
            : {}),
        stack: pulumi.getStack(),
        secrets: {
            sharedObjstore:
                settings.objectStorage.identities === "shared"
                    ? {
                          accessKey: config.requireSecret("objectStorageAccessKey"),
                          secretKey: config.requireSecret("objectStorageSecretKey"),
                      }
                    : undefined,
            kubeconfig: presentKeys.includes("kubeconfig") ? config.requireSecret("kubeconfig") : undefined,
            minioAdmin: managesBuckets
                ? {
                      accessKey: config.requireSecret("minioAdminAccessKey"),
                      secretKey: config.requireSecret("minioAdminSecretKey"),
                  }
                : undefined,
            alerting: Object.fromEntries(alertingSecrets.map(({ key }) => [key, config.requireSecret(key)])),
        },
    };
}
