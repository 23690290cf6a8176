/**
 * The issue agent from code: starts a run, says where each write waits for approval, and prints
 * the summary when the run ends.
 *
 *   npx tsx examples/issue-agent/run.ts https://github.com/<owner>/<repo>/issues/<n>
 *
 * It talks to the Temporal server of Baton's configuration (TEMPORAL_ADDRESS, or the embedded one)
 * and starts the run on BATON_TASK_QUEUE, where a worker on this folder must be polling. Exit code:
 * 0 when the run completed, 1 when it failed, 2 when the URL was refused (and nothing started).
 */
import { BatonClient, loadConfig, ParameterValidationError } from 'baton/client';
import { issueAgent } from './flows';
import type { IssueAgentSummary } from './summary';

async function main(url: string | undefined): Promise<number> {
  const client = await BatonClient.fromConfig(loadConfig(), { flows: [issueAgent] });
  try {
    // Checked here, against the flow's schema: a bad URL starts nothing.
    const run = await client.flowRuns.start(issueAgent, { url: url ?? '' });
    console.log(`started flow run ${run.id} (${run.runName})`);
    const announced = new Set<string>();
    const announce = setInterval(() => {
      void client.approvals.list({ flow: issueAgent.flowName }).then(
        ({ approvals }) => {
          for (const a of approvals.filter((p) => p.flowRunId === run.id && !announced.has(p.key))) {
            announced.add(a.key);
            console.log(`waiting for approval ${a.key}: ${a.description ?? ''}`);
            console.log(`  decide: baton approval approve|reject ${run.id} ${a.key}  (or the approvals page)`);
          }
        },
        () => undefined,
      );
    }, 1_000);
    try {
      const summary = (await run.result()) as IssueAgentSummary;
      console.log(summary.report);
      console.log(`\n${summary.answer}`);
      return 0;
    } finally {
      clearInterval(announce);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return err instanceof ParameterValidationError ? 2 : 1;
  } finally {
    await client.close();
  }
}

void main(process.argv[2]).then((code) => process.exit(code));
