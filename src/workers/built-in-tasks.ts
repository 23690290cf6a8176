/**
 * Tasks every worker runs besides the module's own: the ready-made LLM tasks, so a flow can call
 * them through `tasks<typeof llm>()` (types from `baton/llm`) without exporting them itself. A module's
 * task with the same export name wins for that name in its flows; one with the same task name is
 * an error, as for any two tasks.
 */
import { taskSpec, type Task } from '../activities/task';
import { BatonError } from '../core/errors';
import { LLM_TASKS } from '../llm/llm-tasks';
import { MCP_TASKS } from '../mcp/mcp-tasks';
import type { LoadedModule } from './load-module';

export function withBuiltInTasks(loaded: LoadedModule): LoadedModule {
  const builtIn: LoadedModule['tasks'] = [];
  for (const [exportName, declared] of Object.entries({ ...LLM_TASKS, ...MCP_TASKS })) {
    const t = declared as unknown as Task;
    // The module exported the built-in itself: it is registered once.
    if (loaded.tasks.some((own) => own.task === t)) continue;
    const spec = taskSpec(t, exportName);
    if (loaded.tasks.some((own) => own.spec.name === spec.name)) {
      throw new BatonError(`two tasks are named '${spec.name}': the name belongs to Baton's built-in task; rename yours`);
    }
    builtIn.push({ task: t, spec });
  }
  // Built-ins first: specs installed later win an export name, so the module's own do.
  return { ...loaded, tasks: [...builtIn, ...loaded.tasks] };
}
