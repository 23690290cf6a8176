/**
 * Payload encryption at rest: a Temporal payload codec that encrypts every payload (parameters,
 * results, signal, update and query arguments, memos) with AES-256-GCM before it leaves the process,
 * so Temporal stores, and its Web UI shows, only ciphertext. Each payload names the key that
 * encrypted it in its metadata (`encryption-key-id`), so keys rotate: the first key of
 * BATON_ENCRYPTION_KEYS encrypts, every listed key decrypts. Payloads that are not encrypted pass
 * through, so runs from before encryption was turned on still read.
 *
 * It runs before the large-payload codec: a large value is encrypted first, then offloaded, so the
 * blob store holds ciphertext too.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError, PayloadDecryptionError } from '../core/errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * `id1:base64key,id2:base64key`: each key 32 bytes (AES-256) in base64, ids of letters, digits,
 * `_`, `-` and `.`. Errors name the entry by its place and id, never a key.
 */
export function parseEncryptionKeys(text: string, variable = 'BATON_ENCRYPTION_KEYS'): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const issues: { path: string; message: string }[] = [];
  text.split(',').forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at < 0 ? entry.trim() : entry.slice(0, at).trim();
    const encoded = at < 0 ? '' : entry.slice(at + 1).trim();
    const where = `${variable}[${i}]`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) return void issues.push({ path: where, message: 'must be id:base64key, the id 1-64 letters, digits, _, - or .' });
    if (keys.some((k) => k.id === id)) return void issues.push({ path: where, message: `key id '${id}' is listed twice` });
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      return void issues.push({ path: where, message: `key '${id}' must be 32 random bytes in base64 (44 characters; make one with: openssl rand -base64 32)` });
    }
    keys.push({ id, key });
  });
  if (issues.length) throw new ConfigError(issues);
  return keys;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  constructor(private readonly keys: readonly EncryptionKey[]) {
    if (!keys.length) throw new ConfigError([{ path: 'BATON_ENCRYPTION_KEYS', message: 'must list at least one key' }]);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated with the data: a payload cannot be passed off as another key's.
      cipher.setAAD(encoder.encode(id));
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(id), [CIPHER_METADATA]: encoder.encode(CIPHER) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? decoder.decode(payload.metadata.encoding) : undefined;
      if (encoding !== ENCRYPTED_ENCODING) return payload;
      const id = payload.metadata?.[KEY_ID_METADATA] ? decoder.decode(payload.metadata[KEY_ID_METADATA]) : '';
      const key = this.byId.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `a payload is encrypted with key '${id}', which BATON_ENCRYPTION_KEYS does not hold (it holds: ${[...this.byId.keys()].join(', ')}); add that key to read it`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      try {
        if (data.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(encoder.encode(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new PayloadDecryptionError(
          `a payload encrypted with key '${id}' cannot be decrypted with the key BATON_ENCRYPTION_KEYS gives that id: the key is not the one it was encrypted with, or the payload is damaged`,
        );
      }
    });
  }
}
