// Package name rules (API.md): 1-64 chars, lowercase ASCII letters, digits and
// `-`, a letter first, no `--` (nor a trailing `-`: the database check says the
// same), not a route word. Lookalikes are compared on the canonical form.

export const MAX_PACKAGE_NAME_LENGTH = 64;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Words the URL space uses, or that would let someone impersonate the registry. */
const RESERVED_PACKAGE_NAMES: ReadonlySet<string> = new Set([
  'trending',
  'categories',
  'category',
  'publish',
  'search',
  'new',
  'stats',
  'owners',
  'audit',
  'api',
  'download',
  'downloads',
  'unyank',
  'yank',
  'versions',
  'latest',
  'admin',
  'auth',
  'login',
  'logout',
  'register',
  'users',
  'me',
  'settings',
  'docs',
  'help',
  'health',
  'registry',
  'raven',
  'ravensone',
  'std',
  'core',
  'null',
  'undefined',
  // Windows device names cannot be directory names on a user's disk.
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

/** Why `name` cannot be a package name, or null when it can. */
export function packageNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > MAX_PACKAGE_NAME_LENGTH) {
    return `Package names are 1-${MAX_PACKAGE_NAME_LENGTH} characters.`;
  }
  if (!/^[a-z]/.test(name)) return 'Package names start with a lowercase letter.';
  if (!/^[a-z0-9-]+$/.test(name)) return 'Package names use lowercase letters, digits and "-" only.';
  if (!NAME.test(name)) return 'Package names have no "--" and do not end with "-".';
  if (RESERVED_PACKAGE_NAMES.has(name)) return `"${name}" is a reserved word.`;
  return null;
}

/**
 * Whether `name` has a package name's format, reserved words aside: lookups
 * use this (a reserved word is simply never found), publish the full rules.
 */
export function hasPackageNameFormat(name: string): boolean {
  return name.length <= MAX_PACKAGE_NAME_LENGTH && NAME.test(name);
}

/** The name without hyphens: two names with the same canonical form are lookalikes. */
export function canonicalName(name: string): string {
  return name.replaceAll('-', '');
}
