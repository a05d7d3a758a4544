// The owners' deletion policy as a pure function (npm's unpublish rule; the
// published text is docs/deletion-policy.md). A version, or a whole package,
// may be deleted freely while young; after that only when nobody else is
// likely to rely on it. Every condition that fails is named, so the owner
// learns at once everything that stands in the way.

/** A version (for a package: its oldest remaining version) younger than this may always be deleted. */
export const FREE_DELETE_HOURS = 72;
/** Past FREE_DELETE_HOURS, the package must have had fewer downloads than this in the last 7 days. */
export const MAX_WEEKLY_DOWNLOADS = 300;
/** How long a deleted package's name stays reserved before anyone may publish it again. */
export const NAME_HOLD_DAYS = 7;

export interface DeletionFacts {
  /** When the version (or the package's oldest remaining version) was published. */
  publishedAt: Date;
  /** Members with the `owner` role (maintainers do not count). */
  owners: number;
  /** Downloads of the whole package in the last 7 UTC days, today included. */
  downloadsLastWeek: number;
  /** Other packages with a non-yanked version that lists this one as a dependency. */
  dependents: number;
}

export interface Refusal {
  condition: 'single_owner' | 'weekly_downloads' | 'dependents';
  message: string;
}

/** The failed conditions; empty when the deletion is allowed. */
export function deletionRefusals(facts: DeletionFacts, now: Date): Refusal[] {
  const ageHours = (now.getTime() - facts.publishedAt.getTime()) / 3_600_000;
  if (ageHours < FREE_DELETE_HOURS) return [];
  const refusals: Refusal[] = [];
  if (facts.owners !== 1) {
    refusals.push({ condition: 'single_owner', message: `it has ${facts.owners} owners (at most one is allowed)` });
  }
  if (facts.downloadsLastWeek >= MAX_WEEKLY_DOWNLOADS) {
    refusals.push({
      condition: 'weekly_downloads',
      message: `it was downloaded ${facts.downloadsLastWeek} times in the last 7 days (fewer than ${MAX_WEEKLY_DOWNLOADS} are allowed)`,
    });
  }
  if (facts.dependents > 0) {
    const other = facts.dependents === 1 ? 'another package depends' : `${facts.dependents} other packages depend`;
    refusals.push({ condition: 'dependents', message: `${other} on it` });
  }
  return refusals;
}
