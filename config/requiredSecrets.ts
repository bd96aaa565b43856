// Which secret config keys a stack's settings need: the one rule the program's own check
// (loadStackConfig) and the deployment's secret list (`npm run secrets`) both follow, so CI sets
// exactly what the program will ask for.

import { ALERTING_SECRET_KEYS, requiredAlertingSecrets } from "./alertRouting";
import { SECRET_KEYS, SecretKey, SecretKeySpec } from "./reader";
import { ClusterSettings } from "./settings";

/** Secrets the central stack needs when it manages the buckets. */
export const BUCKET_ADMIN_SECRETS = ["minioAdminAccessKey", "minioAdminSecretKey"] as const;

/** The one key every role shares, with objectStorage.identities "shared" (per-role identities generate theirs). */
export const SHARED_OBJSTORE_SECRETS = ["objectStorageAccessKey", "objectStorageSecretKey"] as const;

export interface SecretRequirement {
    key: SecretKey;
    /** The setting that needs it (without the project prefix); unset for keys every stack needs. */
    neededBy?: string;
}

/** The specs of SECRET_KEYS, typed as the interface (its optional fields included). */
export function secretKeySpec(key: SecretKey): SecretKeySpec {
    return SECRET_KEYS[key];
}

/** Is this key needed by every stack of this role, whatever its settings? */
export function alwaysRequired(key: SecretKey, role: string | undefined): boolean {
    const spec = secretKeySpec(key);
    return spec.required && (spec.requiredOn === undefined || spec.requiredOn === role);
}

/** The secret keys this stack's settings need, each once, in SECRET_KEYS order then by setting. */
export function requiredSecrets(settings: ClusterSettings): SecretRequirement[] {
    const needed: SecretRequirement[] = (Object.keys(SECRET_KEYS) as SecretKey[])
        .filter((key) => alwaysRequired(key, settings.role))
        .map((key) => ({ key }));
    if (settings.objectStorage.identities === "shared")
        needed.push(...SHARED_OBJSTORE_SECRETS.map((key) => ({ key, neededBy: "objectStorage.identities" })));
    if (settings.central?.buckets.manage === true)
        needed.push(...BUCKET_ADMIN_SECRETS.map((key) => ({ key, neededBy: "central.buckets.manage" })));
    if (settings.central !== undefined) needed.push(...requiredAlertingSecrets(settings.central.alertmanager));
    return needed.filter((n, i) => needed.findIndex((m) => m.key === n.key) === i);
}

/** Every key requiredSecrets can return, for some settings. */
export function requirableSecretKeys(): SecretKey[] {
    return (Object.keys(SECRET_KEYS) as SecretKey[]).filter(
        (key) =>
            secretKeySpec(key).required ||
            (BUCKET_ADMIN_SECRETS as readonly string[]).includes(key) ||
            (SHARED_OBJSTORE_SECRETS as readonly string[]).includes(key) ||
            key in ALERTING_SECRET_KEYS,
    );
}
