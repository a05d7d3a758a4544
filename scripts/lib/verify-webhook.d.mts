// Types for the Node example quoted in docs/webhooks.md (kept plain JavaScript so it can be copied as is).
export function verifyRavenSignature(
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  nowSeconds?: number,
): boolean;
