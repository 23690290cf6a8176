/**
 * The sandbox boundary: code under src/workflows runs inside Temporal's deterministic sandbox,
 * and src/core is imported by it. Neither may import a Node built-in or a Node-only module at
 * run time; this check fails the suite when one does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './helpers';
import { runtimeImports } from './source-imports';

const SANDBOX_DIRS = ['src/workflows', 'src/core'].map((d) => path.join(ROOT, d));
/** Packages that are safe inside the sandbox (OpenTelemetry's API: Temporal's tracing interceptors run it there). */
const ALLOWED_PACKAGES = new Set(['@temporalio/workflow', '@temporalio/common', 'zod', '@opentelemetry/api']);
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

export function checkFile(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  for (const specifier of runtimeImports(source)) {
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier);
      if (!SANDBOX_DIRS.some((d) => target === d || target.startsWith(d + path.sep))) {
        violations.push({ file, specifier, reason: 'reaches outside src/workflows and src/core' });
      }
    } else if (BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!)) {
      violations.push({ file, specifier, reason: 'is a Node built-in' });
    } else {
      const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!ALLOWED_PACKAGES.has(pkg)) violations.push({ file, specifier, reason: 'is not a sandbox-safe package' });
    }
  }
  return violations;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('sandbox boundary', () => {
  test('src/workflows and src/core import nothing Node-only', () => {
    const violations = SANDBOX_DIRS.flatMap(sourceFiles).flatMap((f) => checkFile(f, fs.readFileSync(f, 'utf8')));
    assert.deepEqual(
      violations.map((v) => `${path.relative(ROOT, v.file)}: '${v.specifier}' ${v.reason}`),
      [],
    );
  });

  test('the flow runtime shared between runs never loads zod: runs get their own, unfrozen copy', () => {
    // Temporal deep-freezes what a worker thread shares; zod's module-level regular expressions
    // cannot take a check once frozen (z.email() failed inside flows that way).
    const seen = new Set<string>();
    const zodImports: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of runtimeImports(fs.readFileSync(file, 'utf8'))) {
        if (specifier === 'zod' || specifier.startsWith('zod/')) zodImports.push(path.relative(ROOT, file));
        if (!specifier.startsWith('.')) continue;
        const base = path.resolve(path.dirname(file), specifier);
        const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
        if (target) visit(target);
      }
    };
    visit(path.join(ROOT, 'src/workflows/preload.ts'));
    assert.ok(seen.size > 5, `followed the runtime's imports (${seen.size} files)`);
    assert.deepEqual(zodImports, []);
  });

  test('the check catches built-ins, Node-only packages and escapes, and ignores type-only imports', () => {
    const file = path.join(ROOT, 'src/workflows/example.ts');
    const source = [
      "import fs from 'node:fs';",
      "import { join } from 'path';",
      "import pino from 'pino';",
      "import { Context } from '@temporalio/activity';",
      "import { loadConfig } from '../config';",
      "const x = require('child_process');",
      "import type { Logger } from 'pino';",
      "import { type Foo } from '../activities/task';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { BatonError } from '../core/errors';",
      "export { flow } from './flow';",
    ].join('\n');
    assert.deepEqual(
      checkFile(file, source).map((v) => v.specifier),
      ['node:fs', 'path', 'pino', '@temporalio/activity', '../config', 'child_process'],
    );
  });
});
