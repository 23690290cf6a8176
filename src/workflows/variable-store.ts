/**
 * The variables store (`baton.variables`, id `baton-variables`): one long-running workflow per
 * namespace holding every variable in its state. Writes are updates whose validators refuse bad
 * or conflicting input before it is accepted (a refused write leaves no event in the history);
 * reads are queries. It continues as new with its variables once its history passes
 * `continueAfterEvents` (or Temporal suggests it), after every write in progress has finished.
 * Sandbox-safe.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  setRequestProblems,
  utf8Bytes,
  VARIABLE_DELETE_UPDATE,
  VARIABLE_FAILURE,
  VARIABLE_GET_QUERY,
  VARIABLE_LIST_QUERY,
  VARIABLE_SET_UPDATE,
  VARIABLES_CONTINUE_AFTER_EVENTS,
  VARIABLES_DELETED_KEPT,
  VARIABLES_MAX,
  VARIABLES_MAX_TOTAL_BYTES,
  variableNameProblem,
  type DeleteVariableRequest,
  type SetVariableRequest,
  type Variable,
  type VariablesInput,
} from '../core/variables';

const setUpdate = defineUpdate<Variable, [SetVariableRequest]>(VARIABLE_SET_UPDATE);
const deleteUpdate = defineUpdate<Variable, [DeleteVariableRequest]>(VARIABLE_DELETE_UPDATE);
const getQuery = defineQuery<Variable | null, [string]>(VARIABLE_GET_QUERY);
const listQuery = defineQuery<Variable[]>(VARIABLE_LIST_QUERY);

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export async function runVariables(input: VariablesInput = {}): Promise<void> {
  const store = new Map<string, Variable>(Object.entries(input?.variables ?? {}));
  // The last version of each deleted name, so a variable made again under it goes on from there
  // and an ifVersion read before the delete never matches it (the most recent names are kept).
  const deleted = new Map<string, number>(Object.entries(input?.deletedVersions ?? {}));
  const continueAfter = input?.continueAfterEvents ?? VARIABLES_CONTINUE_AFTER_EVENTS;
  const weight = (v: Pick<Variable, 'value'>) => utf8Bytes(JSON.stringify(v.value));
  let total = [...store.values()].reduce((sum, v) => sum + weight(v), 0);

  setHandler(getQuery, (name) => store.get(name) ?? null);
  setHandler(listQuery, () => [...store.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

  setHandler(
    setUpdate,
    (request) => {
      const now = new Date().toISOString();
      const previous = store.get(request.name);
      const variable: Variable = {
        name: request.name,
        value: request.value,
        tags: request.tags ?? previous?.tags ?? [],
        version: (previous?.version ?? deleted.get(request.name) ?? 0) + 1,
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
      };
      total += weight(variable) - (previous ? weight(previous) : 0);
      store.set(request.name, variable);
      deleted.delete(request.name);
      return Promise.resolve(variable);
    },
    {
      validator: (request) => {
        const issues = setRequestProblems(request);
        if (issues.length) throw refuse(VARIABLE_FAILURE.invalid, `invalid variable: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        const previous = store.get(request.name);
        if (previous && request.overwrite === false) {
          throw refuse(VARIABLE_FAILURE.conflict, `variable '${request.name}' already exists (version ${previous.version}); overwrite it to replace its value`);
        }
        if (request.ifVersion !== undefined && previous?.version !== request.ifVersion) {
          throw refuse(
            VARIABLE_FAILURE.conflict,
            `variable '${request.name}' is at ${previous ? `version ${previous.version}` : 'no version (it does not exist)'}, not version ${request.ifVersion}`,
          );
        }
        if (!previous && store.size >= VARIABLES_MAX)
          throw refuse(VARIABLE_FAILURE.conflict, `the namespace already holds ${VARIABLES_MAX} variables, the most it keeps`);
        const after = total + weight(request) - (previous ? weight(previous) : 0);
        if (after > VARIABLES_MAX_TOTAL_BYTES) {
          throw refuse(
            VARIABLE_FAILURE.conflict,
            `all variables' values together would weigh ${after} bytes as JSON, over the ${VARIABLES_MAX_TOTAL_BYTES} the store keeps`,
          );
        }
      },
    },
  );

  setHandler(
    deleteUpdate,
    (request) => {
      const removed = store.get(request.name)!;
      store.delete(request.name);
      total -= weight(removed);
      deleted.delete(request.name);
      deleted.set(request.name, removed.version);
      if (deleted.size > VARIABLES_DELETED_KEPT) deleted.delete(deleted.keys().next().value as string);
      return Promise.resolve(removed);
    },
    {
      validator: (request) => {
        const problem = variableNameProblem(request?.name);
        if (problem) throw refuse(VARIABLE_FAILURE.invalid, `invalid variable: name: ${problem}`);
        const found = store.get(request.name);
        if (!found) throw refuse(VARIABLE_FAILURE.notFound, `no variable named '${request.name}'`);
        if (request.ifVersion !== undefined && found.version !== request.ifVersion) {
          throw refuse(VARIABLE_FAILURE.conflict, `variable '${request.name}' is at version ${found.version}, not version ${request.ifVersion}`);
        }
      },
    },
  );

  await condition(() => workflowInfo().historyLength >= continueAfter || workflowInfo().continueAsNewSuggested);
  // Writes already accepted finish here first: their callers get their answers from this run.
  await condition(allHandlersFinished);
  await continueAsNew<typeof runVariables>({
    variables: Object.fromEntries(store),
    ...(deleted.size ? { deletedVersions: Object.fromEntries(deleted) } : {}),
    ...(input?.continueAfterEvents ? { continueAfterEvents: input.continueAfterEvents } : {}),
  });
}
