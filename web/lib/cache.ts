import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { Task, TaskPage, TaskQuery } from './api/types';

type Lists = InfiniteData<TaskPage, string | null>;

/** Whether a task belongs in a list at all, judged on the fields we can check locally. */
export function matchesQuery(t: Task, q: TaskQuery): boolean {
  if (q.status === 'pending' && t.completed) return false;
  if (q.status === 'completed' && !t.completed) return false;
  if (q.priority && !q.priority.split(',').includes(t.priority)) return false;
  if (q.tags) {
    const want = q.tags.split(',');
    const ok = q.tag_mode === 'all' ? want.every((x) => t.tags.includes(x)) : want.some((x) => t.tags.includes(x));
    if (!ok) return false;
  }
  if (q.no_due === 'true' && t.due_at) return false;
  if ((q.due_from || q.due_to || q.overdue === 'true') && !t.due_at) return false;
  if (t.due_at) {
    const due = new Date(t.due_at).getTime();
    if (q.due_from && due < new Date(q.due_from).getTime()) return false;
    if (q.due_to && due > new Date(q.due_to).getTime()) return false;
    if (q.overdue === 'true' && due >= Date.now()) return false;
  }
  if (q.q) {
    const needle = q.q.toLowerCase();
    if (!`${t.title} ${t.description} ${t.tags.join(' ')}`.toLowerCase().includes(needle)) return false;
  }
  return true;
}

function listEntries(qc: QueryClient) {
  return qc.getQueriesData<Lists>({ queryKey: ['tasks'] });
}

/**
 * A task created after a list was read is not in it yet: it goes on top until the refetch
 * sorts it in. One created before was already read — in its place, or on a page not loaded
 * yet — so a late or replayed `task.created` must not pull it to the top.
 */
function createdSinceRead(task: Task, data: Lists): boolean {
  const asOf = data.pages[0]?.as_of;
  return !asOf || Date.parse(task.created_at) >= Date.parse(asOf);
}

/**
 * Replace a task wherever it is listed (keeps its position; a stale version never wins).
 * With `insert`, a task new to a list it matches goes on top; returns whether any list gained it.
 */
export function upsertTask(qc: QueryClient, task: Task, opts: { insert?: boolean } = {}): boolean {
  let inserted = false;
  for (const [key, data] of listEntries(qc)) {
    if (!data) continue;
    const query = (key[1] ?? {}) as TaskQuery;
    let found = false;
    const pages = data.pages.map((p) => ({
      ...p,
      items: p.items.map((t) => {
        if (t.id !== task.id) return t;
        found = true;
        return t.version > task.version ? t : task;
      }),
    }));
    if (!found && opts.insert) {
      // The server's copy of a task this tab is still creating (the realtime update can beat
      // the POST's response) takes the optimistic row's place instead of appearing twice.
      for (const p of pages) {
        const i = p.items.findIndex((t) => t.id < 0 && t.title === task.title);
        if (i >= 0) {
          p.items = p.items.map((t, j) => (j === i ? task : t));
          found = true;
          break;
        }
      }
    }
    if (!found && opts.insert && matchesQuery(task, query) && pages[0] && createdSinceRead(task, data)) {
      pages[0] = { ...pages[0], items: [task, ...pages[0].items] };
      found = inserted = true;
    }
    if (found) qc.setQueryData<Lists>(key, { ...data, pages });
  }
  qc.setQueryData(['task', task.id], (old: Task | undefined) => (old && old.version > task.version ? old : task));
  return inserted;
}

export function removeTask(qc: QueryClient, id: number) {
  for (const [key, data] of listEntries(qc)) {
    if (!data) continue;
    qc.setQueryData<Lists>(key, { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((t) => t.id !== id) })) });
  }
}

export function replaceTempTask(qc: QueryClient, tempId: number, task: Task) {
  for (const [key, data] of listEntries(qc)) {
    if (!data) continue;
    qc.setQueryData<Lists>(key, {
      ...data,
      // if the realtime update already listed the task, the optimistic row just goes away
      pages: data.pages.map((p) => ({
        ...p,
        items: listed(data, task.id) ? p.items.filter((t) => t.id !== tempId) : p.items.map((t) => (t.id === tempId ? task : t)),
      })),
    });
  }
}

const listed = (data: Lists, id: number) => data.pages.some((p) => p.items.some((t) => t.id === id));

export function findTask(qc: QueryClient, id: number): Task | undefined {
  const direct = qc.getQueryData<Task>(['task', id]);
  if (direct) return direct;
  for (const [, data] of listEntries(qc)) {
    for (const p of data?.pages ?? []) {
      const t = p.items.find((x) => x.id === id);
      if (t) return t;
    }
  }
  return undefined;
}

export type Snapshot = [readonly unknown[], unknown][];
export function snapshot(qc: QueryClient): Snapshot {
  return [...qc.getQueriesData({ queryKey: ['tasks'] }), ...qc.getQueriesData({ queryKey: ['task'] })];
}
export function restore(qc: QueryClient, snap: Snapshot) {
  for (const [key, data] of snap) qc.setQueryData(key, data);
}
