'use client';
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, client, ok } from './api/client';
import type { NotificationList, ParseResult, Preferences, SavedView, Task, TaskPatch, TaskQuery } from './api/types';
import { findTask, removeTask, replaceTempTask, restore, snapshot, upsertTask } from './cache';
import { toast } from './toast';

let tempSeq = -1;

/**
 * Every mutation that writes a task carries this key. A list refetch that answers while
 * one is in flight would replace the cached list without that write (an added task
 * vanishes until its answer arrives), so lists are refetched only once the last of
 * them has settled.
 */
export const TASK_WRITE = ['task-write'] as const;

/** Task writes in flight, not counting one that is settling (it still counts as pending in its onSettled). */
export function taskWritesInFlight(qc: QueryClient, settling = false): number {
  return qc.isMutating({ mutationKey: TASK_WRITE }) - (settling ? 1 : 0);
}

/** Refetches the task lists unless another task write is in flight (it refetches when it settles). */
function refetchTasksWhenIdle(qc: QueryClient, opts: { settling: boolean; tags?: boolean }) {
  if (taskWritesInFlight(qc, opts.settling) > 0) return;
  void qc.invalidateQueries({ queryKey: ['tasks'] });
  if (opts.tags) void qc.invalidateQueries({ queryKey: ['tags'] });
}

export function errMessage(err: unknown) {
  return err instanceof ApiError ? err.message : 'Something went wrong';
}

export function useCreateTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: TASK_WRITE,
    mutationFn: (vars: { text: string; time_zone: string; preview: ParseResult | null }) =>
      ok(client.POST('/api/v1/tasks', { body: { text: vars.text, time_zone: vars.time_zone } })),
    onMutate: async (vars) => {
      await qc.cancelQueries({ queryKey: ['tasks'] });
      const snap = snapshot(qc);
      const now = new Date().toISOString();
      const p = vars.preview;
      const temp: Task = {
        id: tempSeq--,
        user_id: '',
        title: p?.title || vars.text,
        description: '',
        completed: false,
        completed_at: null,
        priority: p?.priority ?? 'none',
        tags: p?.tags ?? [],
        due_at: p?.due_at ?? null,
        time_zone: vars.time_zone,
        reminders: p?.reminders ?? [],
        recurrence: p?.recurrence ?? null,
        series_id: null,
        occurrence: 1,
        created_at: now,
        updated_at: now,
        version: 0,
      };
      upsertTask(qc, temp, { insert: true });
      return { snap, tempId: temp.id };
    },
    onSuccess: (task, _v, ctx) => {
      if (ctx) replaceTempTask(qc, ctx.tempId, task);
      upsertTask(qc, task, { insert: true });
    },
    onError: (_err, _v, ctx) => {
      if (ctx) restore(qc, ctx.snap);
    },
    onSettled: () => refetchTasksWhenIdle(qc, { settling: true, tags: true }),
  });
}

export function useToggleComplete() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: TASK_WRITE,
    mutationFn: (task: Task) =>
      ok(
        client.POST(task.completed ? '/api/v1/tasks/{id}/reopen' : '/api/v1/tasks/{id}/complete', {
          params: { path: { id: task.id } },
          body: {},
        }),
      ),
    onMutate: async (task) => {
      await qc.cancelQueries({ queryKey: ['tasks'] });
      const snap = snapshot(qc);
      upsertTask(qc, { ...task, completed: !task.completed, completed_at: task.completed ? null : new Date().toISOString() });
      return { snap };
    },
    onSuccess: (task, prev) => {
      upsertTask(qc, task);
      if (task.completed && prev.recurrence)
        toast({ message: `Completed “${task.title}”. The next occurrence is on its way.`, tone: 'success' });
    },
    onError: (err, _t, ctx) => {
      if (ctx) restore(qc, ctx.snap);
      toast({ message: `Could not update the task: ${errMessage(err)}`, tone: 'error' });
    },
    onSettled: () => {
      // Let the strike-through be seen before the row leaves a "pending" list.
      setTimeout(() => refetchTasksWhenIdle(qc, { settling: false }), 700);
    },
  });
}

