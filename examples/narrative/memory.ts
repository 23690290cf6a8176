/**
 * How the Librarian lays a book out in a knowledge-graph memory server
 * (@modelcontextprotocol/server-memory's entities, observations and relations), and reads it back.
 * Pure: the tasks in tasks.ts send and receive these shapes.
 *
 *   <book>              book       "title: …", "premise: …"
 *   <book>: <name>      character  its description                 appears in → <book>
 *   <book>: canon       canon      one observation per fact
 *   <book>: chapter <n> chapter    "title: …", "summary: …", "fact: …"  part of → <book>
 */
import type { BookPlan, Canon, ChapterPlan, Verdict } from './schemas';

export interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}
export interface Relation {
  from: string;
  to: string;
  relationType: string;
}
export interface Graph {
  entities: Entity[];
  relations: Relation[];
}

const CANON = 'canon';
const chapterName = (book: string, n: number) => `${book}: chapter ${n}`;
const tagged = (tag: string, observations: string[]) => observations.filter((o) => o.startsWith(`${tag}: `)).map((o) => o.slice(tag.length + 2));

/** The entities and relations of a freshly planned book. */
export function planGraph(book: string, premise: string, plan: BookPlan): Graph {
  const characters = plan.characters.map((c): Entity => ({ name: `${book}: ${c.name}`, entityType: 'character', observations: [c.description] }));
  return {
    entities: [
      { name: book, entityType: 'book', observations: [`title: ${plan.title}`, `premise: ${premise}`] },
      ...characters,
      { name: `${book}: ${CANON}`, entityType: 'canon', observations: plan.facts },
    ],
    relations: characters.map((c) => ({ from: c.name, to: book, relationType: 'appears in' })),
  };
}

/** The entity and relation of a finished chapter. */
export function chapterGraph(book: string, chapter: ChapterPlan, verdict: Verdict): Graph {
  const name = chapterName(book, chapter.number);
  return {
    entities: [
      {
        name,
        entityType: 'chapter',
        observations: [`title: ${chapter.title}`, `summary: ${verdict.summary}`, ...verdict.newFacts.map((f) => `fact: ${f}`)],
      },
    ],
    relations: [{ from: name, to: book, relationType: 'part of' }],
  };
}

/** Names of every entity of the book (to start it over). */
export function bookEntityNames(book: string, graph: Graph): string[] {
  return graph.entities.filter((e) => e.name === book || e.name.startsWith(`${book}: `)).map((e) => e.name);
}

export const chapterEntityName = chapterName;

/** The book's canon as the personas read it; only chapters before `beforeChapter` when given. */
export function canonOf(book: string, graph: Graph, beforeChapter?: number): Canon {
  const own = graph.entities.filter((e) => e.name.startsWith(`${book}: `));
  const chapters = own
    .filter((e) => e.entityType === 'chapter')
    .map((e) => ({
      number: Number(e.name.slice(`${book}: chapter `.length)),
      title: tagged('title', e.observations)[0] ?? '',
      summary: tagged('summary', e.observations)[0] ?? '',
      facts: tagged('fact', e.observations),
    }))
    .filter((c) => Number.isInteger(c.number) && (beforeChapter === undefined || c.number < beforeChapter))
    .sort((a, b) => a.number - b.number);
  return {
    characters: own.filter((e) => e.entityType === 'character').map((e) => ({ name: e.name.slice(book.length + 2), description: e.observations.join(' ') })),
    facts: own.find((e) => e.name === `${book}: ${CANON}`)?.observations ?? [],
    chapters,
  };
}
