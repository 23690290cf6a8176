import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { openApiDocument } from '../src/api/route';
import { routes } from '../src/api/routes';
import type { BatonClient } from '../src/client/client';

// The document is built from Baton's own registry: what users register in zod's global registry
// (a flow's parameter schema with an id, say) neither leaks into it nor replaces a Baton schema.
test("the OpenAPI document holds Baton's schemas only, with field descriptions", { timeout: 10_000 }, () => {
  z.object({ secret: z.string() }).meta({ id: 'UserParameters' });
  z.object({ notBatons: z.string() }).meta({ id: 'FlowRun' });
  const document = openApiDocument(routes({} as BatonClient, undefined as never), { title: 'Baton API', version: 'test' }) as {
    components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> };
  };
  const schemas = document.components.schemas;
  assert.equal(schemas.UserParameters, undefined, 'a user schema does not leak');
  assert.ok(schemas.FlowRun?.properties?.taskRuns, "FlowRun is Baton's");
  assert.equal(schemas.FlowRun?.properties?.notBatons, undefined);
  assert.match(schemas.RunFlow?.properties?.idempotencyKey?.description ?? '', /same key returns the same run/);
  const paths = (document as unknown as { paths: Record<string, Record<string, { parameters: { name: string; description?: string }[] }>> }).paths;
  const since = paths['/api/flow-runs']?.get?.parameters.find((p) => p.name === 'since');
  assert.match(since?.description ?? '', /started at or after/, 'query parameter descriptions reach the document');
});
