/** Shared setup of the LLM tests: a scripted model server, the worker's LLM settings, a worker whose log is kept. */
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FIXTURES, startWorker, type TestWorker } from './helpers';
import { ModelServer } from './model-server';

export const LLM_FIXTURES = path.join(FIXTURES, 'llm');
/** A key only these tests use, so finding it anywhere is a leak. */
export const API_KEY = 'sk-baton-test-3f9c1e7a2b5d4c6e8f0a';
export const DEFAULT_MODEL = 'scripted-default';

export interface LlmTestBed {
  server: ModelServer;
  worker: TestWorker;
  /** Every line the worker logged, raw. */
  logLines: string[];
  stop(): Promise<void>;
}

/** Starts the model server, points the worker's BATON_LLM_* at it, and starts a worker on the LLM fixtures. */
export async function startLlmTestBed(): Promise<LlmTestBed> {
  const server = await ModelServer.start();
  process.env.BATON_LLM_BASE_URL = server.baseURL;
  process.env.BATON_LLM_MODEL = DEFAULT_MODEL;
  process.env.BATON_LLM_API_KEY = API_KEY;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let worker: TestWorker;
  try {
    worker = await startWorker({ flows: LLM_FIXTURES, logger: pino({ level: 'debug' }, sink) });
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    server,
    worker,
    logLines,
    async stop() {
      try {
        await worker.stop();
      } finally {
        await server.close();
      }
    },
  };
}
