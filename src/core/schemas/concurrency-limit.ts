/** Global concurrency limits as the API serves them (see core/concurrency-limits.ts). */
import { z } from 'zod';
import { LIMIT_NAME_PATTERN, LIMIT_NAME_RULE, MAX_LIMIT_SLOTS } from '../concurrency-limits';
import { contract, doc } from './contract';

export const LimitName = z.string().regex(LIMIT_NAME_PATTERN, LIMIT_NAME_RULE);

const Slots = z.number().int().min(1).max(MAX_LIMIT_SLOTS);
const SlotDecay = z.number().min(0).max(1_000);

export const CreateConcurrencyLimit = z
  .object({
    name: doc(LimitName, 'The limit’s name; `tag:<tag>` limits the task runs tagged `<tag>`; `<template>:<key>` is a per-key limit.'),
    slots: doc(Slots, 'Slots holders may occupy at once.'),
    slotDecayPerSecond: doc(SlotDecay.default(0), 'Slots that come back per second once given back (a rate limit); 0: at once.'),
    active: doc(z.boolean().default(true), 'An inactive limit lets everyone through at once.'),
  })
  .strict()
  .register(contract, { id: 'CreateConcurrencyLimit' });
export type CreateConcurrencyLimit = z.input<typeof CreateConcurrencyLimit>;

export const UpdateConcurrencyLimit = z
  .object({ slots: Slots.optional(), slotDecayPerSecond: SlotDecay.optional(), active: z.boolean().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'name at least one of slots, slotDecayPerSecond, active' })
  .register(contract, { id: 'UpdateConcurrencyLimit' });
export type UpdateConcurrencyLimit = z.infer<typeof UpdateConcurrencyLimit>;

const Party = z.object({
  kind: z.enum(['flow', 'task']),
  flowRunId: z.string(),
  runId: z.string(),
  activityId: z.string().optional(),
  attempt: z.number().int().optional(),
  taskName: doc(z.string().optional(), 'For a slot a flow holds for a tagged task call: the task.'),
});

export const LimitHolder = z
  .object({
    leaseId: z.string(),
    slots: z.number().int(),
    party: doc(Party, 'The flow run, or the task run’s attempt, that holds the slots.'),
    acquiredAt: z.string(),
  })
  .register(contract, { id: 'ConcurrencyLimitHolder' });

export const LimitWaiter = z
  .object({ leaseId: z.string(), slots: z.number().int(), party: Party, queuedAt: z.string() })
  .register(contract, { id: 'ConcurrencyLimitWaiter' });

export const ConcurrencyLimit = z
  .object({
    name: LimitName,
    slots: z.number().int(),
    slotDecayPerSecond: z.number(),
    active: z.boolean(),
    occupied: doc(z.number().int(), 'Slots held now, plus released slots still decaying.'),
    holders: doc(z.array(LimitHolder), 'Who holds slots, oldest first.'),
    waiters: doc(z.array(LimitWaiter), 'Who waits, in the order they will be served.'),
    granted: doc(z.number().int(), 'Grants made since the limit was created.'),
    live: doc(
      z.boolean(),
      'false in a list when no worker of the limit’s task queue answered in time: settings as last changed; holders and waiters unknown, shown empty.',
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .register(contract, { id: 'ConcurrencyLimit' });
export type ConcurrencyLimit = z.infer<typeof ConcurrencyLimit>;

export const ConcurrencyLimitList = z.object({ limits: z.array(ConcurrencyLimit) }).register(contract, { id: 'ConcurrencyLimitList' });
export type ConcurrencyLimitList = z.infer<typeof ConcurrencyLimitList>;

export const LimitNameParam = z.object({ name: LimitName }).strict();
