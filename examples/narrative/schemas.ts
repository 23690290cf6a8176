// The pipeline's contracts, shared by flows (inside the sandbox) and tasks (in Node): zod only.
import { z } from 'zod';

export const Character = z.object({ name: z.string().min(1), description: z.string() });
export type Character = z.infer<typeof Character>;

export const ChapterPlan = z.object({ number: z.number().int().min(1), title: z.string().min(1), goal: z.string().min(1) });
export type ChapterPlan = z.infer<typeof ChapterPlan>;

/** The Director's plan: what the model is asked for, as structured output. */
export const BookPlan = z.object({
  title: z.string().min(1),
  characters: z.array(Character).min(1),
  /** The canon the book must keep: world rules, places, what is true. */
  facts: z.array(z.string()),
  chapters: z.array(ChapterPlan).min(1),
});
export type BookPlan = z.infer<typeof BookPlan>;

/** The Tactician's beats for one chapter. */
export const Beats = z.object({ beats: z.array(z.string().min(1)).min(1) });
export type Beats = z.infer<typeof Beats>;

/** The Canonist's verdict on one draft. */
export const Verdict = z.object({
  consistent: z.boolean(),
  /** What contradicts the canon, for the Weaver's next draft. */
  notes: z.array(z.string()),
  /** A short summary of the chapter, which the Librarian keeps for later chapters. */
  summary: z.string(),
  /** Facts the chapter establishes, which later chapters must keep too. */
  newFacts: z.array(z.string()),
});
export type Verdict = z.infer<typeof Verdict>;

/** What the editor gives when deciding on publication. */
export const EditorNotes = z.object({
  editor: z.string().min(1),
  notes: z.string().min(1),
  edition: z.enum(['draft', 'final']).default('final'),
});
export type EditorNotes = z.infer<typeof EditorNotes>;

/** The shared context the Librarian keeps in the memory server, as the personas read it. */
export interface Canon {
  characters: Character[];
  facts: string[];
  /** Summaries of earlier chapters, in order, with the facts each established. */
  chapters: { number: number; title: string; summary: string; facts: string[] }[];
}

/** The part of the canon that holds for the whole book (what the Tactician plans against). */
export type Bible = Pick<Canon, 'characters' | 'facts'>;

/** One finished chapter: what the flow yields. */
export interface Chapter {
  number: number;
  title: string;
  text: string;
  /** Drafts the Weaver wrote: 1, plus one per revision the Canonist asked for. */
  drafts: number;
  /** Whether the Canonist passed the last draft (false when `maxRevisions` ran out first). */
  canonApproved: boolean;
  /** The Canonist's notes on the last draft when it did not pass. */
  openNotes: string[];
}

/** A slug for memory entity names and file names. */
export const BookId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -, at most 63');

export const NarrativeParameters = z.object({
  premise: z.string().min(10).max(4000),
  chapters: z.number().int().min(1).max(12).default(3),
  /** Times the Canonist may send a chapter back to the Weaver. */
  maxRevisions: z.number().int().min(0).max(5).default(2),
  /** The MCP server the Librarian keeps the canon in, as declared on the worker. */
  memoryServer: z.string().min(1).default('memory'),
  /** The book's id in memory and on disk; default a slug of the premise. */
  book: BookId.optional(),
  /** Seconds the editor has to decide before the run ends TimedOut. */
  approvalTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
});
export type NarrativeParameters = z.input<typeof NarrativeParameters>;

/** The book's id from its premise: its first words, as a slug. */
export function bookIdOf(premise: string): string {
  const slug = premise
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'book';
}
