'use client';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, setUnauthorizedHandler, toQueryString } from '@/lib/api';
import { signOut, useSession } from '@/lib/session';
import { findTask } from '@/lib/cache';
import { buildQuery, EMPTY_FILTERS, SMART_LISTS, type Filters, type SmartList } from '@/lib/filters';
import { useDeleteTask, useToggleComplete } from '@/lib/mutations';
import { showBrowserNotification } from '@/lib/notify';
import { useRealtime, type ConnectionState } from '@/lib/realtime';
import { localTimeZone } from '@/lib/time';
import { toast } from '@/lib/toast';
import type { AppNotification, SavedView, Task, TaskPage } from '@/lib/types';
import { FilterBar } from './FilterBar';
import { HelpDialog } from './HelpDialog';
import { Preferences } from './Preferences';
import { Filter, Keyboard, Menu, Moon, Search, Sun } from './icons';
import { NotificationCenter, type NotificationList } from './NotificationCenter';
import { QuickAdd, type QuickAddHandle } from './QuickAdd';
import { Sidebar } from './Sidebar';
import { TaskList } from './TaskList';
import { TaskPanel } from './TaskPanel';

const EMPTY: Record<SmartList | 'view' | 'search', { title: string; body: string }> = {
  inbox: { title: 'Nothing on your plate', body: 'Press n and type something like “Call mom tomorrow 6pm”.' },
  today: { title: 'All clear for today', body: 'Nothing due today or overdue. Enjoy it.' },
  upcoming: { title: 'No upcoming tasks', body: 'Tasks with a future due date show up here.' },
  overdue: { title: 'Nothing overdue', body: 'You are on top of things.' },
  completed: { title: 'Nothing completed yet', body: 'Completed tasks are kept here.' },
  view: { title: 'No tasks match this view', body: 'Change the filters or add a task.' },
  search: { title: 'No matches', body: 'Try another word, or clear the filters.' },
};

type Theme = 'light' | 'dark' | 'system';
function applyTheme(t: Theme) {
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
}

function isTyping(el: EventTarget | null) {
  const e = el as HTMLElement | null;
  if (!e || !e.tagName) return false;
  return e.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName);
}

