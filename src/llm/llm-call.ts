/**
 * What one LLM call asks for, as plain JSON: a flow passes it to a ready-made LLM task, so every
 * part must cross Temporal as data (tools are declarations without code, schemas are JSON
 * Schema). Validated on the worker before anything is sent; a bad call fails without retry.
 */
import { jsonSchema, modelMessageSchema, tool, type JSONSchema7, type ModelMessage, type ToolSet } from 'ai';
import { z } from 'zod';
import { NonRetryableError } from '../core/errors';

/** A tool the model may call. The call comes back to the flow, which runs it (as a task) and answers. */
export const LlmToolDeclaration = z.object({
  /** What the tool does, for the model. */
  description: z.string().max(10_000).optional(),
  /** JSON Schema of the tool's input (`z.toJSONSchema(schema)` makes one from zod). */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type LlmToolDeclaration = z.infer<typeof LlmToolDeclaration>;

const ToolChoice = z.union([z.enum(['auto', 'none', 'required']), z.object({ type: z.literal('tool'), toolName: z.string() })]);

const CallFields = {
  /** The model's id at the provider. Default: the worker's BATON_LLM_MODEL. */
  model: z.string().min(1).max(200).optional(),
  /** Instructions sent as the system message. */
  system: z.string().optional(),
  /** A single user message; give this or `messages`. */
  prompt: z.string().optional(),
  /** The conversation so far (the AI SDK's ModelMessage shape); give this or `prompt`. */
  messages: z.array(modelMessageSchema as z.ZodType<ModelMessage>).optional(),
  /** Most tokens the reply may have. */
  maxOutputTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  /** Asks the provider for repeatable sampling, where it supports it. */
  seed: z.number().int().optional(),
  stopSequences: z.array(z.string()).max(16).optional(),
  /** The task run's name, shown in the API, CLI and Web UI. Default: the task's name. */
  runName: z.string().min(1).max(200).optional(),
};

function onePrompt(call: { prompt?: string; messages?: unknown[] }): boolean {
  return (call.prompt === undefined) !== (call.messages === undefined);
}
const ONE_PROMPT = { message: 'give exactly one of prompt and messages', path: ['prompt'] };

const GenerateFields = {
  ...CallFields,
  /** Tools the model may call, by name (1-64 letters, digits, _ or -). */
  tools: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'), LlmToolDeclaration).optional(),
  /** Whether the model must, may or may not call a tool, or which one. Default `auto`. */
  toolChoice: ToolChoice.optional(),
};

/** A text generation: the reply's text, or the tool calls the model asks for. */
export const LlmCall = z.object(GenerateFields).refine(onePrompt, ONE_PROMPT);
export type LlmCall = z.infer<typeof LlmCall>;

/** A text generation whose text is published to the flow run's stream as it arrives. */
export const LlmStreamCall = z
  .object({
    ...GenerateFields,
    /** The stream topic the text deltas go to. Default `llm`. */
    topic: z
      .string()
      .regex(/^[\w.:@-]{1,100}$/, 'topic is 1-100 letters, digits or _ . : @ -')
      .optional(),
  })
  .refine(onePrompt, ONE_PROMPT);
export type LlmStreamCall = z.infer<typeof LlmStreamCall>;

/** A generation whose reply is a JSON value of a given schema. */
export const LlmStructuredCall = z
  .object({
    ...CallFields,
    /** JSON Schema of the reply (`z.toJSONSchema(schema)` makes one from zod, in a flow too). */
    schema: z.record(z.string(), z.unknown()),
    /** A name for the schema, sent to providers that use one. */
    schemaName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'schemaName is 1-64 letters, digits, _ or -')
      .optional(),
    schemaDescription: z.string().max(10_000).optional(),
  })
  .refine(onePrompt, ONE_PROMPT);
export type LlmStructuredCall = z.infer<typeof LlmStructuredCall>;

/** Parses a call; a bad one is a NonRetryableError naming each field. */
export function parseCall<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new NonRetryableError(`invalid ${what} call: ${issues}`);
}

/** The AI SDK options every call shares: the prompt and the sampling settings. */
export function promptOptions(call: z.infer<z.ZodObject<typeof CallFields>>) {
  const prompt = call.messages !== undefined ? { messages: call.messages } : { prompt: call.prompt! };
  return {
    system: call.system,
    ...prompt,
    maxOutputTokens: call.maxOutputTokens,
    temperature: call.temperature,
    topP: call.topP,
    seed: call.seed,
    stopSequences: call.stopSequences,
  };
}

/** Tool declarations as the AI SDK takes them: without `execute`, so calls come back unanswered. */
export function toolSet(tools: LlmCall['tools']): ToolSet | undefined {
  if (!tools) return undefined;
  return Object.fromEntries(
    Object.entries(tools).map(([name, t]) => [name, tool({ description: t.description, inputSchema: jsonSchema(t.inputSchema as JSONSchema7) })]),
  );
}
