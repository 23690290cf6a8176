/**
 * `structured(call)`: a generation whose reply is a JSON value of a schema, validated before it
 * is returned. Inside a task the schema may be a zod schema; from a flow (the ready-made
 * `llm.structured` task) it is JSON Schema, made with `z.toJSONSchema(schema)`, and checked on
 * the worker with the zod schema rebuilt from it. A reply that is not JSON, or not of the schema,
 * fails with LlmOutputError naming what is wrong (retried per the task's retries).
 */
import { generateText, jsonSchema, Output, type FinishReason, type JSONSchema7 } from 'ai';
import { z } from 'zod';
import { currentRunContext } from '../activities/run-context';
import { NonRetryableError } from '../core/errors';
import { LlmStructuredCall, parseCall, promptOptions } from './llm-call';
import { LlmOutputError } from './llm-errors';
import { llmFailure } from './llm-failure';
import { chatModel } from './llm-model';
import { llmSettings, modelFor } from './llm-settings';
import { logUsage, usageOf, type LlmUsage } from './llm-usage';

/** A structured call whose schema is zod (inside a task) or JSON Schema (from anywhere). */
export type StructuredCall<T> = Omit<LlmStructuredCall, 'schema'> & { schema: z.ZodType<T> | Record<string, unknown> };

export interface StructuredResult<T> {
  /** The reply, parsed and validated by the schema. */
  object: T;
  finishReason: FinishReason;
  model: string;
  usage: LlmUsage;
}

/** The JSON Schema to send and the zod schema that checks the reply. */
function schemas<T>(schema: z.ZodType<T> | Record<string, unknown>): { json: Record<string, unknown>; check: z.ZodType<T> } {
  if (schema instanceof z.ZodType) {
    try {
      return { json: z.toJSONSchema(schema) as Record<string, unknown>, check: schema };
    } catch (err) {
      throw new NonRetryableError(`the schema cannot be sent to a model as JSON Schema: ${(err as Error).message}`);
    }
  }
  try {
    return { json: schema, check: z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) as z.ZodType<T> };
  } catch (err) {
    throw new NonRetryableError(`the schema is not a JSON Schema Baton can check replies with: ${(err as Error).message}`);
  }
}

/** Parses and validates the reply's text. */
export function checkReply<T>(text: string, check: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LlmOutputError(`the model's reply is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const parsed = check.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LlmOutputError(`the model's reply does not match the schema: ${issues}`);
  }
  return parsed.data;
}

export async function structured<T = unknown>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
  const { json, check } = schemas(call.schema);
  const parsed = parseCall(LlmStructuredCall, { ...call, schema: json }, 'structured');
  const settings = llmSettings();
  const model = modelFor(settings, parsed.model);
  const signal = currentRunContext()?.signal;
  let result;
  try {
    result = await generateText({
      model: chatModel(settings, model),
      ...promptOptions(parsed),
      // Asks for the schema (response_format json_schema); the reply is checked below, with zod.
      output: Output.object({ schema: jsonSchema(json as JSONSchema7), name: parsed.schemaName, description: parsed.schemaDescription }),
      maxRetries: 0,
      abortSignal: signal,
    });
  } catch (err) {
    throw llmFailure(err, settings.apiKey, signal);
  }
  const usage = usageOf(result.usage);
  logUsage('structured', model, usage, result.finishReason);
  return { object: checkReply(result.text, check), finishReason: result.finishReason, model: result.response.modelId || model, usage };
}
