// The streaming multipart reader publish uses, fed in awkward chunkings.
import { describe, expect, it } from 'vitest';
import {
  boundaryOf,
  DEFAULT_MULTIPART_LIMITS,
  MultipartError,
  partStream,
  partText,
  readMultipart,
} from '../../src/lib/multipart';

const enc = new TextEncoder();

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(ctl) {
      if (offset >= bytes.byteLength) return ctl.close();
      ctl.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

const join = (...parts: (string | Uint8Array)[]) => {
  const arrays = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.byteLength;
  }
  return out;
};

// Binary content that contains CRs, LFs, dashes and a near-miss of the delimiter.
const binary = join(
  new Uint8Array([0, 13, 10, 45, 45, 255]),
  '\r\n--XYQ\r\n-XYZ',
  new Uint8Array(3000).map((_, i) => i % 256),
);

const body = (boundary: string) =>
  join(
    'preamble to ignore\r\n',
    `--${boundary}\r\n`,
    'Content-Disposition: form-data; name="metadata"\r\n\r\n',
    '{"name":"x"}',
    `\r\n--${boundary}  \r\n`,
    'content-disposition: form-data; name="tarball"; filename="x-1.0.0.tar.gz"\r\n\r\n',
    binary,
    `\r\n--${boundary}--\r\nepilogue to ignore`,
  );

describe('readMultipart', () => {
  for (const chunk of [1, 2, 7, 64, 1000, 1 << 20]) {
    it(`splits parts exactly with ${chunk}-byte chunks`, async () => {
      const parts = await readMultipart(streamOf(body('XYZ'), chunk), 'XYZ');
      expect(parts.map((p) => [p.name, p.filename, p.size])).toEqual([
        ['metadata', null, 12],
        ['tarball', 'x-1.0.0.tar.gz', binary.byteLength],
      ]);
      expect(partText(parts[0]!)).toBe('{"name":"x"}');
      const bytes = new Uint8Array(await new Response(partStream(parts[1]!)).arrayBuffer());
      expect(bytes).toEqual(binary);
      // Re-readable: a second stream gives the same bytes.
      expect(new Uint8Array(await new Response(partStream(parts[1]!)).arrayBuffer())).toEqual(binary);
    });
  }

  it('keeps body chunks as they arrived, without copying them, unless an edge cuts a possible delimiter', async () => {
    const chunks = [
      enc.encode('--B\r\nContent-Disposition: form-data; name="tarball"; filename="t"\r\n\r\n'),
      new Uint8Array(4096).fill(7),
      new Uint8Array(4096).fill(8),
      // Ends with "\r\n-": the reader must hold those three bytes back.
      join(new Uint8Array(100).fill(9), '\r\n-'),
      enc.encode('-B--\r\n'),
    ];
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        const chunk = chunks[i++];
        if (chunk) ctl.enqueue(chunk);
        else ctl.close();
      },
    });
    const [part] = await readMultipart(stream, 'B');
    expect(part?.size).toBe(4096 + 4096 + 100);
    const buffers = part!.chunks.map((c) => c.buffer);
    expect(buffers).toContain(chunks[1]!.buffer);
    expect(buffers).toContain(chunks[2]!.buffer);
    expect(buffers).toContain(chunks[3]!.buffer);
  });

  it('reads quoted names with escapes and empty parts', async () => {
    const raw = join('--b\r\nContent-Disposition: form-data; name="a\\"b"; filename="f.tgz"\r\n\r\n\r\n--b--');
    const [part] = await readMultipart(streamOf(raw, 5), 'b');
    expect(part).toMatchObject({ name: 'a"b', filename: 'f.tgz', size: 0 });
  });

  it.each([
    ['no closing delimiter', '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nxyz', /ends before/],
    ['no delimiter at all', 'just bytes', /ends before/],
    ['a part without Content-Disposition', '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--', /Content-Disposition/],
    ['a part without a name', '--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--', /no name/],
    ['junk after a delimiter', '--bjunk\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b--', /delimiter/],
  ])('refuses %s', async (_what, raw, why) => {
    await expect(readMultipart(streamOf(enc.encode(raw), 3), 'b')).rejects.toThrow(why);
  });

  it('caps text fields, headers and the number of parts', async () => {
    const limits = { ...DEFAULT_MULTIPART_LIMITS, maxFieldBytes: 4, maxHeaderBytes: 100, maxParts: 2 };
    const field = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n12345\r\n--b--';
    await expect(readMultipart(streamOf(enc.encode(field), 2), 'b', limits)).rejects.toThrow(MultipartError);
    const file = '--b\r\nContent-Disposition: form-data; name="a"; filename="f"\r\n\r\n12345\r\n--b--';
    expect((await readMultipart(streamOf(enc.encode(file), 2), 'b', limits))[0]?.size).toBe(5);
    const header = `--b\r\nContent-Disposition: form-data; name="${'a'.repeat(200)}"\r\n\r\nx\r\n--b--`;
    await expect(readMultipart(streamOf(enc.encode(header), 9), 'b', limits)).rejects.toThrow(/header is too large/);
    const three = ['a', 'b', 'c']
      .map((n) => `--b\r\nContent-Disposition: form-data; name="${n}"\r\n\r\nx\r\n`)
      .join('');
    await expect(readMultipart(streamOf(enc.encode(`${three}--b--`), 4), 'b', limits)).rejects.toThrow(/More than 2/);
  });
});

describe('readMultipart part-end hook', () => {
  it('sees each part whole, in order, before more of the body is pulled', async () => {
    const seen: [string, number][] = [];
    const parts = await readMultipart(streamOf(body('XYZ'), 7), 'XYZ', undefined, (part) => {
      seen.push([part.name, part.size]);
    });
    expect(seen).toEqual([
      ['metadata', 12],
      ['tarball', binary.byteLength],
    ]);
    expect(parts.map((p) => p.name)).toEqual(['metadata', 'tarball']);
  });

  it('stops reading and cancels the body when the hook throws, rethrowing its error', async () => {
    const head = enc.encode('--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}\r\n--b\r\n');
    let pulls = 0;
    let cancelled: unknown;
    const endless = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(head);
      },
      pull(ctl) {
        pulls += 1;
        ctl.enqueue(new Uint8Array(1024));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const refusal = new Error('doomed');
    await expect(
      readMultipart(endless, 'b', undefined, (part) => {
        if (part.name === 'metadata') throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(cancelled).toBe(refusal);
    expect(pulls).toBeLessThan(3);
  });
});

describe('boundaryOf', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['Multipart/Form-Data;boundary="a b:c"', 'a b:c'],
    ['multipart/form-data; charset=utf-8; boundary=----x', '----x'],
  ])('reads %j', (header, boundary) => expect(boundaryOf(header)).toBe(boundary));
  it.each([
    null,
    '',
    'application/json',
    'multipart/form-data',
    'multipart/mixed; boundary=x',
    'multipart/form-datax; boundary=x',
  ])('refuses %j', (header) => expect(boundaryOf(header)).toBeNull());
});
