// Types for the example resolver quoted in docs/index.md (kept plain JavaScript so it can be copied as is).
export function installFromIndex(
  registry: string,
  name: string,
  req: string,
  save: (name: string, version: string, bytes: Uint8Array) => unknown,
): Promise<Map<string, string>>;
