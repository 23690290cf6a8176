/**
 * The one workflow function behind every flow: Temporal calls it for any workflow type the
 * bundle does not export by name, and it runs the flow registered under that type. This is
 * what lets flow names be any string (`process-customers`), not only JavaScript identifiers.
 * Sandbox-safe.
 */
import { ApplicationFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ParameterValidationError } from '../shared/errors';
import { flowRunNameFor, parseParameters, type FlowOptions } from '../shared/flow-options';
import { friendlyName } from '../shared/run-name';
import { RUN_NAME } from '../shared/search-attributes';
import type { ZodType } from 'zod';
import { flowFailure } from './failures';
import { setFlowParameters } from './flow-context';
import { installHumanHandlers } from './human';
import { MAP_SHARD_WORKFLOW } from '../shared/map-shard';
import { runMapShard, type ShardInput } from './map-shard';
import { flowNamed, registeredFlowNames } from './registry';

export default async function batonFlow(params: unknown): Promise<unknown> {
  const { workflowType } = workflowInfo();
  if (workflowType === MAP_SHARD_WORKFLOW) return runMapShard(params as ShardInput);
  const flow = flowNamed(workflowType);
  if (!flow) {
    throw ApplicationFailure.nonRetryable(
      `no flow named '${workflowType}' is registered with this worker (it has: ${registeredFlowNames().join(', ') || 'none'})`,
      'FlowNotFound',
    );
  }
  installHumanHandlers();
  try {
    // Parameters were validated before the run started; parsing again restores types such as dates.
    const parsed = parseParameters(flow.flowName, flow.options.parameters as ZodType | undefined, params);
    setFlowParameters(params ?? {});
    // Runs started by a schedule arrive without a run name: give them one, as Prefect does.
    if (!workflowInfo().typedSearchAttributes.get(RUN_NAME)) {
      let name: string | undefined;
      try {
        name = flowRunNameFor(flow.options as FlowOptions<unknown>, parsed);
      } catch {
        name = undefined;
      }
      // Math.random is seeded per run inside the sandbox, so the name is the same on replay.
      upsertSearchAttributes([{ key: RUN_NAME, value: name ?? friendlyName((n) => Math.floor(Math.random() * n)) }]);
    }
    return await flow.fn(parsed as never);
  } catch (err) {
    if (err instanceof ParameterValidationError) {
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, details: [{ code: err.code, issues: err.issues }] });
    }
    throw flowFailure(err);
  }
}
