/**
 * `getSecret` does not exist in flow code: everything a flow holds is recorded in its history (to be
 * replayed), and secrets must never be. This stand-in throws, saying so and what to do instead,
 * so a flow that reaches for a secret fails at once with the reason. Sandbox-safe.
 */
import { BatonError } from '../core/errors';

/** Always throws: read secrets in task code (`getSecret` from 'baton'). */
export function getSecret(name: string): Promise<never> {
  throw new BatonError(
    `getSecret('${typeof name === 'string' ? name.slice(0, 60) : ''}') cannot run in flow code: what a flow holds is recorded in its history, and secrets never are. ` +
      `Read the secret in a task (import getSecret from 'baton') and return only what you derive from it`,
  );
}
