/**
 * A user's data out and back in: the export is one JSON document (every task, saved
 * view and preference), and the import adds such a document's tasks and views to the
 * caller's account — e.g. to move from the embedded mode on a laptop to a cluster, or
 * from one deployment to another. Tasks are imported in one transaction with their
 * events (audit history, live updates, reminder jobs), so an import is all or nothing;
 * they get new ids, and tasks that formed a series form a new series.
 */
import { randomUUID } from 'node:crypto';
import { checkTaskInvariants } from '../domain/task.js';
import type { NewTask, Task } from '../domain/types.js';
import type { Clock, ListQuery, Preferences, PreferencesStore, SavedView, TaskRepository, UnitOfWork, ViewStore } from '../ports/index.js';
import { ConflictError, UnprocessableError, type FieldError } from './errors.js';
import { changeRecords } from './task-events.js';

export const EXPORT_FORMAT = 'kairos-export';
export const EXPORT_VERSION = 1;
/** Tasks one import may carry: bounded so one request cannot hold a transaction for minutes. */
export const IMPORT_MAX_TASKS = 5000;
/** Tasks an import writes per statement (their events are appended in one more). */
const IMPORT_BATCH = 250;

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exported_at: string;
  tasks: Task[];
  views: Array<Pick<SavedView, 'name' | 'query'>>;
  preferences: Preferences;
}

/** A task as an import carries it: a new task's fields, its state, and its place in a series. */
export type ImportedTask = Required<NewTask> & {
  completed: boolean;
  completed_at: string | null;
  series_id: string | null;
  occurrence: number;
};

export interface ImportDocument {
  tasks: ImportedTask[];
  views: Array<{ name: string; query: Record<string, unknown> }>;
  preferences?: Preferences;
}

export interface ImportResult {
  tasks: number;
  views: number;
  /** Views whose name the account already had (kept as they were). */
  views_skipped: string[];
  preferences: boolean;
}

export interface PortabilityDeps {
  uow: UnitOfWork;
  reader: TaskRepository;
  views: ViewStore;
  preferences: PreferencesStore;
  clock: Clock;
}

export type Portability = ReturnType<typeof createPortability>;

/** Every task, oldest first, a page at a time. */
const allTasks = (limit: number, now: Date, cursor?: string): ListQuery => ({
  status: 'all',
  tagMode: 'any',
  sort: 'created',
  order: 'asc',
  limit,
  cursor,
  now,
});

export function createPortability({ uow, reader, views, preferences, clock }: PortabilityDeps) {
  return {
    async exportData(userId: string): Promise<ExportDocument> {
      const tasks: Task[] = [];
      let cursor: string | undefined;
      do {
        const page = await reader.list(userId, allTasks(200, clock.now(), cursor));
        tasks.push(...(page.itemsJson !== undefined ? (JSON.parse(page.itemsJson) as Task[]) : page.items));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      const [saved, prefs] = await Promise.all([views.list(userId), preferences.get(userId)]);
      return {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exported_at: clock.now().toISOString(),
        tasks,
        views: saved.map((v) => ({ name: v.name, query: v.query })),
        preferences: prefs,
      };
    },

    /** Whether the account has any task (an import into it could repeat an earlier one). */
    hasTasks: (userId: string): Promise<boolean> => anyTask(reader, userId, clock.now()),

    /**
     * Without `merge`, only into an account without tasks (else ConflictError): checked under
     * the user's write lock, so of two imports sent at once into an empty account one is refused.
     */
    async importData(userId: string, doc: ImportDocument, opts: { merge: boolean }): Promise<ImportResult> {
      checkImport(doc.tasks);
      const now = clock.now();
      const seriesIds = new Map<string, string>();
      await uow.run(async (tx) => {
        await tx.outbox.lockUser(userId);
        if (!opts.merge && (await anyTask(tx.tasks, userId, now))) throw new ConflictError(NOT_EMPTY);
        for (let start = 0; start < doc.tasks.length; start += IMPORT_BATCH) {
          const rows = doc.tasks.slice(start, start + IMPORT_BATCH).map((t) => {
            let series: string | null = null;
            if (t.series_id !== null) {
              series = seriesIds.get(t.series_id) ?? randomUUID();
              seriesIds.set(t.series_id, series);
            }
            const completedAt = t.completed ? (t.completed_at ?? now.toISOString()) : null;
            return { ...fieldsOf(t), series_id: series, occurrence: t.occurrence, completed: t.completed, completed_at: completedAt };
          });
          // A created event with each task as imported: audit records it, open clients show
          // it, and reminders still ahead are scheduled (a completed task has none).
          const tasks = await tx.tasks.insertMany(userId, rows);
          await tx.outbox.append(tasks.flatMap((task) => changeRecords('created', null, task, now)));
        }
      });
      const skipped: string[] = [];
      for (const v of doc.views) if ((await views.create(userId, v.name, v.query)) === 'duplicate') skipped.push(v.name);
      if (doc.preferences) await preferences.put(userId, doc.preferences);
      return { tasks: doc.tasks.length, views: doc.views.length - skipped.length, views_skipped: skipped, preferences: !!doc.preferences };
    },
  };
}

export const NOT_EMPTY =
  'Your account has tasks already, and importing a document twice adds its tasks twice. Add ?merge=true to import anyway.';

async function anyTask(tasks: TaskRepository, userId: string, now: Date): Promise<boolean> {
  const page = await tasks.list(userId, allTasks(1, now));
  return page.itemsJson !== undefined ? page.itemsJson !== '[]' : page.items.length > 0;
}

function fieldsOf(t: ImportedTask): Required<NewTask> {
  return {
    title: t.title,
    description: t.description,
    priority: t.priority,
    tags: t.tags,
    due_at: t.due_at,
    time_zone: t.time_zone,
    reminders: t.reminders,
    recurrence: t.recurrence,
  };
}

/** The rules across fields and across tasks, each problem at its path in the document. */
function checkImport(tasks: ImportedTask[]): void {
  const problems: FieldError[] = [];
  const places = new Set<string>();
  tasks.forEach((t, i) => {
    for (const p of checkTaskInvariants(t)) problems.push({ path: `tasks.${i}.${p.path}`, message: p.message });
    if (t.series_id !== null) {
      const place = `${t.series_id}#${t.occurrence}`;
      if (places.has(place))
        problems.push({
          path: `tasks.${i}.occurrence`,
          message: `Another task of series ${t.series_id} is occurrence ${t.occurrence} too`,
        });
      places.add(place);
    }
  });
  if (problems.length) throw new UnprocessableError(problems.slice(0, 50));
}
