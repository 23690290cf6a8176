/** Variables as the API serves them: JSON values by name (see core/variables.ts). */
import { z } from 'zod';
import {
  VARIABLE_MAX_BYTES,
  VARIABLE_NAME_PATTERN,
  VARIABLE_NAME_RULE,
  VARIABLE_TAG_MAX_LENGTH,
  VARIABLE_TAGS_MAX,
  variableTagsProblem,
  variableValueProblem,
  type JsonValue,
} from '../variables';
import { contract, doc } from './contract';

export const VariableName = doc(
  z.string().regex(VARIABLE_NAME_PATTERN, VARIABLE_NAME_RULE),
  'Lowercase letters, digits, underscores and dashes; at most 255 characters.',
);

/** Any JSON value up to VARIABLE_MAX_BYTES as JSON (`null` included). */
const VariableValue = doc(
  z.unknown().superRefine((value, ctx) => {
    const problem = variableValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  `Any JSON value (object, array, string, number, boolean or null), at most ${VARIABLE_MAX_BYTES} bytes as JSON.`,
) as unknown as z.ZodType<JsonValue>;

const VariableTags = z
  .array(z.string())
  .superRefine((tags, ctx) => {
    const problem = variableTagsProblem(tags);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(`At most ${VARIABLE_TAGS_MAX} tags of at most ${VARIABLE_TAG_MAX_LENGTH} characters.`);

export const Variable = z
  .object({
    name: z.string(),
    value: doc(z.unknown(), 'The JSON value.') as unknown as z.ZodType<JsonValue>,
    tags: z.array(z.string()),
    version: doc(z.number().int(), '1 when created, one more at each write; send it back as `ifVersion` to write only over what you read.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .register(contract, { id: 'Variable' });
export type Variable = z.infer<typeof Variable>;

export const VariableList = z.object({ variables: doc(z.array(Variable), 'Every variable of the namespace, by name.') }).register(contract, { id: 'VariableList' });
export type VariableList = z.infer<typeof VariableList>;

export const SetVariable = z
  .object({
    value: VariableValue,
    tags: doc(VariableTags.optional(), 'Replaces the tags; left out, a write keeps the ones it overwrites.'),
    overwrite: doc(z.boolean().optional(), 'false: answer 409 when the variable exists instead of replacing it (default true).'),
    ifVersion: doc(
      z.number({ error: 'must be a whole number ≥ 1' }).int('must be a whole number ≥ 1').min(1, 'must be a whole number ≥ 1').optional(),
      'Write only if the variable is at this version (409 otherwise): a write over exactly what was read.',
    ),
  })
  .strict()
  .register(contract, { id: 'SetVariable' });
export type SetVariable = z.infer<typeof SetVariable>;

export const VariableNameParam = z.object({ name: VariableName }).strict();
export const DeleteVariableQuery = z
  .object({
    ifVersion: doc(
      z
        .string()
        .regex(/^[1-9]\d{0,15}$/, 'must be a whole number ≥ 1')
        .transform(Number)
        .optional(),
      'Delete only if the variable is at this version (409 otherwise).',
    ),
  })
  .strict();
