/**
 * Prefect's side of `npm run bench -- --with-prefect`: one Prefect server for the whole run, and
 * one bench/prefect/bench.py process per workload per round, so that bench/run.ts can take
 * Prefect's turn between Baton's and raw Temporal's. The figures are taken inside that process,
 * after its imports and a warm-up flow; a workload that fails is recorded, not fatal, and is not
 * tried again in later rounds.
 */
import { BENCH_PY, PY, runChild, SERVER_SETTINGS, startPrefectServer, type PrefectServer } from './prefect-server';

export type PrefectWorkload = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

/** bench.py's JSON: figures, their `*_samples`, `<w>_error` for a workload that failed, the settings used. */
export type PrefectResult = Record<string, unknown>;

const MIN = 60_000;
/** Sample lists in bench.py's answer, one per workload; a round that returns none has failed. */
const SAMPLES: Record<PrefectWorkload, string> = {
  W1: 'w1_samples_ms',
  W2: 'w2_samples',
  W3: 'w3_samples',
  W4: 'w4_samples',
  W5: 'w5_rss_kib_per_flow',
};

const num = (x: unknown) => (typeof x === 'number' ? x : NaN);
const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '-');

export class PrefectSide {
  /** Why each failed workload failed. */
  readonly errors = new Map<PrefectWorkload, string>();
  /** Every answer, per workload, in order (a discarded warm-up round included). */
  private readonly answers = new Map<PrefectWorkload, PrefectResult[]>();
  /** W4's concurrency limit, once an invocation has found it (all at once, or the best probe). */
  private w4Concurrency: number | undefined;

  private constructor(
    private readonly server: PrefectServer,
    private readonly smoke: boolean,
    private readonly sizes: Record<string, number>,
  ) {}

  /** Installs Prefect if needed and starts its server. `sizes` are Baton's (w1…w5), so both sides do the same work. */
  static async start(options: { smoke: boolean; sizes: Record<string, number> }): Promise<PrefectSide> {
    return new PrefectSide(await startPrefectServer(), options.smoke, options.sizes);
  }

  get version(): string {
    return this.server.version;
  }

