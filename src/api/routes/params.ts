/** Path parameters and answers several routes share. */
import { z } from 'zod';
import { contract } from '../../core/schemas';

export const NameParam = z.object({ name: z.string().min(1).max(100) }).strict();
export const IdParam = z.object({ id: z.string().min(1).max(1_000) }).strict();
export const Accepted = z.object({ accepted: z.literal(true) }).register(contract, { id: 'Accepted' });
