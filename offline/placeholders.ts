// What out/ writes in place of values it must not or cannot show. Its own module: the checks and
// the policy pack read these without loading the mock-engine runner.

/** What a secret value is written as. */
export const SECRET_PLACEHOLDER = "[secret]";
/** What a value computed at deployment shows as in a preview (`npm run render -- --preview`). */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/** What the offline render passes for a secret config key in place of its value (printed as [secret] anyway). */
export function secretPlaceholder(key: string): string {
    return `offline-placeholder-${key}`;
}
