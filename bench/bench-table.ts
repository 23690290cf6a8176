/** The benchmark's figures and the tables `npm run bench` prints from them. */

/** How tasks run: as activities, or as local activities in the flow's worker. */
export type Mode = 'regular' | 'local';

export interface Row {
  id: string;
  /** The task mode, for workloads measured in both. */
  mode?: Mode;
  workload: string;
  unit: string;
  baton: number;
  raw: number;
  /** Prefect 3's figure for the same workload, with `--with-prefect` (NaN where Prefect has none). */
  prefect?: number;
  /** True when a higher figure is better (throughput); false for times. */
  higherIsBetter: boolean;
  note?: string;
}

export const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '-');

/** a ÷ b in throughput terms: above 1, `a` is better. */
const ratio = (a: number | undefined, b: number | undefined, higherIsBetter: boolean) => (a === undefined || b === undefined ? NaN : higherIsBetter ? a / b : b / a);

/** Baton beside raw Temporal, one line per workload and mode; then, for W2–W4, local tasks beside regular ones. */
export function printBatonVsRaw(rows: Row[], how: string): void {
  console.log(`\nBaton vs raw Temporal — ${how}; ratio = Baton ÷ raw in throughput (above 1: Baton faster)\n`);
  console.log('| id | workload | tasks | unit | Baton | raw Temporal | ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.higherIsBetter ? r.baton / r.raw : r.raw / r.baton;
    console.log(`| ${r.id} | ${r.workload} | ${r.mode ?? '-'} | ${r.unit} | ${fmt(r.baton)} | ${fmt(r.raw)} | ${fmt(ratio)} |`);
  }
  // Local beside regular, for the workloads measured both ways.
  const local = rows.filter((r) => r.mode === 'local');
  if (local.length) {
    console.log('\n| id | unit | Baton regular | Baton local | raw regular | raw local | Baton local ÷ Baton regular |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const l of local) {
      const r = rows.find((x) => x.id === l.id && x.mode === 'regular');
      const gain = r ? (l.higherIsBetter ? l.baton / r.baton : r.baton / l.baton) : NaN;
      console.log(`| ${l.id} | ${l.unit} | ${fmt(r?.baton ?? NaN)} | ${fmt(l.baton)} | ${fmt(r?.raw ?? NaN)} | ${fmt(l.raw)} | ${fmt(gain)}× |`);
    }
  }
}

/**
 * The one table of `--with-prefect`, one line per workload: Baton and raw Temporal in each task mode, Prefect, and the ratios. A
 * workload measured in one mode only (W1 and W5 run regular tasks or none) fills the regular
 * columns; its row's label is the regular row's (without the mode's suffix).
 */
export function printWithPrefect(rows: Row[], how: string, prefectName: string): void {
  console.log(`\nBaton vs raw Temporal vs ${prefectName} — ${how}; ratios in throughput terms (above 1: Baton better)\n`);
  const lines: { regular?: Row; local?: Row }[] = [];
  for (const r of rows) {
    const twin = r.mode ? lines.find((l) => (l.regular ?? l.local)!.id === r.id && (l.regular ?? l.local)!.mode && !l[r.mode!]) : undefined;
    if (twin) twin[r.mode!] = r;
    else lines.push(r.mode === 'local' ? { local: r } : { regular: r });
  }
  console.log(
    `| id | workload | unit | Baton regular | Baton local | raw Temporal regular | raw Temporal local | ${prefectName} | ` +
      `Baton regular ÷ Prefect | Baton local ÷ Prefect | Baton ÷ raw, regular | Baton ÷ raw, local |`,
  );
  console.log(`|${' --- |'.repeat(12)}`);
  for (const { regular, local } of lines) {
    const any = (regular ?? local)!;
    const prefect = regular?.prefect ?? local?.prefect;
    const h = any.higherIsBetter;
    const cells = [
      any.id,
      any.workload.replace(' (local tasks)', ''),
      any.unit,
      fmt(regular?.baton ?? NaN),
      fmt(local?.baton ?? NaN),
      fmt(regular?.raw ?? NaN),
      fmt(local?.raw ?? NaN),
      fmt(prefect ?? NaN),
      fmt(ratio(regular?.baton, prefect, h)),
      fmt(ratio(local?.baton, prefect, h)),
      fmt(ratio(regular?.baton, regular?.raw, h)),
      fmt(ratio(local?.baton, local?.raw, h)),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}
