// Strong ETags for immutable tarballs: the checksum, quoted as RFC 9110 wants.

export const etagFor = (checksum: string) => `"${checksum}"`;

/** Whether an If-None-Match header matches the tarball (a list, `*`, weak or unquoted forms included). */
export function ifNoneMatchHits(header: string | null | undefined, checksum: string): boolean {
  if (!header) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === etagFor(checksum) || tag === checksum;
  });
}

/** The UTC calendar day of a moment, as Postgres `date` text. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
