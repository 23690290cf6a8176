// What each persona is told. Pure: used by the flow (Director, Canonist) and by tasks (Tactician, Weaver).
import type { Bible, Canon, ChapterPlan } from './schemas';

export const DIRECTOR = 'You are the Director of a writing team. You plan a book: its title, characters, canon facts and chapters.';
export const TACTICIAN = 'You are the Tactician of a writing team. You turn one chapter plan into the beats a writer follows, in order.';
export const WEAVER = 'You are the Weaver of a writing team. You write one chapter of prose from its beats, keeping to the canon.';
export const CANONIST =
  'You are the Canonist of a writing team. You check a chapter draft against the canon and earlier chapters; ' +
  'you list every contradiction as a note, summarize the chapter, and list the new facts it establishes.';

const list = (items: string[]) => (items.length ? items.map((i) => `- ${i}`).join('\n') : '- (none)');

function canonText(canon: Bible & Partial<Pick<Canon, 'chapters'>>): string {
  const parts = [`Characters:\n${list(canon.characters.map((c) => `${c.name}: ${c.description}`))}`, `Canon facts:\n${list(canon.facts)}`];
  if (canon.chapters) {
    parts.push(
      `Earlier chapters:\n${list(canon.chapters.map((c) => `Chapter ${c.number} (${c.title}): ${c.summary}${c.facts.length ? ` Established: ${c.facts.join(' ')}` : ''}`))}`,
    );
  }
  return parts.join('\n\n');
}

export function directorPrompt(premise: string, chapters: number): string {
  return `Premise: ${premise}\n\nPlan a book of exactly ${chapters} chapters, numbered from 1.`;
}

export function tacticianPrompt(premise: string, chapter: ChapterPlan, bible: Bible): string {
  return `Premise: ${premise}\n\n${canonText(bible)}\n\nChapter ${chapter.number}: ${chapter.title}\nGoal: ${chapter.goal}\n\nGive the chapter's beats.`;
}

export interface WeaverBrief {
  premise: string;
  chapter: ChapterPlan;
  beats: string[];
  canon: Canon;
  /** 1 for the first draft; each revision adds one. */
  draft: number;
  /** The draft the Canonist sent back, and its notes. */
  previous?: { text: string; notes: string[] };
}

export function weaverPrompt(brief: WeaverBrief): string {
  const { chapter } = brief;
  const parts = [
    `Premise: ${brief.premise}`,
    canonText(brief.canon),
    `Chapter ${chapter.number}: ${chapter.title}\nGoal: ${chapter.goal}\nBeats:\n${list(brief.beats)}`,
  ];
  if (brief.previous) {
    parts.push(
      `Your previous draft:\n${brief.previous.text}`,
      `Notes from the Canonist:\n${list(brief.previous.notes)}`,
      'Write the chapter again, fixing every note.',
    );
  } else {
    parts.push('Write the chapter.');
  }
  return parts.join('\n\n');
}

export function canonistPrompt(chapter: ChapterPlan, draft: number, text: string, canon: Canon): string {
  return `${canonText(canon)}\n\nChapter ${chapter.number}: ${chapter.title} (draft ${draft})\n\n${text}`;
}
