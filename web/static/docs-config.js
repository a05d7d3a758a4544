// Runs before the API reference bundle (scalar.js). Zod, inside that bundle,
// probes whether eval works (`Function('')`) before it validates anything; the
// site's CSP blocks the probe, and the browser reports a violation. `jitless`
// tells Zod not to probe: it validates without generated code either way.
globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
