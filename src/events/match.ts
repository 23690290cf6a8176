/**
 * Which automations an event matches, and how: pure functions over the definitions, used by the
 * event workflow's match activity.
 */
import type { AutomationMatch, AutomationMemo, StoredEvent } from '../core/events';
import { valueAt } from './template';

/** A name pattern as a regular expression: `*` is any run of characters, everything else literal. */
export function patternRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

export function nameMatches(pattern: string, name: string): boolean {
  return patternRegex(pattern).test(name);
}

function resourceMatches(filter: Record<string, string> | undefined, event: StoredEvent): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, value]) => event.resource?.[key] === value);
}

function payloadMatches(filter: Record<string, unknown> | undefined, event: StoredEvent): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([path, value]) => valueAt(event.payload, path) === value);
}

/** How the event matches one automation, or undefined. A paused automation matches nothing. */
export function matchAutomation(memo: AutomationMemo, event: StoredEvent): AutomationMatch | undefined {
  if (memo.paused) return undefined;
  const { name, trigger, actions } = memo.definition;
  switch (trigger.type) {
    case 'event':
    case 'threshold':
      if (!nameMatches(trigger.match, event.event) || !resourceMatches(trigger.resource, event) || !payloadMatches(trigger.payload, event)) return undefined;
      return { automation: name, mode: trigger.type === 'event' ? 'fire' : 'signal', actions };
    case 'proactive':
      // The expected event closes a wait whatever its labels: the wait is keyed by resource id.
      if (nameMatches(trigger.expect, event.event) && event.resource) return { automation: name, mode: 'signal', role: 'expect', actions };
      if (nameMatches(trigger.after, event.event) && event.resource && resourceMatches(trigger.resource, event)) {
        return { automation: name, mode: 'signal', role: 'after', actions };
      }
      return undefined;
  }
}

/** Every automation the event matches. */
export function matchAll(memos: readonly AutomationMemo[], event: StoredEvent): AutomationMatch[] {
  return memos.flatMap((memo) => matchAutomation(memo, event) ?? []);
}
