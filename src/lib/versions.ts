// Version rules: strict SemVer 2.0.0 for published versions, Cargo-style
// requirements for dependencies (what the CLI resolves with Rust's `semver`
// crate), and the `latest_version` rule. Pure; unit-tested.
import semver from 'semver';

// The regex from semver.org: no leading `v`, no leading zeros, no loose forms.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const MAX_VERSION_LENGTH = 64;

export function isStrictSemver(version: string): boolean {
  return version.length <= MAX_VERSION_LENGTH && SEMVER.test(version) && semver.valid(version) !== null;
}

/** Ascending SemVer precedence; build metadata breaks ties so the order is total and stable. */
function compareVersions(a: string, b: string): number {
  return semver.compareBuild(a, b);
}

export function sortVersions<T extends { version: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((x, y) => compareVersions(x.version, y.version));
}

/**
 * Highest non-yanked release; else the highest non-yanked pre-release; null
 * when everything is yanked (API.md's `latest_version` rule).
 */
export function latestVersion(rows: readonly { version: string; yanked: boolean }[]): string | null {
  const live = sortVersions(rows.filter((r) => !r.yanked));
  const releases = live.filter((r) => semver.prerelease(r.version) === null);
  return (releases.at(-1) ?? live.at(-1))?.version ?? null;
}

export function isPrerelease(version: string): boolean {
  return semver.prerelease(version) !== null;
}

// One Cargo comparator: an optional operator and a partial version whose
// missing or wildcard parts are `*`, `x` or `X` (`1`, `1.2`, `1.2.*`, `^0.1`,
// `>= 1.2.3-beta.1`), or a lone wildcard.
const NUM = '(?:0|[1-9]\\d*)';
const WILD = '(?:\\*|x|X)';
const PART = `(?:${NUM}|${WILD})`;
const PRE = '(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const BUILD = '(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const COMPARATOR = new RegExp(
  `^(?:(=|>=|<=|>|<|~|\\^)\\s*)?(${WILD}|${NUM}(?:\\.${PART}(?:\\.${PART}${PRE}${BUILD})?)?)$`,
);

const MAX_REQUIREMENT_LENGTH = 256;

/** Whether `req` is a version requirement Cargo (and so the CLI) accepts. */
export function isCargoRequirement(req: string): boolean {
  if (req.length === 0 || req.length > MAX_REQUIREMENT_LENGTH) return false;
  const parts = req.split(',').map((p) => p.trim());
  return parts.length <= 16 && parts.every((p) => COMPARATOR.test(p));
}

/**
 * The same requirement as a node-semver range. Cargo reads a bare `1.2.3` as
 * `^1.2.3` and joins comparators with commas; node-semver joins with spaces.
 */
export function cargoToNodeRange(req: string): string {
  if (!isCargoRequirement(req)) throw new Error(`not a Cargo requirement: ${req}`);
  return req
    .split(',')
    .map((p) => p.trim().replace(/\s+/g, ''))
    .map((p) => (/^[0-9]/.test(p) ? `^${p}` : p))
    .join(' ');
}
