import { createRouter } from '../router';

/** Packages: publish, read, download, yank, owners, audit (issue "Packages"). */
export const packageRoutes = createRouter();