export function TasksApp() {
  const router = useRouter();
  const qc = useQueryClient();
  const session = useSession();
  const authed = !!session.data;
  const expiredRef = useRef(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (expiredRef.current) return;
      expiredRef.current = true;
      qc.clear();
      router.replace(`/sign-in?expired=1&next=${encodeURIComponent(location.pathname)}`);
    });
  }, [qc, router]);
  useEffect(() => {
    if (session.isSuccess && !session.data && !expiredRef.current) router.replace('/sign-in');
  }, [session.isSuccess, session.data, router]);

  const [timeZone, setTimeZone] = useState('UTC');
  useEffect(() => setTimeZone(localTimeZone()), []);
  const [list, setList] = useState<SmartList | SavedView>('inbox');
  const [filters, setFilters] = useState<Filters>(EMPTY_FILTERS);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [focusTick, setFocusTick] = useState(0);
  const [editingId, setEditingId] = useState<number | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>('system');
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const quickAdd = useRef<QuickAddHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => setTheme((localStorage.getItem('kairos.theme') as Theme) || 'system'), []);
  useEffect(() => {
    const t = setTimeout(() => setQ(search), 200);
    return () => clearTimeout(t);
  }, [search]);

  const query = useMemo(() => buildQuery(list, filters, q), [list, filters, q]);
  const tasksQ = useInfiniteQuery({
    queryKey: ['tasks', query],
    queryFn: ({ pageParam, signal }) => api<TaskPage>(`/tasks${toQueryString({ ...query, limit: '100', cursor: pageParam })}`, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: authed,
    placeholderData: keepPreviousData,
  });
  const tasks = useMemo(() => {
    const seen = new Set<number>();
    const out: Task[] = [];
    for (const p of tasksQ.data?.pages ?? [])
      for (const t of p.items) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        out.push(t);
      }
    return out;
  }, [tasksQ.data]);

  const tagsQ = useQuery({
    queryKey: ['tags'],
    queryFn: () => api<{ items: { tag: string; count: number }[] }>('/tags'),
    enabled: authed,
  });
  const tagNames = useMemo(() => (tagsQ.data?.items ?? []).map((t) => t.tag), [tagsQ.data]);
  const viewsQ = useQuery({
    queryKey: ['views'],
    queryFn: async () => {
      const r = await api<{ items: SavedView[] } | SavedView[]>('/views');
      return Array.isArray(r) ? r : r.items;
    },
    enabled: authed,
  });
  const saveView = useMutation({
    mutationFn: (name: string) => {
      const { due_from: _f, due_to: _t, ...rest } = query;
      return api<SavedView>('/views', {
        method: 'POST',
        body: { name, query: filters.due === 'today' || filters.due === 'week' || typeof list === 'string' ? rest : query },
      });
    },
    onSuccess: (v) => {
      void qc.invalidateQueries({ queryKey: ['views'] });
      toast({ message: `Saved view “${v.name}”`, tone: 'success' });
      setList(v);
      setFilters(EMPTY_FILTERS);
      setSearch('');
    },
    onError: (e) => toast({ message: `Could not save the view: ${(e as Error).message}`, tone: 'error' }),
  });
  const deleteView = useMutation({
    mutationFn: (v: SavedView) => api(`/views/${v.id}`, { method: 'DELETE' }),
    onSuccess: (_r, v) => {
      void qc.invalidateQueries({ queryKey: ['views'] });
      if (typeof list !== 'string' && list.id === v.id) setList('inbox');
    },
  });

  const toggle = useToggleComplete();
  const del = useDeleteTask();
  const onToggle = useCallback((t: Task) => toggle.mutate(t), [toggle]);
  const onOpen = useCallback((t: Task) => {
    setSelectedId(t.id);
    setEditingId(t.id);
  }, []);

  const openTask = useCallback((id: number) => {
    setSelectedId(id);
    setEditingId(id);
  }, []);
  const editQ = useQuery({
    queryKey: ['task', editingId],
    queryFn: () => api<Task>(`/tasks/${editingId}`),
    enabled: authed && editingId !== null && editingId > 0,
    initialData: () => (editingId !== null ? findTask(qc, editingId) : undefined),
    staleTime: 5_000,
  });
  useEffect(() => {
    if (editQ.isError) setEditingId(null);
  }, [editQ.isError]);

  const onNotification = useCallback(
    (n: AppNotification) => {
      toast({ message: `Reminder: ${n.title}`, action: { label: 'Open', run: () => openTask(n.task_id) }, timeout: 10_000 });
      showBrowserNotification(n, () => openTask(n.task_id));
    },
    [openTask],
  );
  const onTaskEvent = useCallback((type: string, task: Task) => {
    if (type !== 'task.created') return;
    setFresh((s) => new Set(s).add(task.id));
    setTimeout(
      () =>
        setFresh((s) => {
          const n = new Set(s);
          n.delete(task.id);
          return n;
        }),
      2000,
    );
  }, []);
  const conn = useRealtime({
    enabled: authed,
    onNotification,
    onTaskEvent,
    onUnauthorized: () => router.replace('/sign-in?expired=1'),
  });

  // Reminders that arrive by polling (e.g. while the socket was down) are announced too.
  const knownNotifications = useRef<Set<string> | null>(null);
  const notifications = qc.getQueryData<NotificationList>(['notifications']);
  useEffect(() => {
    const unsub = qc.getQueryCache().subscribe((ev) => {
      if (ev.type !== 'updated' || ev.query.queryKey[0] !== 'notifications') return;
      const data = ev.query.state.data as NotificationList | undefined;
      if (!data) return;
      if (!knownNotifications.current) {
        knownNotifications.current = new Set(data.items.map((n) => String(n.id)));
        return;
      }
      for (const n of data.items) {
        if (knownNotifications.current.has(String(n.id))) continue;
        knownNotifications.current.add(String(n.id));
        if (!n.read_at && Date.now() - new Date(n.created_at).getTime() < 10 * 60_000)
          showBrowserNotification(n, () => openTask(n.task_id));
      }
    });
    return unsub;
  }, [qc, openTask, notifications]);

  const selectList = useCallback((l: SmartList | SavedView) => {
    setList(l);
    setFilters(EMPTY_FILTERS);
    setSelectedId(null);
    setMenuOpen(false);
  }, []);

  // Keyboard flow: n / j k x e ? and 1–5. Ignored while typing or inside a dialog.
  const state = useRef({ tasks, selectedId, editingId, helpOpen });
  state.current = { tasks, selectedId, editingId, helpOpen };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = state.current;
      if (s.helpOpen) return;
      if (isTyping(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      if ((e.target as HTMLElement).closest?.('[data-testid="task-panel"], #notification-panel, nav')) {
        if (!['j', 'k', 'n', '/', '?'].includes(e.key) || (e.target as HTMLElement).closest?.('[data-testid="task-panel"]')) return;
      }
      const idx = s.selectedId === null ? -1 : s.tasks.findIndex((t) => t.id === s.selectedId);
      const move = (d: number) => {
        if (!s.tasks.length) return;
        const next = idx < 0 ? (d > 0 ? 0 : s.tasks.length - 1) : Math.max(0, Math.min(s.tasks.length - 1, idx + d));
        setSelectedId(s.tasks[next]!.id);
        setFocusTick((x) => x + 1);
      };
      const sel = idx >= 0 ? s.tasks[idx] : undefined;
      switch (e.key) {
        case 'n':
          e.preventDefault();
          quickAdd.current?.focus();
          break;
        case '/':
          e.preventDefault();
          searchRef.current?.focus();
          break;
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          move(-1);
          break;
        case 'x':
          if (sel && sel.id > 0) {
            e.preventDefault();
            toggle.mutate(sel);
          }
          break;
        case 'e':
        case 'Enter':
          if (sel && sel.id > 0 && (e.key === 'e' || (e.target as HTMLElement).dataset?.taskId)) {
            e.preventDefault();
            setEditingId(sel.id);
          }
          break;
        case 'Delete':
        case '#':
          if (sel && sel.id > 0) {
            e.preventDefault();
            const nextSel = s.tasks[idx + 1] ?? s.tasks[idx - 1];
            del(sel);
            setSelectedId(nextSel?.id ?? null);
            if (s.editingId === sel.id) setEditingId(null);
          }
          break;
        case '?':
          e.preventDefault();
          setHelpOpen(true);
          break;
        case 'Escape':
          if (s.editingId !== null) setEditingId(null);
          else setSelectedId(null);
          break;
        default: {
          const l = SMART_LISTS.find((x) => x.key === e.key);
          if (l) {
            e.preventDefault();
            selectList(l.id);
          }
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggle, del, selectList]);

  const closeEditor = useCallback(() => {
    const id = editingId;
    setEditingId(null);
    if (id !== null) {
      setSelectedId(id);
      setFocusTick((x) => x + 1);
    }
  }, [editingId]);

  if (session.isError) {
    return (
      <div className="flex h-dvh flex-col items-center justify-center gap-3 text-sm" role="alert">
        <p>Could not reach Kairos. Check your connection.</p>
        <button
          type="button"
          onClick={() => void session.refetch()}
          className="rounded-md bg-accent-600 px-3 py-1.5 font-semibold text-white"
        >
          Try again
        </button>
      </div>
    );
  }
  if (session.isPending || !authed) {
    return (
      <div className="flex h-dvh items-center justify-center text-sm text-zinc-600 dark:text-zinc-400" role="status">
        Loading Kairos…
      </div>
    );
  }

  const listKey = typeof list === 'string' ? list : `view:${list.id}`;
  const title = typeof list === 'string' ? SMART_LISTS.find((l) => l.id === list)!.label : list.name;
  const emptyKey = q ? 'search' : typeof list === 'string' ? list : 'view';
  const editing = editingId !== null ? editQ.data : undefined;

  return (
    <div className="flex h-dvh overflow-hidden">
      <a
        href="#quick-add"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-zinc-900"
      >
        Skip to quick add
      </a>
      <Sidebar
        active={listKey}
        onList={selectList}
        views={viewsQ.data ?? []}
        onView={selectList}
        onDeleteView={(v) => deleteView.mutate(v)}
        tags={tagsQ.data?.items ?? []}
        activeTags={filters.tags}
        onTag={(t) => setFilters((f) => ({ ...f, tags: f.tags.includes(t) ? f.tags.filter((x) => x !== t) : [...f.tags, t] }))}
        open={menuOpen}
        onClose={() => setMenuOpen(false)}
        footer={
          <>
            <Preferences />
            <div className="flex items-center gap-2 text-sm">
              <span className="min-w-0 flex-1 truncate text-zinc-700 dark:text-zinc-300" title={session.data?.user.email}>
                {session.data?.user.name || session.data?.user.email}
              </span>
              {([false, true] as const).map((everywhere) => (
                <button
                  key={String(everywhere)}
                  type="button"
                  title={everywhere ? 'Sign out on every device and browser' : undefined}
                  aria-label={everywhere ? 'Sign out everywhere' : undefined}
                  onClick={async () => {
                    await signOut({ everywhere });
                    qc.clear();
                    router.replace('/sign-in');
                  }}
                  className="rounded-md px-2 py-1 text-xs font-medium hover:bg-zinc-200 dark:hover:bg-zinc-800"
                >
                  {everywhere ? 'Everywhere' : 'Sign out'}
                </button>
              ))}
            </div>
          </>
        }
      />
      <main className="flex min-w-0 flex-1 flex-col" aria-label={title}>
        <header className="flex items-center gap-1.5 border-b border-zinc-200 px-2 py-2 sm:gap-2 sm:px-4 dark:border-zinc-800">
          <button
            type="button"
            aria-label="Open menu"
            onClick={() => setMenuOpen(true)}
            className="rounded-md p-2 hover:bg-zinc-100 md:hidden dark:hover:bg-zinc-800"
          >
            <Menu className="h-5 w-5" />
          </button>
          <h1 className="truncate text-base font-semibold sm:text-lg">{title}</h1>
          <div className="relative ml-auto min-w-0 flex-1 sm:max-w-xs">
            <Search className="pointer-events-none absolute left-2.5 top-1/2 h-4 w-4 -translate-y-1/2 text-zinc-500" />
            <label htmlFor="search" className="sr-only">
              Search tasks
            </label>
            <input
              ref={searchRef}
              id="search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setSearch('');
                  e.currentTarget.blur();
                } else if (e.key === 'Enter' || e.key === 'ArrowDown') {
                  e.preventDefault();
                  setQ(search);
                  e.currentTarget.blur();
                  if (tasks[0]) {
                    setSelectedId(tasks[0].id);
                    setFocusTick((x) => x + 1);
                  }
                }
              }}
              placeholder="Search"
              className="w-full rounded-md border border-zinc-300 bg-white py-1.5 pl-8 pr-2 text-sm outline-none focus:border-accent-500 focus:ring-2 focus:ring-accent-500/30 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </div>
          <ConnectionIndicator state={conn} />
          <button
            type="button"
            aria-label="Filters"
            aria-expanded={filtersOpen}
            onClick={() => setFiltersOpen((o) => !o)}
            className="rounded-md p-2 hover:bg-zinc-100 md:hidden dark:hover:bg-zinc-800"
          >
            <Filter className="h-5 w-5" />
          </button>
          <NotificationCenter enabled={authed} onOpenTask={openTask} />
          <button
            type="button"
            aria-label={`Theme: ${theme}. Switch theme`}
            title={`Theme: ${theme}`}
            onClick={() => {
              const next: Theme = theme === 'system' ? 'dark' : theme === 'dark' ? 'light' : 'system';
              setTheme(next);
              localStorage.setItem('kairos.theme', next);
              applyTheme(next);
            }}
            className="rounded-md p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            {theme === 'light' ? <Sun className="h-5 w-5" /> : <Moon className="h-5 w-5" />}
          </button>
          <button
            type="button"
            aria-label="Keyboard shortcuts"
            onClick={() => setHelpOpen(true)}
            className="hidden rounded-md p-2 hover:bg-zinc-100 sm:block dark:hover:bg-zinc-800"
          >
            <Keyboard className="h-5 w-5" />
          </button>
        </header>
        <QuickAdd ref={quickAdd} timeZone={timeZone} onCreated={(id) => setSelectedId(id)} />
        <div className={filtersOpen ? '' : 'hidden md:block'}>
          <FilterBar
            filters={filters}
            onChange={setFilters}
            tags={tagNames}
            onSaveView={(name) => saveView.mutate(name)}
            count={tasksQ.data ? tasks.length + (tasksQ.hasNextPage ? 0 : 0) : null}
          />
        </div>
        {tasksQ.isPending ? (
          <div className="flex-1 space-y-3 px-5 py-4" role="status" aria-label="Loading tasks">
            {Array.from({ length: 6 }, (_, i) => (
              <div key={i} className="flex animate-pulse items-center gap-3">
                <div className="h-5 w-5 rounded-full bg-zinc-200 dark:bg-zinc-800" />
                <div className="h-4 rounded bg-zinc-200 dark:bg-zinc-800" style={{ width: `${40 + ((i * 37) % 45)}%` }} />
              </div>
            ))}
          </div>
        ) : tasksQ.isError && !tasks.length ? (
          <div className="flex flex-1 flex-col items-center justify-center gap-3 px-6 text-center" role="alert">
            <p className="font-medium">Could not load your tasks.</p>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">{(tasksQ.error as Error).message}</p>
            <button
              type="button"
              onClick={() => void tasksQ.refetch()}
              className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-semibold text-white"
            >
              Try again
            </button>
          </div>
        ) : tasks.length === 0 ? (
          <div className="flex flex-1 flex-col items-center justify-center gap-2 px-6 text-center" data-testid="empty-state">
            <p className="text-lg font-semibold">{EMPTY[emptyKey].title}</p>
            <p className="max-w-sm text-sm text-zinc-600 dark:text-zinc-400">{EMPTY[emptyKey].body}</p>
          </div>
        ) : (
          <TaskList
            label={`${title} tasks`}
            tasks={tasks}
            selectedId={selectedId}
            fresh={fresh}
            hasMore={!!tasksQ.hasNextPage}
            loadingMore={tasksQ.isFetchingNextPage}
            loadMore={() => void tasksQ.fetchNextPage()}
            onToggle={onToggle}
            onOpen={onOpen}
            onSelect={setSelectedId}
            focusSelected={focusTick}
          />
        )}
        <p className="hidden border-t border-zinc-200 px-5 py-1.5 text-[11px] text-zinc-600 dark:text-zinc-400 md:block dark:border-zinc-800">
          <kbd>n</kbd> new · <kbd>/</kbd> search · <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> complete · <kbd>e</kbd> edit · <kbd>?</kbd>{' '}
          help
        </p>
      </main>
      {editing && <TaskPanel key={editing.id} task={editing} onClose={closeEditor} tagOptions={tagNames} />}
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}

function ConnectionIndicator({ state }: { state: ConnectionState }) {
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Offline';
  const color = state === 'live' ? 'bg-green-500' : state === 'connecting' ? 'bg-amber-500' : 'bg-red-500';
  return (
    <span
      role="status"
      data-testid="connection"
      data-state={state}
      title={
        state === 'live'
          ? 'Changes sync in real time'
          : state === 'connecting'
            ? 'Connecting to live updates'
            : 'Offline — changes will sync when reconnected'
      }
      className="inline-flex shrink-0 items-center gap-1.5 rounded-full px-2 py-1 text-xs text-zinc-600 dark:text-zinc-400"
    >
      <span aria-hidden className={`h-2 w-2 rounded-full ${color}`} />
      <span className="hidden lg:inline">{label}</span>
      <span className="sr-only lg:hidden">{`Connection: ${label}`}</span>
    </span>
  );
}
