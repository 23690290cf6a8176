/**
 * Checks the hooks a worker's flows and tasks declare against the tasks it runs, and writes each
 * task's hooks into its spec by task name, so flows can schedule them. A hook naming a task this
 * worker does not run fails the worker at start, naming the flow or task and the option.
 */
import type { Task } from '../activities/task';
import { BatonError } from '../core/errors';
import { FLOW_HOOKS, flowHookNames, hookTargets, TASK_HOOKS, type TaskHook } from '../core/hooks';
import type { TaskSpec } from '../core/task-options';
import type { LoadedModule } from './load-module';

export function withHookTasks(loaded: LoadedModule): LoadedModule {
  const known = (key: string) => loaded.tasks.some((t) => t.spec.name === key || t.spec.exportName === key);
  for (const f of loaded.flows) {
    for (const hook of FLOW_HOOKS) {
      for (const name of flowHookNames(f.flowName, hook, f.options[hook])) {
        if (!known(name)) {
          throw new BatonError(`flow '${f.flowName}': ${hook} names task '${name}', which this worker does not run; export it from the module given to --flows`);
        }
      }
    }
  }
  const tasks = loaded.tasks.map(({ task, spec }) => {
    const hooks: NonNullable<TaskSpec['hooks']> = {};
    for (const hook of TASK_HOOKS) {
      const targets = hookTargets(`task '${spec.name}'`, hook, task.options[hook]);
      if (targets.length) hooks[hook] = targets.map((target) => hookTaskName(loaded, spec.name, hook, target as Task));
    }
    return { task, spec: Object.keys(hooks).length ? { ...spec, hooks } : spec };
  });
  return { ...loaded, tasks };
}

/** The task name of a hook's task: the same declaration among the module's tasks, else one of that name. */
function hookTaskName(loaded: LoadedModule, owner: string, hook: TaskHook, target: Task): string {
  const found = loaded.tasks.find((t) => t.task === target) ?? loaded.tasks.find((t) => target.taskName !== undefined && t.spec.name === target.taskName);
  if (!found) {
    const name = target.taskName ? `task '${target.taskName}'` : 'a task';
    throw new BatonError(`task '${owner}': ${hook} names ${name} this worker does not run; export it from the module given to --flows`);
  }
  return found.spec.name;
}
