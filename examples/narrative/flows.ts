// The Director (the book flow) and the Canonist (its quality-gate subflow). Flows run in Temporal's
// sandbox: they import task *types* only, and call the LLM through Baton's ready-made tasks.
import { z } from 'zod';
import { approval, emit, flow, tasks, unmapped } from 'baton/workflows';
import type * as llm from 'baton/llm';
import { CANONIST, canonistPrompt, DIRECTOR, directorPrompt } from './prompts';
import { BookId, BookPlan, bookIdOf, ChapterPlan, EditorNotes, NarrativeParameters, Verdict, type Chapter } from './schemas';
import type * as t from './tasks';

const { llmStructured } = tasks<typeof llm>();
const { narrativeTactician, narrativeWeaver, narrativeRecordPlan, narrativeRecall, narrativeRecordChapter, narrativePublish } = tasks<typeof t>();

/**
 * Canonist: checks one draft against the canon the Librarian keeps (read afresh, so it sees what
 * earlier chapters established). A flow of its own, so each check is a child run with its own
 * history: `chapter-2-canonist`, then `chapter-2-canonist-draft-2` after a revision.
 */
export const narrativeCanonist = flow(
  {
    name: 'narrative-canonist',
    description: 'Checks a chapter draft against the canon and earlier chapters',
    parameters: z.object({ book: BookId, memoryServer: z.string().min(1), chapter: ChapterPlan, draft: z.number().int().min(1), text: z.string() }),
    flowRunName: (p) => (p.draft > 1 ? `chapter-${p.chapter.number}-canonist-draft-${p.draft}` : `chapter-${p.chapter.number}-canonist`),
    tags: ['example', 'narrative'],
  },
  async ({ book, memoryServer, chapter, draft, text }) => {
    const canon = await narrativeRecall(memoryServer, book, chapter.number);
    const reply = await llmStructured({
      system: CANONIST,
      prompt: canonistPrompt(chapter, draft, text, canon),
      schema: z.toJSONSchema(Verdict),
      schemaName: 'verdict',
      runName: `chapter-${chapter.number}-canonist`,
    });
    return Verdict.parse(reply.object);
  },
);

/**
 * Director: plans the book, has the Tactician beat every chapter at once, then for each chapter in
 * turn has the Weaver write it and the Canonist check it (sending it back with notes at most
 * `maxRevisions` times), and yields it. The Librarian records the plan and every chapter in the
 * memory server, which the others read before they work. An editor approves publication.
 */
export const narrative = flow(
  {
    name: 'narrative',
    description: 'Five personas write a book: Director, Tactician, Weaver, Canonist, Librarian; an editor approves it',
    parameters: NarrativeParameters,
    flowRunName: (p) => `book-${p.book ?? bookIdOf(p.premise)}`,
    tags: ['example', 'narrative'],
  },
  async function* ({ premise, chapters, maxRevisions, memoryServer, book: given, approvalTimeoutSeconds }) {
    const book = given ?? bookIdOf(premise);
    const planned = await llmStructured({
      system: DIRECTOR,
      prompt: directorPrompt(premise, chapters),
      schema: z.toJSONSchema(BookPlan),
      schemaName: 'book_plan',
      runName: 'director',
    });
    const draftPlan = BookPlan.parse(planned.object);
    // The model may number chapters its own way or plan too many: the flow keeps the order and the count.
    const plan = { ...draftPlan, chapters: draftPlan.chapters.slice(0, chapters).map((c, i) => ({ ...c, number: i + 1 })) };
    emit('plan', plan);

    await narrativeRecordPlan(memoryServer, book, premise, plan);
    const { characters, facts } = await narrativeRecall.withOptions({ runName: 'librarian-canon' })(memoryServer, book, 1);
    // Beats need only the plan and the book's canon, so every chapter's are worked out at once.
    const beats = await narrativeTactician.map(plan.chapters, unmapped({ characters, facts }), unmapped(premise));

    const written: Chapter[] = [];
    for (const [i, chapter] of plan.chapters.entries()) {
      const canon = await narrativeRecall(memoryServer, book, chapter.number);
      let draft = 1;
      let text = (await narrativeWeaver({ premise, chapter, beats: beats[i]!.beats, canon, draft })).text;
      let verdict = await narrativeCanonist({ book, memoryServer, chapter, draft, text });
      emit('canonist', { chapter: chapter.number, draft, consistent: verdict.consistent, notes: verdict.notes });
      while (!verdict.consistent && draft <= maxRevisions) {
        draft += 1;
        const previous = { text, notes: verdict.notes };
        text = (await narrativeWeaver({ premise, chapter, beats: beats[i]!.beats, canon, draft, previous })).text;
        verdict = await narrativeCanonist({ book, memoryServer, chapter, draft, text });
        emit('canonist', { chapter: chapter.number, draft, consistent: verdict.consistent, notes: verdict.notes });
      }
      await narrativeRecordChapter(memoryServer, book, chapter, verdict);
      const done: Chapter = {
        number: chapter.number,
        title: chapter.title,
        text,
        drafts: draft,
        canonApproved: verdict.consistent,
        openNotes: verdict.consistent ? [] : verdict.notes,
      };
      written.push(done);
      yield done;
    }

    const open = written.filter((c) => !c.canonApproved).map((c) => c.number);
    const decision = await approval('publish', {
      input: EditorNotes,
      description:
        `Publish "${plan.title}" (${written.length} chapters)?` +
        (open.length ? ` The Canonist still has notes on chapter ${open.join(', ')}.` : ' The Canonist passed every chapter.'),
      timeoutSeconds: approvalTimeoutSeconds,
    });
    const outcome = {
      book,
      title: plan.title,
      chapters: written,
      decision: decision.decision,
      decidedBy: decision.decidedBy,
      comment: decision.comment,
      editor: decision.input,
    };
    if (decision.decision !== 'approve' || !decision.input) return { ...outcome, published: null };
    return { ...outcome, published: await narrativePublish(book, plan.title, written, decision.input) };
  },
);
