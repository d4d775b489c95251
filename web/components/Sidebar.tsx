'use client';
import type { SavedView, TagCount } from '@/lib/api/types';
import type { SmartList } from '@/lib/filters';
import { SMART_LISTS } from '@/lib/filters';
import { useListCount } from '@/lib/queries';
import { Calendar, Clock, Filter, Logo, Check, Tag, X } from './icons';

const LIST_ICON: Record<SmartList, React.ReactNode> = {
  inbox: <Logo className="h-4 w-4" />,
  today: <Calendar className="h-4 w-4" />,
  upcoming: <Clock className="h-4 w-4" />,
  overdue: <Clock className="h-4 w-4 text-red-600 dark:text-red-400" />,
  completed: <Check className="h-4 w-4" />,
};

export function Sidebar(props: {
  active: SmartList | string;
  onList: (l: SmartList) => void;
  views: SavedView[];
  onView: (v: SavedView) => void;
  onDeleteView: (v: SavedView) => void;
  tags: TagCount[];
  activeTags: string[];
  onTag: (t: string) => void;
  open: boolean;
  onClose: () => void;
  footer: React.ReactNode;
  /** Whether to load and show how many tasks each list holds. */
  counts: boolean;
}) {
  const item = (active: boolean) =>
    `flex w-full items-center gap-2.5 rounded-md px-2.5 py-1.5 text-left text-sm ${
      active
        ? 'bg-zinc-200/80 font-semibold dark:bg-zinc-800'
        : 'text-zinc-700 hover:bg-zinc-200/50 dark:text-zinc-300 dark:hover:bg-zinc-800/60'
    }`;
  return (
    <>
      {props.open && <div className="fixed inset-0 z-30 bg-black/40 md:hidden" onClick={props.onClose} aria-hidden />}
      <nav
        aria-label="Lists"
        className={`fixed inset-y-0 left-0 z-40 flex w-64 flex-col border-r border-zinc-200 bg-zinc-50 transition-transform md:static md:z-auto md:w-56 md:translate-x-0 lg:w-60 dark:border-zinc-800 dark:bg-zinc-900 ${
          props.open ? 'translate-x-0' : '-translate-x-full'
        }`}
      >
        <div className="flex items-center gap-2 px-4 py-3.5 font-semibold">
          <Logo className="h-6 w-6 text-accent-600 dark:text-accent-400" />
          Kairos
          <button type="button" aria-label="Close menu" onClick={props.onClose} className="ml-auto rounded p-1 md:hidden">
            <X className="h-4 w-4" />
          </button>
        </div>
        <div className="flex-1 space-y-5 overflow-y-auto px-2 pb-4">
          <ul className="space-y-0.5">
            {SMART_LISTS.map((l) => (
              <li key={l.id}>
                <SmartListButton
                  list={l}
                  active={props.active === l.id}
                  counted={props.counts}
                  onClick={() => props.onList(l.id)}
                  className={item}
                />
              </li>
            ))}
          </ul>
          <div>
            <h2 className="px-2.5 pb-1 text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">Saved views</h2>
            {props.views.length === 0 ? (
              <p className="px-2.5 text-xs text-zinc-600 dark:text-zinc-400">Filter the list, then “Save view”.</p>
            ) : (
              <ul className="space-y-0.5">
                {props.views.map((v) => (
                  <li key={String(v.id)} className="group flex items-center">
                    <button
                      type="button"
                      aria-current={props.active === `view:${v.id}` ? 'page' : undefined}
                      onClick={() => props.onView(v)}
                      className={item(props.active === `view:${v.id}`)}
                    >
                      <Filter className="h-4 w-4" />
                      <span className="truncate">{v.name}</span>
                    </button>
                    <button
                      type="button"
                      aria-label={`Delete view ${v.name}`}
                      onClick={() => props.onDeleteView(v)}
                      className="rounded p-1 text-zinc-600 dark:text-zinc-400 opacity-0 hover:text-red-600 focus:opacity-100 group-hover:opacity-100"
                    >
                      <X className="h-3.5 w-3.5" />
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
          {props.tags.length > 0 && (
            <div>
              <h2 className="px-2.5 pb-1 text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">Tags</h2>
              <ul className="space-y-0.5">
                {props.tags.slice(0, 30).map((t) => (
                  <li key={t.tag}>
                    <button
                      type="button"
                      aria-pressed={props.activeTags.includes(t.tag)}
                      onClick={() => props.onTag(t.tag)}
                      className={item(props.activeTags.includes(t.tag))}
                    >
                      <Tag className="h-4 w-4" />
                      <span className="flex-1 truncate">{t.tag}</span>
                      <span className="text-xs text-zinc-600 dark:text-zinc-400">{t.count}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div className="border-t border-zinc-200 px-3 py-3 dark:border-zinc-800">{props.footer}</div>
      </nav>
    </>
  );
}

/**
 * A smart list with how many open tasks it holds (not shown while unknown or none; not for
 * completed tasks). Its shortcut is in the tooltip and `aria-keyshortcuts`.
 */
function SmartListButton(props: {
  list: (typeof SMART_LISTS)[number];
  active: boolean;
  counted: boolean;
  onClick: () => void;
  className: (active: boolean) => string;
}) {
  const { list: l, active } = props;
  const count = useListCount(l.id, props.counted && l.id !== 'completed');
  const shown = props.counted && l.id !== 'completed' && count !== null && count !== '0' ? count : null;
  return (
    <button
      type="button"
      aria-current={active ? 'page' : undefined}
      aria-keyshortcuts={l.key}
      aria-label={shown ? `${l.label}, ${shown} ${shown === '1' ? 'task' : 'tasks'}` : undefined}
      title={`${l.label} (press ${l.key})`}
      onClick={props.onClick}
      className={props.className(active)}
    >
      {LIST_ICON[l.id]}
      <span className="flex-1">{l.label}</span>
      {shown && (
        <span data-testid={`count-${l.id}`} className="text-xs tabular-nums text-zinc-600 dark:text-zinc-400">
          {shown}
        </span>
      )}
    </button>
  );
}
