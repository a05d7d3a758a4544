import { createRouter } from '../router';
import { deleteRoutes } from './packages-delete';
import { ownerRoutes } from './packages-owners';
import { publishRoutes } from './packages-publish';
import { readRoutes } from './packages-read';
import { reportRoutes } from './reports';

/**
 * Packages: publish, read, download, yank, delete, reports, owners, audit. Order matters:
 * `/publish`, `/{name}/owners` and `/{name}/audit` are registered before the
 * `/{name}/{version}` routes that would otherwise swallow them.
 */
export const packageRoutes = createRouter()
  .route('/', publishRoutes)
  .route('/', ownerRoutes)
  .route('/', deleteRoutes)
  .route('/', reportRoutes)
  .route('/', readRoutes);
