'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SavedView, Task } from '@/lib/api/types';
import { buildQuery, EMPTY_FILTERS, SMART_LISTS, type Filters, type SmartList } from '@/lib/filters';
import { useDeleteTask, useDeleteView, useSaveView, useToggleComplete } from '@/lib/mutations';
import { useReminderAlerts } from '@/lib/notify';
import { useTags, useTask, useTaskList, useViews } from '@/lib/queries';
import { useFreshTasks, useRealtime } from '@/lib/realtime';
import { signOut, useSignedIn } from '@/lib/session';
import { useShortcuts } from '@/lib/shortcuts';
import { localTimeZone } from '@/lib/time';
import { listKey, parseViewState, useViewState, type ListRef } from '@/lib/url-state';
import { ConnectionIndicator } from './ConnectionIndicator';
import { FilterBar } from './FilterBar';
import { Filter, Keyboard, Menu } from './icons';
import { NotificationCenter } from './NotificationCenter';
import { ChatPanel } from './ChatPanel';
import { Preferences } from './Preferences';
import { YourData } from './YourData';
import { QuickAdd, type QuickAddHandle } from './QuickAdd';
import { SearchBox } from './SearchBox';
import { Sidebar } from './Sidebar';
import { TaskList } from './TaskList';
import { ThemeToggle } from './ThemeToggle';

// Loaded after the list: the editor when a task opens, the help when asked for.
const loadTaskPanel = () => import('./task-panel/TaskPanel').then((m) => ({ default: m.TaskPanel }));
const TaskPanel = lazy(loadTaskPanel);
const HelpDialog = lazy(() => import('./HelpDialog').then((m) => ({ default: m.HelpDialog })));

const EMPTY: Record<SmartList | 'view' | 'search', { title: string; body: string }> = {
  inbox: { title: 'Nothing on your plate', body: 'Press n and type something like “Call mom tomorrow 6pm”.' },
  today: { title: 'All clear for today', body: 'Nothing due today or overdue. Enjoy it.' },
  upcoming: { title: 'No upcoming tasks', body: 'Tasks with a future due date show up here.' },
  overdue: { title: 'Nothing overdue', body: 'You are on top of things.' },
  completed: { title: 'Nothing completed yet', body: 'Completed tasks are kept here.' },
  view: { title: 'No tasks match this view', body: 'Change the filters or add a task.' },
  search: { title: 'No matches', body: 'Try another word, or clear the filters.' },
};

export function LoadingScreen() {
  return (
    <div className="flex h-dvh items-center justify-center text-sm text-zinc-600 dark:text-zinc-400" role="status">
      Loading Kairos…
    </div>
  );
}

/**
 * The list page. What it shows — list or saved view, filters, search, the open task — is
 * the URL (`lib/url-state.ts`); what it reads and changes are the hooks in `lib/queries.ts`
 * and `lib/mutations.ts`; the keyboard is `lib/shortcuts.ts`.
 */
