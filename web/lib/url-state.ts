'use client';
/**
 * The list page's view lives in the URL, so a link shows the same view, the back button
 * steps through views and a reload keeps the view:
 *
 *   ?list=today                       a smart list (the inbox, "All tasks", has no parameter)
 *   ?view=12                          a saved view
 *   &status=completed&priority=high,low&tags=home&due=week&sort=title&order=desc
 *   &q=milk                           the search
 *   &task=42                          the task open in the editor
 *
 * Values that do not parse are ignored. Changes go through the History API, which the
 * App Router follows (`useSearchParams` sees them), so nothing is fetched from the server.
 */
import { useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { DUE_FILTERS, PRIORITIES, SMART_LISTS, SORTS, STATUSES, type Filters, type SmartList } from './filters';

export type ListRef = SmartList | { view: number };

export interface ViewState {
  list: ListRef;
  filters: Filters;
  q: string;
  task: number | null;
}

const SMART_IDS = SMART_LISTS.map((l) => l.id);
const oneOf = <T extends string>(values: readonly T[], v: string | null): T | undefined =>
  v !== null && (values as readonly string[]).includes(v) ? (v as T) : undefined;
const id = (v: string | null): number | null => (v && /^\d{1,10}$/.test(v) && Number(v) > 0 ? Number(v) : null);
const csv = <T extends string>(v: string | null, allowed?: readonly T[]): T[] => {
  const items = (v ?? '').split(',').filter(Boolean);
  return [...new Set(allowed ? items.filter((x) => (allowed as readonly string[]).includes(x)) : items)] as T[];
};

export function parseViewState(sp: URLSearchParams): ViewState {
  const view = id(sp.get('view'));
  return {
    list: view !== null ? { view } : (oneOf(SMART_IDS, sp.get('list')) ?? 'inbox'),
    filters: {
      status: oneOf(STATUSES, sp.get('status')) ?? '',
      priority: csv(sp.get('priority'), PRIORITIES),
      tags: csv(sp.get('tags')),
      due: oneOf(DUE_FILTERS, sp.get('due')) ?? '',
      sort: oneOf(SORTS, sp.get('sort')) ?? '',
      order: oneOf(['asc', 'desc'] as const, sp.get('order')) ?? '',
    },
    q: sp.get('q') ?? '',
    task: id(sp.get('task')),
  };
}

/** The query string for a view state (`''` for the inbox with nothing else set). */
export function viewStateSearch(s: ViewState): string {
  const sp = new URLSearchParams();
  if (typeof s.list === 'object') sp.set('view', String(s.list.view));
  else if (s.list !== 'inbox') sp.set('list', s.list);
  const f = s.filters;
  if (f.status) sp.set('status', f.status);
  if (f.priority.length) sp.set('priority', f.priority.join(','));
  if (f.tags.length) sp.set('tags', f.tags.join(','));
  if (f.due) sp.set('due', f.due);
  if (f.sort) sp.set('sort', f.sort);
  if (f.order) sp.set('order', f.order);
  if (s.q) sp.set('q', s.q);
  if (s.task !== null) sp.set('task', String(s.task));
  const out = sp.toString().replace(/%2C/g, ',');
  return out ? `?${out}` : '';
}

export const listKey = (l: ListRef) => (typeof l === 'string' ? l : `view:${l.view}`);

export type Navigate = (change: Partial<ViewState>, how?: 'push' | 'replace') => void;

/**
 * The view state from the URL, and `navigate` to change part of it: a new history entry
 * (`push`, the default) or the current one changed in place (`replace`).
 */
export function useViewState(): [ViewState, Navigate] {
  const sp = useSearchParams();
  const state = useMemo(() => parseViewState(new URLSearchParams(sp.toString())), [sp]);
  const navigate = useCallback<Navigate>((change, how = 'push') => {
    // From the location itself: two changes in one event both count.
    const next = { ...parseViewState(new URLSearchParams(location.search)), ...change };
    const search = viewStateSearch(next);
    if (search === location.search) return;
    const url = `${location.pathname}${search}${location.hash}`;
    if (how === 'push') window.history.pushState(null, '', url);
    else window.history.replaceState(null, '', url);
  }, []);
  return [state, navigate];
}
