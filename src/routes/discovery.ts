import { createRouter } from '../router';

/**
 * Discovery and numbers: /search, /stats, /packages/trending,
 * /packages/categories/:category, /packages/:name/stats. Mounted at /api/v1
 * before the package routes so `trending` and `categories` are never shadowed
 * by /packages/:name.
 */
export const discoveryRoutes = createRouter();
