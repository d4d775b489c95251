'use client';
/**
 * What the list page reads from the API, one hook per resource. Query keys:
 * `['tasks', query]` (a list, pages of 100), `['task', id]`, `['tags']`, `['views']`,
 * `['history', id]`, `['notifications']`, `['preferences']`. `cache.ts` patches the
 * task lists in place; `realtime.ts` invalidates them.
 */
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { client, ok } from './api/client';
import type { Priority, Task, TaskQuery } from './api/types';
import { findTask } from './cache';
import { smartQuery, type SmartList } from './filters';

const PAGE_SIZE = 100;

function fetchTaskPage(query: TaskQuery, cursor: string | null, signal: AbortSignal) {
  const { priority, tags, ...rest } = query;
  return ok(
    client.GET('/api/v1/tasks', {
      params: {
        query: {
          ...rest,
          ...(priority ? { priority: priority.split(',') as Priority[] } : {}),
          ...(tags ? { tags: tags.split(',') } : {}),
          limit: PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        },
      },
      signal,
    }),
  );
}

function taskListOptions(query: TaskQuery, enabled: boolean) {
  return {
    queryKey: ['tasks', query],
    queryFn: ({ pageParam, signal }: { pageParam: string | null; signal: AbortSignal }) => fetchTaskPage(query, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: { next_cursor: string | null }) => last.next_cursor,
    enabled,
  };
}

/** A task list, loaded a page at a time; `tasks` is every loaded page's items, each task once. */
export function useTaskList(query: TaskQuery, enabled: boolean) {
  const q = useInfiniteQuery({ ...taskListOptions(query, enabled), placeholderData: keepPreviousData });
  const tasks = useMemo(() => {
    const seen = new Set<number>();
    const out: Task[] = [];
    for (const p of q.data?.pages ?? [])
      for (const t of p.items) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        out.push(t);
      }
    return out;
  }, [q.data]);
  return { ...q, tasks };
}

/**
 * How many tasks a smart list holds, as loaded (its first page shares the cache entry the
 * list itself uses): a number, `99+`, or null while unknown.
 */
export function useListCount(list: SmartList, enabled: boolean): string | null {
  const query = useMemo(() => smartQuery(list), [list]);
  const q = useInfiniteQuery(taskListOptions(query, enabled));
  if (!q.data) return null;
  const n = q.data.pages.reduce((sum, p) => sum + p.items.length, 0);
  return n > 99 || q.hasNextPage ? '99+' : String(n);
}

export function useTask(id: number | null, enabled: boolean) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: ['task', id],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/tasks/{id}', { params: { path: { id: id! } }, signal })),
    enabled: enabled && id !== null && id > 0,
    initialData: () => (id !== null ? findTask(qc, id) : undefined),
    staleTime: 5_000,
  });
}

export function useTags(enabled: boolean) {
  return useQuery({
    queryKey: ['tags'],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/tags', { signal })).then((r) => r.items),
    enabled,
  });
}

export function useViews(enabled: boolean) {
  return useQuery({
    queryKey: ['views'],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/views', { signal })).then((r) => r.items),
    enabled,
  });
}

export function useHistory(taskId: number) {
  return useQuery({
    queryKey: ['history', taskId],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/tasks/{id}/history', { params: { path: { id: taskId } }, signal })),
  });
}

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/notifications', { signal })),
    enabled,
    refetchInterval: 60_000,
  });
}

export function usePreferences() {
  return useQuery({
    queryKey: ['preferences'],
    queryFn: ({ signal }) => ok(client.GET('/api/v1/me/preferences', { signal })),
  });
}

/** The quick-add line as the API reads it (nothing is stored). */
export function parseQuickAdd(text: string, timeZone: string, signal: AbortSignal) {
  return ok(client.POST('/api/v1/parse', { body: { text, time_zone: timeZone }, signal }));
}
