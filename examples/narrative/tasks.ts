// The personas that run in Node: the Tactician and the Weaver (LLM calls inside tasks of their own,
// for a cache and retries of their own), the Librarian (the memory MCP server) and publication.
import fs from 'node:fs';
import path from 'node:path';
import { INPUTS, task } from 'baton';
import { stream, structured } from 'baton/llm';
import { callTool } from 'baton/mcp';
import { bookEntityNames, canonOf, chapterEntityName, chapterGraph, planGraph, type Graph } from './memory';
import { TACTICIAN, tacticianPrompt, WEAVER, weaverPrompt, type WeaverBrief } from './prompts';
import { Beats, type Bible, type BookPlan, type Canon, type Chapter, type ChapterPlan, type EditorNotes, type Verdict } from './schemas';

/**
 * Tactician: a chapter plan into beats. Cached by its inputs (the chapter, the book's canon, the
 * premise): a book planned again the same way reuses its beats instead of asking the model.
 */
export const narrativeTactician = task(
  {
    name: 'narrative.tactician',
    retries: 2,
    retryDelaySeconds: [1, 4],
    timeoutSeconds: 300,
    cachePolicy: INPUTS,
    cacheExpirationSeconds: 30 * 86_400,
    taskRunName: 'chapter-{chapter.number}-tactician',
  },
  async (chapter: ChapterPlan, bible: Bible, premise: string) => {
    const reply = await structured({ system: TACTICIAN, prompt: tacticianPrompt(premise, chapter, bible), schema: Beats, schemaName: 'beats' });
    return { beats: reply.object.beats, usage: reply.usage };
  },
);

/**
 * Weaver: writes a chapter, its text streamed to the run's stream on the topic `chapter-<n>` as
 * the model writes it. Not cached: a reader follows each draft live, and a revision's inputs
 * (the notes) differ anyway.
 */
export const narrativeWeaver = task(
  {
    name: 'narrative.weaver',
    retries: 2,
    retryDelaySeconds: [2, 8],
    timeoutSeconds: 600,
    // Runs inside the flow, so it uses only its argument.
    taskRunName: (brief: WeaverBrief) => (brief.draft > 1 ? `chapter-${brief.chapter.number}-weaver-draft-${brief.draft}` : `chapter-${brief.chapter.number}-weaver`),
  },
  async (brief: WeaverBrief) => {
    const reply = await stream({ system: WEAVER, prompt: weaverPrompt(brief), topic: `chapter-${brief.chapter.number}` });
    return { text: reply.text.trim(), usage: reply.usage };
  },
);

/** A knowledge-graph tool's answer: its structured content, or the JSON of its text. */
async function graphTool(server: string, tool: string, args: Record<string, unknown>): Promise<Graph> {
  const result = await callTool(server, tool, args);
  const text = result.content.find((c) => c.type === 'text')?.text;
  const value = (result.structuredContent ?? (text ? JSON.parse(text) : {})) as Partial<Graph>;
  return { entities: value.entities ?? [], relations: value.relations ?? [] };
}

/** Starts the book over in memory: the book, its characters and its canon facts from the plan. */
export const narrativeRecordPlan = task(
  { name: 'narrative.librarian-plan', retries: 2, retryDelaySeconds: 1, taskRunName: 'librarian-plan' },
  async (server: string, book: string, premise: string, plan: BookPlan) => {
    const old = bookEntityNames(book, await graphTool(server, 'search_nodes', { query: book }));
    if (old.length) await callTool(server, 'delete_entities', { entityNames: old });
    const graph = planGraph(book, premise, plan);
    await callTool(server, 'create_entities', { entities: graph.entities });
    await callTool(server, 'create_relations', { relations: graph.relations });
    return { entities: graph.entities.length, replaced: old.length };
  },
);

/** Reads the book's canon: characters, facts, and the chapters before `beforeChapter`. */
export const narrativeRecall = task(
  {
    name: 'narrative.librarian-recall',
    retries: 2,
    retryDelaySeconds: 1,
    taskRunName: (_server: string, _book: string, beforeChapter: number) => `chapter-${beforeChapter}-librarian`,
  },
  async (server: string, book: string, beforeChapter: number): Promise<Canon> => canonOf(book, await graphTool(server, 'search_nodes', { query: book }), beforeChapter),
);

/** Keeps a finished chapter's summary and the facts it established (replacing an earlier version). */
export const narrativeRecordChapter = task(
  {
    name: 'narrative.librarian-chapter',
    retries: 2,
    retryDelaySeconds: 1,
    taskRunName: 'chapter-{chapter.number}-librarian-record',
  },
  async (server: string, book: string, chapter: ChapterPlan, verdict: Verdict) => {
    await callTool(server, 'delete_entities', { entityNames: [chapterEntityName(book, chapter.number)] });
    const graph = chapterGraph(book, chapter, verdict);
    await callTool(server, 'create_entities', { entities: graph.entities });
    await callTool(server, 'create_relations', { relations: graph.relations });
    return { chapter: chapter.number, facts: verdict.newFacts.length };
  },
);

/** Where published books go: NARRATIVE_BOOKS_DIR, or `.baton/books` in the worker's folder. */
const booksDir = () => path.resolve(process.env.NARRATIVE_BOOKS_DIR ?? path.join('.baton', 'books'));

/** Writes the book as Markdown, atomically, so a retried attempt leaves one whole file. */
export const narrativePublish = task(
  { name: 'narrative.publish', retries: 2, retryDelaySeconds: 1, taskRunName: 'publish-{book}' },
  async (book: string, title: string, chapters: Chapter[], editor: EditorNotes) => {
    const dir = booksDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${book}.md`);
    const body = [
      `# ${title}`,
      `_${editor.edition} edition, edited by ${editor.editor}: ${editor.notes}_`,
      ...chapters.map((c) => `## ${c.number}. ${c.title}\n\n${c.text}`),
    ].join('\n\n');
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${body}\n`);
    fs.renameSync(temp, file);
    return { file, bytes: Buffer.byteLength(body) + 1 };
  },
);