export function useUpdateTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: TASK_WRITE,
    mutationFn: ({ id, patch, version }: { id: number; patch: TaskPatch; version: number }) =>
      ok(client.PATCH('/api/v1/tasks/{id}', { params: { path: { id } }, body: patch, headers: { 'if-match': `"${version}"` } })),
    onMutate: async ({ id, patch }) => {
      await qc.cancelQueries({ queryKey: ['tasks'] });
      const snap = snapshot(qc);
      const cur = findTask(qc, id);
      if (cur) upsertTask(qc, { ...cur, ...patch } as Task);
      return { snap };
    },
    onSuccess: (task) => upsertTask(qc, task),
    onError: (err, { id }, ctx) => {
      if (ctx) restore(qc, ctx.snap);
      if (err instanceof ApiError && (err.status === 409 || err.status === 412)) {
        toast({ message: 'This task changed elsewhere; the latest version is loaded.', tone: 'error' });
        void qc.invalidateQueries({ queryKey: ['task', id] });
      }
    },
    onSettled: () => refetchTasksWhenIdle(qc, { settling: true, tags: true }),
  });
}

const pendingDeletes = new Map<number, { timer: ReturnType<typeof setTimeout>; run: () => void }>();

/** Flush deletes that are waiting for their undo window when the page goes away. */
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => {
    for (const [id, p] of pendingDeletes) {
      clearTimeout(p.timer);
      void ok(client.DELETE('/api/v1/tasks/{id}', { params: { path: { id } }, keepalive: true })).catch(() => {});
    }
    pendingDeletes.clear();
  });
}

/** Delete with an undo window: the row disappears at once, the request goes out after 5 s. */
export function useDeleteTask() {
  const qc = useQueryClient();
  return (task: Task) => {
    const snap = snapshot(qc);
    removeTask(qc, task.id);
    const run = () => {
      pendingDeletes.delete(task.id);
      ok(client.DELETE('/api/v1/tasks/{id}', { params: { path: { id: task.id } } }))
        .then(() => {
          qc.removeQueries({ queryKey: ['task', task.id] });
          void qc.invalidateQueries({ queryKey: ['tags'] });
        })
        .catch((err) => {
          if (err instanceof ApiError && err.status === 404) return;
          restore(qc, snap);
          toast({ message: `Could not delete “${task.title}”: ${errMessage(err)}`, tone: 'error' });
        });
    };
    const timer = setTimeout(run, 5000);
    pendingDeletes.set(task.id, { timer, run });
    toast({
      message: `Deleted “${task.title}”`,
      timeout: 5000,
      action: {
        label: 'Undo',
        run: () => {
          const p = pendingDeletes.get(task.id);
          if (!p) return;
          clearTimeout(p.timer);
          pendingDeletes.delete(task.id);
          restore(qc, snap);
        },
      },
    });
  };
}

/** Saves the list as a named view. */
export function useSaveView(onSaved: (v: SavedView) => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string; query: TaskQuery }) => ok(client.POST('/api/v1/views', { body: v })),
    onSuccess: (v) => {
      void qc.invalidateQueries({ queryKey: ['views'] });
      toast({ message: `Saved view “${v.name}”`, tone: 'success' });
      onSaved(v);
    },
    onError: (e) => toast({ message: `Could not save the view: ${(e as Error).message}`, tone: 'error' }),
  });
}

export function useDeleteView(onDeleted: (v: SavedView) => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: SavedView) => ok(client.DELETE('/api/v1/views/{id}', { params: { path: { id: v.id } } })),
    onSuccess: (_r, v) => {
      void qc.invalidateQueries({ queryKey: ['views'] });
      onDeleted(v);
    },
  });
}

/** Saves preferences one request at a time, in order: the last choice is the one that stays. */
export function useSavePreferences(settled: (sent: Preferences) => void) {
  const qc = useQueryClient();
  return useMutation({
    scope: { id: 'preferences' },
    mutationFn: (p: Preferences) => ok(client.PUT('/api/v1/me/preferences', { body: p })),
    onSuccess: (saved, sent) => {
      qc.setQueryData(['preferences'], saved);
      settled(sent);
    },
    onError: (err, sent) => {
      settled(sent);
      toast({ message: `Could not save your preferences: ${errMessage(err)}`, tone: 'error' });
    },
  });
}

/** Marks one notification (or all) read, at once in the cache. */
export function useMarkNotificationsRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number | 'all') =>
      ok(
        id === 'all'
          ? client.POST('/api/v1/notifications/read-all')
          : client.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } }),
      ),
    onMutate: (id) => {
      qc.setQueryData<NotificationList>(['notifications'], (old) => {
        if (!old) return old;
        const now = new Date().toISOString();
        const items = old.items.map((n) => (id === 'all' || n.id === id ? { ...n, read_at: n.read_at ?? now } : n));
        return { items, unread_count: items.filter((n) => !n.read_at).length };
      });
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['notifications'] }),
  });
}