  /** One round of workload `w` in a fresh bench.py process; its answer, or `{}` when it failed. */
  async round(w: PrefectWorkload): Promise<PrefectResult> {
    if (this.errors.has(w)) return {};
    const sizes = Object.entries(this.sizes)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const args = [BENCH_PY, '--only', w, '--rounds', '1', '--sizes', sizes, ...(this.smoke ? ['--smoke'] : [])];
    if (w === 'W4' && this.w4Concurrency) args.push('--w4-concurrency', String(this.w4Concurrency));
    // Backstops a little past bench.py's own limits, which end a stall with a message first.
    const limit = (this.smoke ? { W1: 18, W2: 8, W3: 8, W4: 18, W5: 15 } : { W1: 63, W2: 18, W3: 18, W4: 63, W5: 65 })[w] * MIN;
    let answer: PrefectResult = {};
    try {
      if (!this.server.alive()) throw new Error(`Prefect's server has exited; its log:\n${this.server.tail()}`);
      const out = await runChild(`Prefect ${w} (bench/prefect/bench.py)`, PY, args, { ...this.server.env, BENCH_PREFECT_SERVER_PGID: String(this.server.pgid) }, limit);
      answer = JSON.parse(out.trim().split('\n').pop() ?? '{}') as PrefectResult;
      if (answer[SAMPLES[w]] === undefined) {
        this.errors.set(w, String(answer[`${w.toLowerCase()}_error`] ?? 'no figure in its answer'));
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.errors.set(w, `${message}\nPrefect server log (last lines):\n${this.server.tail()}`);
    }
    if (this.errors.has(w)) console.error(`# Prefect ${w} FAILED (not tried again this run): ${this.errors.get(w)}`);
    if (w === 'W4' && typeof answer.w4_concurrency === 'number') this.w4Concurrency = answer.w4_concurrency;
    this.answers.set(w, [...(this.answers.get(w) ?? []), answer]);
    return answer;
  }

  /** What the table's Prefect column rests on: how each workload was run, and what went wrong. */
  notes(): string[] {
    const notes: string[] = [];
    const all = (w: PrefectWorkload) => this.answers.get(w) ?? [];
    const first = (w: PrefectWorkload) => all(w).find((a) => Object.keys(a).length > 0) ?? {};
    const settings = (Object.values(Object.fromEntries(this.answers)).flat()[0]?.settings ?? {}) as Record<string, unknown>;
    notes.push(
      `Prefect ${this.version}: its own server on loopback (SQLite); the same sizes as Baton's; one bench/prefect/bench.py process per workload per round, ` +
        `its figures taken inside it after its imports and a warm-up flow, its turn rotating with Baton's and raw Temporal's (both modes) in each round.`,
    );
    const w1 = all('W1').filter((a) => Array.isArray(a.w1_samples_ms));
    if (w1.length) {
      const created = w1.flatMap((a) => a.w1_create_samples_ms as number[]);
      const running = w1.flatMap((a) => a.w1_to_running_samples_ms as number[]);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
      notes.push(
        `W1 (Prefect): a served deployment (flow.serve, one Python process started per run, PREFECT_RUNNER_POLL_FREQUENCY=${String(settings.w1_runner_poll_frequency_s)} s) ` +
          `triggered with POST /deployments/{id}/create_flow_run and polled until it ends, ${created.length} runs; the start-latency row is that POST (p50 ${fmt(median(created))} ms); ` +
          `trigger → Running p50 ${fmt(median(running))} ms; ${w1.reduce((s, a) => s + num(a.w1_retried_requests), 0)} request(s) retried after a 503.`,
      );
    }
    const w4 = first('W4');
    if (typeof w4.w4_concurrency === 'number' && w4.w4_concurrency !== this.sizes.w4) {
      notes.push(
        `W4 (Prefect): all ${this.sizes.w4} flows at once failed (${String(w4.w4_error)}); probes at bounded concurrency (flows/s or error): ` +
          `${JSON.stringify(w4.w4_probes)}; Prefect's figure is the same ${this.sizes.w4} flows run at most ${w4.w4_concurrency} at a time.`,
      );
    }
    const w5 = first('W5');
    if (all('W5').length) {
      notes.push(
        `W5 (Prefect): ${this.sizes.w5} flows waiting for input (pause_flow_run(wait_for_input=...), Prefect's default 10 s poll) as asyncio tasks of one Python process, ` +
          `the cheapest way Prefect keeps a waiting flow in memory (served deployments start a process per run; suspend_flow_run keeps nothing in memory ` +
          `but needs a deployment and a worker to resume it), so that process plays the part of Baton's worker. Its figure is that process's RSS growth per waiting flow, ` +
          `beside Baton's and raw's worker-process RSS; Python has no JS heap, so the heap row has no Prefect figure. Neither Temporal server's growth is measured; ` +
          `Prefect's server grew ${fmt(num(w5.w5_server_rss_kib_per_flow))} KiB per waiting flow (baseline ${fmt(num(w5.w5_server_baseline_rss_mb))} MB), ` +
          `the flows' process started from ${fmt(num(w5.w5_baseline_rss_mb))} MB; ${fmt(num(w5.w5_load_s))} s to pause them, at most ${String(w5.w5_starting_at_once ?? '-')} on their way at once.`,
      );
    }
    notes.push(
      `Prefect server settings: ${Object.entries(SERVER_SETTINGS)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    notes.push(`Prefect client settings: ${JSON.stringify(settings)}`);
    for (const [w, why] of this.errors) notes.push(`Prefect ${w} FAILED: ${why}`);
    return notes;
  }

  /** Stops Prefect's server. */
  stop(): Promise<void> {
    return this.server.stop();
  }
}
