// POST /packages/publish: multipart `metadata` (or `manifest`) JSON + `tarball`.
// The body is size-capped while it streams in (413 before reading it all), the
// metadata is checked with zod and against the registry as soon as its part
// ends, and the service inspects and stores the tarball.
import { ApiError, forbidden, invalid } from '../errors';
import { packageTag, purgeTags } from '../lib/edge-cache';
import { jsonProblem } from '../lib/json-guard';
import { boundaryOf, MultipartError, type MultipartPart, partStream, partText, readMultipart } from '../lib/multipart';
import { authedOrTrusted, currentUser } from '../middleware/auth';
import { checkNewPackage, limitNewPackage } from '../middleware/rate-limit';
import { limited } from '../middleware/route-limits';
import { createRouter, fieldErrors } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import { PublishBodyDoc, PublishMetadata, PublishReply } from '../schemas/packages';
import { precheckPublish, publish } from '../services/publish';
import { tokenAllows } from '../services/tokens';
import { routesTagged } from './define';
import { downloadUrl } from './packages-views';

const packages = routesTagged('packages');

/** Real metadata nests 4 levels (dependencies -> name -> features -> item); room for unknown dependency keys. */
const MAX_METADATA_DEPTH = 8;

/** Room for the metadata part and multipart framing on top of the tarball cap. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

const tooLarge = (max: number) =>
  new ApiError('payload_too_large', `Tarballs are limited to ${max} bytes.`, { max_bytes: max });

/**
 * Reads the parts from a body that errors as soon as it passes `limit` bytes,
 * keeping the tarball as the chunks it arrived in (see src/lib/multipart.ts).
 * `onPartEnd` runs as each part ends, before more of the body is read; what it
 * throws is rethrown as is, and the rest of the body is never read.
 */
async function readParts(
  req: Request,
  limit: number,
  max: number,
  onPartEnd: (part: MultipartPart) => Promise<void>,
): Promise<MultipartPart[]> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(max);
  const boundary = boundaryOf(req.headers.get('content-type'));
  if (!boundary)
    throw invalid('Publish takes multipart/form-data with a boundary.', { body: 'Expected multipart/form-data.' });
  if (!req.body) throw invalid('The publish body is empty.', { tarball: 'Required.' });
  let seen = 0;
  let exceeded = false;
  const capped = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        seen += chunk.byteLength;
        if (seen > limit) {
          exceeded = true;
          throw new Error('body over limit');
        }
        ctl.enqueue(chunk);
      },
    }),
  );
  const refused = { error: undefined as unknown };
  try {
    return await readMultipart(capped, boundary, undefined, async (part) => {
      try {
        await onPartEnd(part);
      } catch (err) {
        refused.error = err;
        throw err;
      }
    });
  } catch (err) {
    if (refused.error !== undefined && err === refused.error) throw err;
    if (exceeded) throw tooLarge(max);
    const why = err instanceof MultipartError ? err.message : 'The body could not be read.';
    throw invalid(`The body is not valid multipart/form-data: ${why}`, { body: why });
  }
}

function onlyPart(parts: MultipartPart[], name: string): MultipartPart | undefined {
  const found = parts.filter((p) => p.name === name);
  if (found.length > 1) throw invalid(`Only one "${name}" part is allowed.`, { [name]: 'Given more than once.' });
  return found[0];
}

/** The spec calls the metadata part `manifest`, the CLI `metadata`; either, once. */
const isMetadataPart = (part: MultipartPart) => part.name === 'metadata' || part.name === 'manifest';

function parseMetadata(part: MultipartPart): PublishMetadata {
  let json: unknown;
  try {
    json = JSON.parse(partText(part));
  } catch {
    throw invalid('The metadata part is not valid JSON.', { metadata: 'Not valid JSON.' });
  }
  // Before the schema and so before the upload: NUL bytes or absurd nesting
  // anywhere (even where the schema would refuse for another reason) would
  // otherwise only fail at the insert.
  const problem = jsonProblem(json, MAX_METADATA_DEPTH);
  if (problem) throw invalid(`Invalid metadata: ${problem.path}.`, { [problem.path]: problem.message });
  const parsed = PublishMetadata.safeParse(json);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw invalid(`Invalid metadata: ${Object.keys(fields).join(', ')}.`, fields);
  }
  return parsed.data;
}

const publishRoute = packages.post('/publish', {
  summary: 'Publish a version (multipart: metadata JSON + tarball)',
  // Trusted-publishing tokens (CI) publish here too; the service limits them to their packages.
  // The body is capped while streaming (MAX_TARBALL_BYTES), not by the small-body cap.
  ...limited({ body: 'streamed' }, authedOrTrusted),
  request: { body: { required: true, content: { 'multipart/form-data': { schema: PublishBodyDoc } } } },
  responses: {
    201: jsonResponse('Published', PublishReply),
    ...errorResponses(400, 401, 403, 409, 413, 429),
  },
});

export const publishRoutes = createRouter().openapi(publishRoute, async (c) => {
  const auth = currentUser(c);
  // Scope first, so a token that may never publish costs no upload.
  if (!tokenAllows(auth, 'publish')) throw forbidden('This token lacks the "publish" scope.');
  const max = c.var.config.MAX_TARBALL_BYTES;

  // The CLI sends the metadata part before the tarball. Every refusal the
  // metadata alone decides (bad metadata, token pattern, not an owner, version
  // taken, lookalike, over the new-name limit) is made as soon as that part
  // ends: a doomed publish reads no more of the body and uploads nothing.
  let metadata: PublishMetadata | undefined;
  const parts = await readParts(c.req.raw, max + FORM_OVERHEAD_BYTES, max, async (part) => {
    if (!isMetadataPart(part)) return;
    if (metadata) throw invalid('Only one metadata part is allowed.', { metadata: 'Given more than once.' });
    metadata = parseMetadata(part);
    if (!tokenAllows(auth, 'publish', metadata.name)) {
      throw forbidden(`This token may not publish "${metadata.name}".`);
    }
    const { packageExists } = await precheckPublish(c.var.db, auth, metadata);
    // Peeks only: the unit is taken in the transaction that creates the name.
    if (!packageExists) await checkNewPackage(c, auth.userId);
  });
  if (!metadata) {
    throw invalid('A text part named "metadata" is required.', { metadata: 'Required (a JSON text part).' });
  }
  const part = onlyPart(parts, 'tarball');
  if (!part || part.filename === null) {
    throw invalid('A file part named "tarball" is required.', { tarball: 'Required (a file part).' });
  }
  if (part.size > max) throw tooLarge(max);
  if (part.size === 0) throw invalid('The tarball is empty.', { tarball: 'Empty.' });
  const tarball = { size: part.size, stream: () => partStream(part) };

  const published = await publish(
    {
      db: c.var.db,
      bucket: c.env.TARBALLS,
      // New-package rate limit: runs only when this publish creates a new name.
      beforeCreatePackage: () => limitNewPackage(c, auth.userId),
    },
    auth,
    metadata,
    tarball,
  );
  // The package reply lists the new version and the index gains a line.
  await purgeTags(c.executionCtx, [packageTag(published.name)]);
  return c.json(
    {
      package_id: published.packageId,
      name: published.name,
      version: published.version,
      published_at: published.publishedAt.toISOString(),
      download_url: downloadUrl(c.req.url, published.name, published.version),
      checksum: published.checksum,
      published_by: auth.username,
    },
    201,
  );
});
