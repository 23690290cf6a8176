import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atob, btoa } from '../src/workflows/web-globals';

// The flow sandbox's atob/btoa must agree with the platform's, valid input and errors alike.
test("flow-side atob and btoa agree with Node's", { timeout: 10_000 }, () => {
  const binary = ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar', '\x00\xff\x80abc', 'hello world', String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))];
  for (const s of binary) {
    assert.equal(btoa(s), globalThis.btoa(s), JSON.stringify(s));
    assert.equal(atob(btoa(s)), s);
  }
  const encoded = ['aGVsbG8=', 'aGVsbG8', 'a', 'ab=c', ' aGVs\nbG8= ', '====', 'aGVsbG8==', 'YQ==', 'YQ', 'YR==', '+/+/', '-_', 'YQ=', 'Y==='];
  const outcome = (fn: () => string) => {
    try {
      return fn();
    } catch {
      return 'refused';
    }
  };
  for (const e of encoded)
    assert.equal(
      outcome(() => atob(e)),
      outcome(() => globalThis.atob(e)),
      JSON.stringify(e),
    );
  assert.throws(() => btoa('€'), { name: 'InvalidCharacterError' });
});
