/**
 * Results of any size: a Temporal payload codec that moves every payload over a threshold
 * (default 128 KiB) into a content-addressed blob store and leaves a small reference in the
 * history, so a task can return 20 MB while histories stay small (Temporal refuses payloads over
 * 2 MB). Workers, the API and the CLI's client all use it, so everyone sees the real value.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';

const REF_ENCODING = 'binary/baton-blob-ref';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where offloaded payloads live. */
export interface BlobStore {
  put(id: string, data: Uint8Array): Promise<void>;
  get(id: string): Promise<Uint8Array>;
}

/** Blobs as files under a folder (BATON_HOME/blobs), written atomically, named by content hash. */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  private file(id: string): string {
    if (!/^[a-f0-9]{64}$/.test(id)) throw new Error(`blob id '${id}' is not a sha256 digest`);
    return path.join(this.dir, id.slice(0, 2), id);
  }

  async put(id: string, data: Uint8Array): Promise<void> {
    const file = this.file(id);
    // Content-addressed: an existing file already holds these bytes.
    if (fs.existsSync(file)) return;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  }

  async get(id: string): Promise<Uint8Array> {
    try {
      return await fs.promises.readFile(this.file(id));
    } catch (err) {
      // The server's paths stay out of the message: it reaches histories and API answers.
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing from the blob store' : 'cannot be read from the blob store';
      throw new Error(`large value ${id} ${why}`);
    }
  }
}

/** Serializes a payload (metadata and data) to bytes and back. */
function pack(payload: Payload): Uint8Array {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) metadata[k] = Buffer.from(v).toString('base64');
  const head = encoder.encode(JSON.stringify(metadata));
  const out = new Uint8Array(4 + head.length + (payload.data?.length ?? 0));
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  if (payload.data) out.set(payload.data, 4 + head.length);
  return out;
}

function unpack(bytes: Uint8Array): Payload {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const metadata = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as Record<string, string>;
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: bytes.subarray(4 + length),
  };
}

/** The blob a reference names, checked before the store is touched. */
function blobIdOf(reference: Payload): string {
  let blob: unknown;
  try {
    blob = (JSON.parse(decoder.decode(reference.data ?? new Uint8Array())) as { blob?: unknown })?.blob;
  } catch {
    blob = undefined;
  }
  if (typeof blob !== 'string' || !/^[a-f0-9]{64}$/.test(blob)) throw new Error('a large value has a malformed reference (not a sha256 blob id)');
  return blob;
}

export class LargePayloadCodec implements PayloadCodec {
  constructor(
    private readonly store: BlobStore,
    /** Payloads larger than this many bytes are offloaded. */
    readonly thresholdBytes = 128 * 1024,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const size = payload.data?.length ?? 0;
        if (size <= this.thresholdBytes) return payload;
        const bytes = pack(payload);
        const id = createHash('sha256').update(bytes).digest('hex');
        await this.store.put(id, bytes);
        return {
          metadata: { encoding: encoder.encode(REF_ENCODING) },
          data: encoder.encode(JSON.stringify({ blob: id, size })),
        };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const encoding = payload.metadata?.encoding ? decoder.decode(payload.metadata.encoding) : undefined;
        if (encoding !== REF_ENCODING) return payload;
        return unpack(await this.store.get(blobIdOf(payload)));
      }),
    );
  }
}
