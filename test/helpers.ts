/** Shared test helpers: the real server from `npm test`, workers on unique task queues, probes. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { PAUSE_SIGNAL, RESUME_SIGNAL } from '../src/core/human';
import { configuredTarget, type TemporalTarget } from '../src/server/temporal-server';
import { createWorker, type BatonWorker } from '../src/workers/worker';

export const ROOT = path.resolve(__dirname, '..');
export const FIXTURES = path.join(__dirname, 'fixtures');

export function testTarget(): TemporalTarget {
  const target = configuredTarget();
  if (!target) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test`, which starts the server');
  return target;
}

export function uid(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'baton-probe-'));
}

export function readLines(dir: string, key: string): Record<string, unknown>[] {
  const file = path.join(dir, key);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface TestWorker {
  worker: BatonWorker;
  client: BatonClient;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A worker on a fresh task queue, running in this process, and a client for it. */
export async function startWorker(options: { flows?: string; logger?: Logger; taskQueue?: string; env?: Record<string, string> } = {}): Promise<TestWorker> {
  const target = testTarget();
  const config = loadConfig({ ...process.env, ...options.env });
  const taskQueue = options.taskQueue ?? uid('tq');
  const worker = await createWorker({ flows: options.flows ?? FIXTURES, target, config, taskQueue, logger: options.logger });
  const running = worker.run();
  const client = await BatonClient.connect({ target, dataConverter: dataConverter(config), taskQueue, flows: worker.module.flows });
  return {
    worker,
    client,
    taskQueue,
    async stop() {
      await worker.shutdown();
      await running;
      await client.close();
    },
  };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What a run scheduled (activities, child workflows) after it had taken in an outside pause and before
 * the resume reached it, read from its history. A pause takes effect in the first workflow task that
 * completes after its signal; work scheduled earlier may still start after the API answered.
 */
export async function scheduledWhilePaused(client: Client, workflowId: string): Promise<{ eventId: string; type: string }[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const E = temporal.api.enums.v1.EventType;
  const scheduling = new Set([E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]);
  let phase: 'running' | 'signalled' | 'paused' = 'running';
  const found: { eventId: string; type: string }[] = [];
  for (const e of events) {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === PAUSE_SIGNAL && phase === 'running') phase = 'signalled';
    else if (signal?.signalName === RESUME_SIGNAL) phase = 'running';
    else if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && phase === 'signalled') phase = 'paused';
    else if (phase === 'paused' && scheduling.has(e.eventType!)) found.push({ eventId: String(e.eventId), type: E[e.eventType!] });
  }
  return found;
}
