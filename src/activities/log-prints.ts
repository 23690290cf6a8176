/**
 * `logPrints`: a task's `console.log` (and info, warn, error, debug) goes to Baton's logger with
 * the run's ids, as Prefect's `log_prints=True` does for `print`. Other code's console output is
 * left alone: the switch is per task run, through the async run context. Either way a task's console
 * output is cut free of the secrets read with `getSecret`.
 */
import { format } from 'node:util';
import { currentRunContext } from './run-context';
import { anySecretRead, redactSecretValues } from './secret-values';

const LEVELS = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug' } as const;
let installed = false;

/** Installs the console redirection once per process; it is a no-op outside logPrints tasks. */
export function installLogPrints(): void {
  if (installed) return;
  installed = true;
  for (const [method, level] of Object.entries(LEVELS) as [keyof typeof LEVELS, 'info' | 'warn' | 'error' | 'debug'][]) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const context = currentRunContext();
      if (context?.logPrints) context.logger[level]({ print: true }, format(...args));
      // A task's own console output, without logPrints, is still kept free of the secrets it read.
      else if (context && anySecretRead()) original(redactSecretValues(format(...args)));
      else original(...args);
    };
  }
}
