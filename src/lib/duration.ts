// Waits said the way a person reads them: a limit's "Retry-After: 3650" is
// "about an hour", not "3650 seconds". Rounded up (an hour and a quarter is
// still "about an hour"), so nobody retries much too early.

const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;

/** `seconds` as "45 seconds", "2 minutes", "about an hour" or "about 3 hours". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.ceil(s / 60), 'minute');
  if (s <= 75 * 60) return 'about an hour';
  return `about ${Math.ceil(s / 3600)} hours`;
}