export function TasksApp() {
  const router = useRouter();
  const qc = useQueryClient();
  const session = useSignedIn();
  const authed = !!session.data;
  const [view, navigate] = useViewState();

  const [timeZone, setTimeZone] = useState('UTC');
  useEffect(() => setTimeZone(localTimeZone()), []);
  const [selectedId, setSelectedId] = useState<number | null>(view.task);
  const [focusTick, setFocusTick] = useState(0);
  const [helpOpen, setHelpOpen] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const quickAdd = useRef<QuickAddHandle>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  // The list: a smart list, or a saved view once the views are known.
  const viewsQ = useViews(authed);
  const savedView = typeof view.list === 'object' ? viewsQ.data?.find((v) => v.id === (view.list as { view: number }).view) : undefined;
  const list: SmartList | SavedView | null = typeof view.list === 'string' ? view.list : (savedView ?? null);
  useEffect(() => {
    if (typeof view.list === 'object' && viewsQ.data && !savedView) navigate({ list: 'inbox' }, 'replace');
  }, [view.list, viewsQ.data, savedView, navigate]);
  const query = useMemo(() => (list ? buildQuery(list, view.filters, view.q) : {}), [list, view.filters, view.q]);
  const tasksQ = useTaskList(query, authed && list !== null);
  const tasks = tasksQ.tasks;
  const tagsQ = useTags(authed);
  const tagNames = useMemo(() => (tagsQ.data ?? []).map((t) => t.tag), [tagsQ.data]);

  // The open task. Opening one adds a history entry (back closes it); closing goes back
  // to that entry's predecessor when this page added it, else changes the URL in place.
  const pushedTask = useRef(false);
  const go = useCallback<typeof navigate>(
    (change, how = 'push') => {
      if (how === 'push') pushedTask.current = false;
      navigate(change, how);
    },
    [navigate],
  );
  const openTask = useCallback(
    (id: number) => {
      setSelectedId(id);
      const open = parseViewState(new URLSearchParams(location.search)).task !== null;
      go({ task: id }, open ? 'replace' : 'push');
      if (!open) pushedTask.current = true;
    },
    [go],
  );
  const closeTask = useCallback(() => {
    if (pushedTask.current) {
      pushedTask.current = false;
      history.back();
    } else go({ task: null }, 'replace');
  }, [go]);
  const editQ = useTask(view.task, authed);
  useEffect(() => {
    if (editQ.isError) closeTask();
  }, [editQ.isError, closeTask]);

  const selectList = useCallback(
    (l: ListRef) => {
      go({ list: l, filters: EMPTY_FILTERS });
      setSelectedId(null);
      setMenuOpen(false);
    },
    [go],
  );
  const setFilters = useCallback((filters: Filters) => go({ filters }), [go]);
  const saveView = useSaveView((v) => go({ list: { view: v.id }, filters: EMPTY_FILTERS, q: '' }));
  const deleteView = useDeleteView((v) => {
    if (typeof view.list === 'object' && view.list.view === v.id) go({ list: 'inbox' }, 'replace');
  });

  const toggle = useToggleComplete();
  const del = useDeleteTask();
  const onToggle = useCallback((t: Task) => toggle.mutate(t), [toggle]);
  const onOpen = useCallback((t: Task) => openTask(t.id), [openTask]);

  const onNotification = useReminderAlerts(openTask);
  const [fresh, onTaskEvent] = useFreshTasks();
  const conn = useRealtime({
    enabled: authed,
    onNotification,
    onTaskEvent,
    onUnauthorized: () => router.replace('/sign-in?expired=1'),
  });

  useShortcuts(
    { tasks, selectedId, editingId: view.task, helpOpen },
    {
      focusQuickAdd: () => quickAdd.current?.focus(),
      focusSearch: () => searchRef.current?.focus(),
      select: (id, focus) => {
        setSelectedId(id);
        if (focus) setFocusTick((x) => x + 1);
      },
      toggle: (t) => toggle.mutate(t),
      edit: openTask,
      closeEditor: closeTask,
      remove: del,
      help: () => setHelpOpen(true),
      list: selectList,
    },
  );
  // The editor's code is fetched while the list is idle, so opening a task does not wait for it.
  useEffect(() => {
    if (authed) void loadTaskPanel();
  }, [authed]);

  const closeEditor = useCallback(() => {
    const id = view.task;
    closeTask();
    if (id !== null) {
      setSelectedId(id);
      setFocusTick((x) => x + 1);
    }
  }, [view.task, closeTask]);

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
  if (session.isPending || !authed) return <LoadingScreen />;

  const title = typeof view.list === 'string' ? SMART_LISTS.find((l) => l.id === view.list)!.label : (savedView?.name ?? 'Saved view');
  const emptyKey = view.q ? 'search' : typeof view.list === 'string' ? view.list : 'view';
  const editing = view.task !== null ? editQ.data : undefined;

  return (
    <div className="flex h-dvh overflow-hidden">
      <a
        href="#quick-add"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-zinc-900"
      >
        Skip to quick add
      </a>
      <Sidebar
        active={listKey(view.list)}
        onList={selectList}
        views={viewsQ.data ?? []}
        onView={(v) => selectList({ view: v.id })}
        onDeleteView={(v) => deleteView.mutate(v)}
        tags={tagsQ.data ?? []}
        activeTags={view.filters.tags}
        onTag={(t) => {
          const f = view.filters;
          setFilters({ ...f, tags: f.tags.includes(t) ? f.tags.filter((x) => x !== t) : [...f.tags, t] });
        }}
        open={menuOpen}
        onClose={() => setMenuOpen(false)}
        counts={authed}
        footer={
          <>
            <Preferences />
            <YourData />
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
          <SearchBox
            ref={searchRef}
            value={view.q}
            // the first letter starts a new history entry; the rest of the word refines it
            onSearch={(q) => go({ q }, view.q ? 'replace' : 'push')}
            onSubmit={() => {
              if (tasks[0]) {
                setSelectedId(tasks[0].id);
                setFocusTick((x) => x + 1);
              }
            }}
          />
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
          <ChatPanel enabled={authed} onOpenTask={openTask} />
          <NotificationCenter enabled={authed} onOpenTask={openTask} />
          <ThemeToggle />
          <button
            type="button"
            aria-label="Keyboard shortcuts"
            aria-keyshortcuts="?"
            title="Keyboard shortcuts (?)"
            onClick={() => setHelpOpen(true)}
            className="hidden rounded-md p-2 hover:bg-zinc-100 sm:block dark:hover:bg-zinc-800"
          >
            <Keyboard className="h-5 w-5" />
          </button>
        </header>
        <QuickAdd ref={quickAdd} timeZone={timeZone} onCreated={(id) => setSelectedId(id)} />
        <div className={filtersOpen ? '' : 'hidden md:block'}>
          <FilterBar
            filters={view.filters}
            onChange={setFilters}
            tags={tagNames}
            onSaveView={(name) => {
              const { due_from: _f, due_to: _t, ...rest } = query;
              const relative = view.filters.due === 'today' || view.filters.due === 'week' || typeof list === 'string';
              // "today" and "this week" are saved as such, not as the dates they are now
              saveView.mutate({ name, query: relative ? rest : query });
            }}
            count={tasksQ.data ? tasks.length : null}
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
          <kbd>n</kbd> new · <kbd>/</kbd> search · <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> complete · <kbd>e</kbd> edit · <kbd>1</kbd>
          –<kbd>5</kbd> lists · <kbd>?</kbd> help
        </p>
      </main>
      <Suspense>
        {editing && <TaskPanel key={editing.id} task={editing} onClose={closeEditor} tagOptions={tagNames} />}
        {helpOpen && <HelpDialog open onClose={() => setHelpOpen(false)} />}
      </Suspense>
    </div>
  );
}
