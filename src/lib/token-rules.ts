// What a token may do, as pure functions: scopes, package patterns, and which
// tokens may manage other tokens. Ownership is checked elsewhere (services).
import { globMatch, globWithin } from './glob';
import { packageNameProblem } from './package-name';

export const TOKEN_SCOPES = ['publish', 'yank', 'owners'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * Session tokens come from register, login and refresh of a session; a web
 * sign-in will make `web` rows, which are sessions too. Only these manage
 * tokens: a leaked, narrowly scoped CI token must not be able to mint itself a
 * wider or longer-lived sibling, nor revoke the owner's other tokens.
 */
export function isSessionKind(kind: string): boolean {
  return kind === 'session' || kind === 'web';
}

/** What a token can act with: an empty scope list and a null pattern mean "no limit". */
export interface Grant {
  scopes: readonly string[];
  packagePattern: string | null;
}

/** Whether a token may use `scope` on `packageName` (scopes and pattern only). */
export function tokenAllows(auth: Grant, scope: TokenScope, packageName?: string): boolean {
  if (auth.scopes.length > 0 && !auth.scopes.includes(scope)) return false;
  if (auth.packagePattern && packageName !== undefined) {
    // A string that cannot be a package name never matches: the route text is
    // untrusted and unbounded, and nothing legitimate is named that way.
    if (packageNameProblem(packageName) !== null) return false;
    return globMatch(auth.packagePattern, packageName);
  }
  return true;
}

/**
 * The grant of a token `creator` asks to create: what was asked for, or the
 * creator's own limits where nothing was asked; null when the request is wider
 * than the creator (a scope it lacks, or a pattern that reaches names its own
 * does not).
 */
export function narrowGrant(
  creator: Grant,
  requested: { scopes?: readonly string[]; packagePattern?: string | null },
): { scopes: string[]; packagePattern: string | null } | null {
  const scopes = requested.scopes?.length ? [...new Set(requested.scopes)] : [...creator.scopes];
  if (creator.scopes.length > 0 && (scopes.length === 0 || !scopes.every((s) => creator.scopes.includes(s))))
    return null;
  const packagePattern = requested.packagePattern ?? creator.packagePattern;
  if (
    creator.packagePattern !== null &&
    (packagePattern === null || !globWithin(packagePattern, creator.packagePattern))
  )
    return null;
  return { scopes, packagePattern };
}
