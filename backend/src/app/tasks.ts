/**
 * Task use cases. Each mutation runs in one unit of work: the change, its events and
 * its reminder jobs commit together or not at all.
 */
import { randomUUID } from 'node:crypto';
import { checkTaskInvariants } from '../domain/task.js';
import { nextOccurrence } from '../domain/recurrence.js';
import type { NewTask, Task, TaskPatch } from '../domain/types.js';
import type { Clock, ListQuery, Page, TagCount, TaskChange, TaskRepository, UnitOfWork } from '../ports/index.js';
import { NotFoundError, UnprocessableError, VersionMismatchError } from './errors.js';
import { changeRecords } from './task-events.js';

export interface TaskServiceDeps {
  uow: UnitOfWork;
  /** Read-only repository outside a transaction, for queries. */
  reader: TaskRepository;
  clock: Clock;
}

export interface RequestContext {
  traceparent?: string;
}

export type TaskService = ReturnType<typeof createTaskService>;

/** Tries of a change whose task another write changed between read and write. */
const MAX_ATTEMPTS = 3;

export function createTaskService({ uow, reader, clock }: TaskServiceDeps) {
  function assertInvariants(fields: Pick<Task, 'due_at' | 'time_zone' | 'reminders' | 'recurrence'>) {
    const errors = checkTaskInvariants(fields);
    if (errors.length) throw new UnprocessableError(errors);
  }

  /**
   * Reads the task, decides the change, and writes it with its events in one statement
   * that applies only if the task is still at the version read. If another write got in
   * between, decide again on what is there now (at most a few times; a task changing
   * that often answers 409).
   */
  async function mutate(
    userId: string,
    id: number,
    expectedVersion: number | undefined,
    ctx: RequestContext,
    change: (current: Task) => TaskChange | null,
  ): Promise<Task> {
    for (let attempt = 1; ; attempt++) {
      const current = await reader.get(userId, id);
      if (!current) throw new NotFoundError();
      if (expectedVersion !== undefined && current.version !== expectedVersion) throw new VersionMismatchError(current.version);
      const patch = change(current);
      if (!patch) return current; // nothing to do (e.g. completing a completed task)
      const type = patch.completed === true && !current.completed ? 'completed' : 'updated';
      const result = await uow.updateTask(current, patch, (after) => changeRecords(type, current, after, clock.now(), ctx.traceparent));
      if (result) return result;
      if (attempt === MAX_ATTEMPTS) throw new VersionMismatchError(current.version + 1);
    }
  }

  return {
    get: async (userId: string, id: number): Promise<Task> => {
      const task = await reader.get(userId, id);
      if (!task) throw new NotFoundError();
      return task;
    },

    list: (userId: string, query: ListQuery): Promise<Page<Task>> => reader.list(userId, query),

    tags: (userId: string): Promise<TagCount[]> => reader.tags(userId),

    async create(userId: string, input: NewTask, ctx: RequestContext = {}): Promise<Task> {
      const fields = {
        title: input.title,
        description: input.description ?? '',
        priority: input.priority ?? 'none',
        tags: input.tags ?? [],
        due_at: input.due_at ?? null,
        time_zone: input.time_zone ?? 'UTC',
        reminders: input.reminders ?? [],
        recurrence: input.recurrence ?? null,
      };
      assertInvariants(fields);
      return uow.createTask(userId, { ...fields, series_id: fields.recurrence ? randomUUID() : null, occurrence: 1 }, (task) =>
        changeRecords('created', null, task, clock.now(), ctx.traceparent),
      );
    },

    update(userId: string, id: number, patch: TaskPatch, expectedVersion?: number, ctx: RequestContext = {}): Promise<Task> {
      return mutate(userId, id, expectedVersion, ctx, (current) => {
        const merged = { ...current, ...patch };
        assertInvariants(merged);
        const out: TaskChange = { ...patch };
        if (patch.completed !== undefined && patch.completed !== current.completed) {
          out.completed_at = patch.completed ? clock.now().toISOString() : null;
        }
        if (patch.recurrence && !current.series_id) out.series_id = randomUUID();
        return out;
      });
    },

    complete(userId: string, id: number, expectedVersion?: number, ctx: RequestContext = {}): Promise<Task> {
      return mutate(userId, id, expectedVersion, ctx, (current) =>
        current.completed ? null : { completed: true, completed_at: clock.now().toISOString() },
      );
    },

    reopen(userId: string, id: number, expectedVersion?: number, ctx: RequestContext = {}): Promise<Task> {
      return mutate(userId, id, expectedVersion, ctx, (current) => (current.completed ? { completed: false, completed_at: null } : null));
    },

    async remove(userId: string, id: number, expectedVersion?: number, ctx: RequestContext = {}): Promise<void> {
      await uow.run(async (tx) => {
        const result = await tx.tasks.delete(userId, id, expectedVersion);
        if (result === 'not_found') throw new NotFoundError();
        if (result === 'version_mismatch') {
          const current = await tx.tasks.get(userId, id);
          throw new VersionMismatchError(current?.version ?? 0);
        }
        await tx.outbox.append(changeRecords('deleted', result, result, clock.now(), ctx.traceparent));
      });
    },

    /**
     * Creates the occurrence after `completed` in its series. Idempotent per
     * (series, occurrence): a redelivered completion event returns the existing task.
     * Returns null when the series has ended (COUNT/UNTIL) or the task is not recurring.
     */
    async createNextOccurrence(userId: string, completed: Task, ctx: RequestContext = {}): Promise<Task | null> {
      if (!completed.recurrence || !completed.due_at || !completed.series_id) return null;
      const next = nextOccurrence(
        { due_at: completed.due_at, time_zone: completed.time_zone, recurrence: completed.recurrence, occurrence: completed.occurrence },
        completed.completed_at ? new Date(completed.completed_at) : clock.now(),
      );
      if (!next) return null;
      const shift = Date.parse(next.due_at) - Date.parse(completed.due_at);
      const reminders = completed.reminders.map((r) => ('at' in r ? { at: new Date(Date.parse(r.at) + shift).toISOString() } : r));
      const seriesId = completed.series_id;
      const existing = await reader.findOccurrence(userId, seriesId, next.occurrence);
      if (existing) return existing;
      try {
        return await uow.run(async (tx) => {
          const task = await tx.tasks.insert(userId, {
            title: completed.title,
            description: completed.description,
            priority: completed.priority,
            tags: completed.tags,
            due_at: next.due_at,
            time_zone: completed.time_zone,
            reminders,
            recurrence: completed.recurrence,
            series_id: seriesId,
            occurrence: next.occurrence,
          });
          await tx.outbox.append(changeRecords('created', null, task, clock.now(), ctx.traceparent));
          return task;
        });
      } catch (err) {
        // Lost a race with a concurrent delivery of the same event: the unique index kept one.
        const raced = await reader.findOccurrence(userId, seriesId, next.occurrence);
        if (raced) return raced;
        throw err;
      }
    },
  };
}
