/**
 * `agent()`: an LLM agent loop inside a flow. Each model step is one task run (`<name>: step n`),
 * each tool call one task run (`tool: <tool>`), so the run's task list reads as the transcript, and
 * a worker that dies mid-loop repeats no model call or tool call that had completed: replay hands
 * back their recorded results. A tool may need a person's approval first; the loop then waits (it
 * holds no worker) with the call's arguments shown, and an approved, edited or rejected call goes
 * back to the model. Limits end the loop with AgentLimitError: steps, tokens, seconds.
 * Sandbox-safe: the runtime loads no zod; schemas are the flow's own.
 */
import type { ModelMessage } from 'ai';
import { AgentLimitError, BatonError } from '../core/errors';
import type { LlmReply, LlmTaskModule, LlmToolCall, LlmUsage } from '../core/llm-shapes';
import { approval } from './human';
import { listMcpTools, mcpTool, type McpToolResult } from './mcp';
import { tasks, type TaskHandle } from './task-proxy';

const { llmGenerate, llmStream, llmStructured } = tasks<LlmTaskModule>();

/** A schema the flow brings: zod (whose own methods Baton calls), or plain JSON Schema. */
interface SchemaLike {
  toJSONSchema?: (params?: { io?: 'input' | 'output'; unrepresentable?: 'any' }) => Record<string, unknown>;
  safeParse?: (value: unknown) => { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** What a tool call runs: a task handle (`tasks<...>().search`), or any function of the input. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ToolRun = TaskHandle<[any], unknown> | ((input: any) => Promise<unknown>);

export interface AgentTool {
  /** What the tool does, for the model. */
  description?: string;
  /** The tool's input: a zod schema (checked before the call) or JSON Schema. */
  input: SchemaLike | Record<string, unknown>;
  /** Runs a call. A task handle runs as a task run named `tool: <tool>`. */
  run: ToolRun;
  /**
   * A person approves each call first (true), or the calls a predicate picks. They see the
   * arguments, and may approve them, send edited ones (`input: { args }`), or reject the call.
   */
  needsApproval?: boolean | ((input: unknown) => boolean);
}

export interface AgentOptions {
  /** The persona's name: in task run names (`weaver: step 3`) and approval keys. */
  name: string;
  /** The model; default the worker's BATON_LLM_MODEL. */
  model?: string;
  /** The system message. */
  instructions?: string;
  tools?: Record<string, AgentTool>;
  /** Most model steps before the loop ends with AgentLimitError. @default 10 */
  maxSteps?: number;
  /** Most tokens (input + output, all steps) before the loop ends with AgentLimitError. */
  maxTokens?: number;
  /** Most seconds the loop may take (workflow time) before it ends with AgentLimitError. */
  timeoutSeconds?: number;
  /** The final answer as a value of this schema (one more, structured model call). */
  output?: SchemaLike;
  /** Publish the model's text to the run's stream as it is written, on this topic. */
  streamTopic?: string;
  /** Seconds a tool approval waits before the call counts as rejected. Default: no limit. */
  approvalTimeoutSeconds?: number;
  /**
   * MCP servers (declared on the worker) whose tools the model may call: each server's tools are
   * listed once (a task run, `tools: <server>`), and each call is a task run (`tool: <tool>`).
   * A tool's error result goes back to the model. `needsApproval` works as for other tools; a
   * predicate also gets the tool's annotations (`readOnlyHint`, `destructiveHint`...) when the server gives them.
   */
  mcpServers?: (string | { server: string; needsApproval?: boolean | ((tool: string, input: unknown, annotations: Record<string, unknown>) => boolean) })[];
}

export interface AgentResult<O = unknown> {
  /** The model's last text. */
  text: string;
  /** The structured answer, when `output` was given. */
  output: O | undefined;
  steps: number;
  toolCalls: { step: number; tool: string; input: unknown; approved: boolean; error?: string }[];
  usage: LlmUsage;
  /** The whole conversation: pass it back as `messages` to go on. */
  messages: ModelMessage[];
}

const ZERO: LlmUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
/** Usage summed over steps; a provider that reports none counts as 0. */
const add = (a: LlmUsage, b: LlmUsage): LlmUsage => ({
  inputTokens: (a.inputTokens ?? 0) + (b.inputTokens ?? 0),
  outputTokens: (a.outputTokens ?? 0) + (b.outputTokens ?? 0),
  totalTokens: (a.totalTokens ?? 0) + (b.totalTokens ?? 0),
});

function jsonSchemaOf(schema: SchemaLike | Record<string, unknown>): Record<string, unknown> {
  const s = schema as SchemaLike;
  return typeof s.toJSONSchema === 'function' ? s.toJSONSchema({ io: 'input', unrepresentable: 'any' }) : (schema as Record<string, unknown>);
}

/** The input checked by the tool's zod schema, or a message naming what is wrong. */
function checkInput(schema: SchemaLike | Record<string, unknown>, value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  const s = schema as SchemaLike;
  if (typeof s.safeParse !== 'function') return { ok: true, value };
  const parsed = s.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: (parsed.error?.issues ?? []).map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ') };
}

const isTaskHandle = (run: ToolRun): run is TaskHandle<[unknown], unknown> => typeof (run as TaskHandle<[unknown], unknown>).withOptions === 'function';

/** Approval keys are run-unique and readable: `weaver-tool-3-1`. */
const approvalKey = (name: string, step: number, n: number) => `${name.replace(/[^\w.-]/g, '-').slice(0, 60)}-tool-${step}-${n}`;

/**
 * Runs an agent loop: the model answers, or asks for tools; each asked tool runs (after a
 * person's approval when it needs one) and its result goes back to the model, until the model
 * answers without tools.
 */
export async function agent<O = unknown>(options: AgentOptions, input: string | ModelMessage[]): Promise<AgentResult<O>> {
  const maxSteps = options.maxSteps ?? 10;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new BatonError(`agent '${options.name}': maxSteps must be a whole number ≥ 1`);
  const tools = { ...(await mcpAgentTools(options.mcpServers ?? [])), ...(options.tools ?? {}) };
  const declarations = Object.keys(tools).length
    ? Object.fromEntries(Object.entries(tools).map(([name, t]) => [name, { description: t.description, inputSchema: jsonSchemaOf(t.input) }]))
    : undefined;
  // Workflow time: the same on replay.
  const deadline = options.timeoutSeconds !== undefined ? Date.now() + options.timeoutSeconds * 1000 : undefined;
  const messages: ModelMessage[] = typeof input === 'string' ? [{ role: 'user', content: input }] : [...input];
  const result: AgentResult<O> = { text: '', output: undefined, steps: 0, toolCalls: [], usage: ZERO, messages };
  const limit = (what: 'steps' | 'tokens' | 'seconds', detail: string) =>
    new AgentLimitError(`agent '${options.name}' stopped: ${detail}`, what, result.steps, result.usage.totalTokens ?? 0);

  for (let step = 1; step <= maxSteps; step++) {
    if (deadline !== undefined && Date.now() >= deadline) throw limit('seconds', `its ${options.timeoutSeconds} s ran out after ${result.steps} steps`);
    const call = { model: options.model, system: options.instructions, messages, tools: declarations, runName: `${options.name}: step ${step}` };
    const reply: LlmReply = options.streamTopic ? await llmStream({ ...call, topic: options.streamTopic }) : await llmGenerate(call);
    result.steps = step;
    result.usage = add(result.usage, reply.usage);
    result.text = reply.text;
    messages.push(...reply.responseMessages);
    if (options.maxTokens !== undefined && (result.usage.totalTokens ?? 0) > options.maxTokens) {
      throw limit('tokens', `${result.usage.totalTokens} tokens used, over its budget of ${options.maxTokens}`);
    }
    if (reply.toolCalls.length === 0) {
      if (options.output) result.output = await structuredOutput<O>(options, messages);
      return result;
    }
    const answers = await Promise.all(reply.toolCalls.map((toolCall, n) => runTool(options, tools, toolCall, step, n + 1, result)));
    messages.push({ role: 'tool', content: answers });
  }
  throw limit('steps', `${maxSteps} steps without a final answer`);
}

/** Tool names the model may use: letters, digits, _ and -, at most 64. */
const toolName = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** The tools of the agent's MCP servers, as agent tools. */
async function mcpAgentTools(servers: NonNullable<AgentOptions['mcpServers']>): Promise<Record<string, AgentTool>> {
  const out: Record<string, AgentTool> = {};
  for (const entry of servers) {
    const { server, needsApproval } = typeof entry === 'string' ? { server: entry, needsApproval: undefined } : entry;
    for (const info of await listMcpTools(server)) {
      const call = mcpTool(server, info.name);
      const run = async (input: unknown): Promise<McpToolResult> =>
        call((input ?? {}) as Record<string, unknown>, { onToolError: 'return', runName: `tool: ${info.name}` });
      out[toolName(out[toolName(info.name)] ? `${server}_${info.name}` : info.name)] = {
        description: info.description,
        input: info.inputSchema,
        run,
        needsApproval: typeof needsApproval === 'function' ? (input) => needsApproval(info.name, input, info.annotations ?? {}) : needsApproval,
      };
    }
  }
  return out;
}

/** One more model call for the answer as a value of the output schema, checked by it. */
async function structuredOutput<O>(options: AgentOptions, messages: ModelMessage[]): Promise<O> {
  const schema = options.output!;
  const reply = await llmStructured({
    model: options.model,
    system: options.instructions,
    messages: [...messages, { role: 'user', content: 'Give your final answer as JSON of the required schema.' }],
    schema: jsonSchemaOf(schema),
    runName: `${options.name}: output`,
  });
  const checked = checkInput(schema, reply.object);
  if (!checked.ok) throw new BatonError(`agent '${options.name}': the answer does not fit its output schema: ${checked.error}`);
  return checked.value as O;
}

type ToolResultPart = Extract<ModelMessage, { role: 'tool' }>['content'][number];

/** Runs one tool call (after approval when needed); whatever happens goes back to the model as the call's result. */
async function runTool(
  options: AgentOptions,
  tools: Record<string, AgentTool>,
  toolCall: LlmToolCall,
  step: number,
  n: number,
  result: AgentResult,
): Promise<ToolResultPart> {
  const reply = (value: unknown): ToolResultPart => ({
    type: 'tool-result',
    toolCallId: toolCall.toolCallId,
    toolName: toolCall.toolName,
    output: { type: 'json', value: (value ?? null) as never },
  });
  const record = { step, tool: toolCall.toolName, input: toolCall.input, approved: true } as AgentResult['toolCalls'][number];
  result.toolCalls.push(record);
  const tool = tools[toolCall.toolName];
  if (!tool) {
    record.error = `no tool named '${toolCall.toolName}'`;
    return reply({ error: `${record.error}; the tools are: ${Object.keys(tools).join(', ') || 'none'}` });
  }
  let args = toolCall.input;
  const needs = typeof tool.needsApproval === 'function' ? tool.needsApproval(args) : tool.needsApproval === true;
  if (needs) {
    const decided = await approval(approvalKey(options.name, step, n), {
      description: `${options.name} wants to call ${toolCall.toolName} with ${JSON.stringify(args)}. Approve (optionally with input { "args": {...} } to change them) or reject.`,
      timeoutSeconds: options.approvalTimeoutSeconds,
      default: options.approvalTimeoutSeconds !== undefined ? { decision: 'reject' } : undefined,
    });
    if (decided.decision === 'reject') {
      record.approved = false;
      record.error = `rejected by ${decided.decidedBy}${decided.comment ? `: ${decided.comment}` : ''}`;
      return reply({ error: `the call was ${record.error}` });
    }
    const edited = (decided.input as { args?: unknown } | undefined)?.args;
    if (edited !== undefined) args = edited;
  }
  const checked = checkInput(tool.input, args);
  if (!checked.ok) {
    record.error = `invalid input: ${checked.error}`;
    return reply({ error: record.error });
  }
  try {
    const run = isTaskHandle(tool.run) ? tool.run.withOptions({ runName: `tool: ${toolCall.toolName}` }) : tool.run;
    return reply(await run(checked.value));
  } catch (err) {
    // The model hears what went wrong and may try otherwise; the run's history keeps the failed task run.
    record.error = err instanceof Error ? err.message : String(err);
    return reply({ error: record.error });
  }
}
