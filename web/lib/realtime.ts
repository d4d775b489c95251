'use client';
import { notifyManager, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppNotification, RealtimeMessage, Task } from './api/types';
import { removeTask, upsertTask } from './cache';
import { taskWritesInFlight } from './mutations';

export type ConnectionState = 'connecting' | 'live' | 'offline';

function wsUrl(token: string, after: string | null): string {
  const configured = process.env.NEXT_PUBLIC_WS_URL;
  const base = configured || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const u = new URL(base, location.href);
  u.searchParams.set('token', token);
  if (after) u.searchParams.set('after', after);
  return u.toString();
}

async function fetchToken(): Promise<string | null> {
  const res = await fetch('/api/auth/token', { credentials: 'same-origin' });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`token ${res.status}`);
  const body = (await res.json()) as { token?: string };
  return body.token ?? null;
}

/**
 * Task messages in one batch past which the lists are refetched instead of patched one
 * message at a time (each patch copies every cached list: an import of 1,000 tasks was
 * 2,000 patches and renders, and the tab stopped answering for seconds).
 */
const BULK_TASK_MESSAGES = 50;

/**
 * One WebSocket per tab to `/ws`. Task events patch the query caches in place
 * (then a short, coalesced refetch fixes list membership and order); a reconnect
 * resumes with `after=<last event id>` so nothing is missed. Messages are handled in
 * batches, one per ~frame: a burst (a replay, an import, another tab's bulk edit)
 * costs one render, and a large one a refetch.
 */
export function useRealtime(opts: {
  enabled: boolean;
  onNotification: (n: AppNotification) => void;
  onUnauthorized: () => void;
  /** A task event that changed this tab's lists (`task.created`: only when a list gained the task). */
  onTaskEvent?: (type: string, task: Task) => void;
}): ConnectionState {
  const qc = useQueryClient();
  const [state, setState] = useState<ConnectionState>('connecting');
  const cb = useRef(opts);
  cb.current = opts;

  useEffect(() => {
    if (!opts.enabled) return;
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let refetch: ReturnType<typeof setTimeout> | undefined;
    let lastId: string | null = sessionStorage.getItem('kairos.lastEventId');
    let connectedBefore = false;

    // Coalesced: a burst of events (a replay, another tab's bulk edit) costs one refetch.
    let tagsStale = false;
    const scheduleRefetch = (delay = 250, tags = false) => {
      tagsStale ||= tags;
      clearTimeout(refetch);
      refetch = setTimeout(() => {
        // a task write in flight refetches when it settles; a list fetched now would lack it
        if (taskWritesInFlight(qc) > 0) return scheduleRefetch(delay);
        void qc.invalidateQueries({ queryKey: ['tasks'] });
        if (tagsStale) void qc.invalidateQueries({ queryKey: ['tags'] });
        tagsStale = false;
      }, delay);
    };

    let inbox: RealtimeMessage[] = [];
    let draining: ReturnType<typeof setTimeout> | undefined;
    const drain = () => {
      draining = undefined;
      const batch = inbox;
      inbox = [];
      const bulk = batch.filter((m) => m.type.startsWith('task.')).length > BULK_TASK_MESSAGES;
      notifyManager.batch(() => {
        for (const msg of batch) handle(msg, bulk);
        if (bulk) {
          void qc.invalidateQueries({ queryKey: ['task'] });
          void qc.invalidateQueries({ queryKey: ['history'] });
          scheduleRefetch(0, true);
        }
      });
      if (lastId) sessionStorage.setItem('kairos.lastEventId', lastId);
    };

    /** One message; in a bulk batch task messages only mark what the refetch after it brings. */
    const handle = (msg: RealtimeMessage, bulk: boolean) => {
      switch (msg.type) {
        case 'hello':
          if (!lastId && msg.last_id) lastId = msg.last_id;
          break;
        case 'task.created':
          if (bulk) break;
          if (upsertTask(qc, msg.task, { insert: true })) cb.current.onTaskEvent?.(msg.type, msg.task);
          scheduleRefetch(250, true);
          break;
        case 'task.updated':
        case 'task.completed':
          if (bulk) break;
          upsertTask(qc, msg.task);
          cb.current.onTaskEvent?.(msg.type, msg.task);
          void qc.invalidateQueries({ queryKey: ['history', msg.task.id] });
          scheduleRefetch(msg.type === 'task.completed' ? 700 : 250);
          break;
        case 'task.deleted':
          removeTask(qc, msg.task.id);
          qc.removeQueries({ queryKey: ['task', msg.task.id] });
          if (!bulk) scheduleRefetch();
          break;
        case 'notification':
          void qc.invalidateQueries({ queryKey: ['notifications'] });
          cb.current.onNotification(msg.notification);
          break;
      }
    };

    const connect = async () => {
      if (stopped) return;
      setState('connecting');
      let token: string | null;
      try {
        token = await fetchToken();
      } catch {
        return reconnect();
      }
      if (stopped) return;
      if (!token) return cb.current.onUnauthorized();
      const sock = new WebSocket(wsUrl(token, lastId));
      ws = sock;
      sock.onopen = () => {
        attempt = 0;
        setState('live');
        // Anything missed before the first connect (or beyond the replay window) is refetched.
        if (connectedBefore) {
          scheduleRefetch(0);
          void qc.invalidateQueries({ queryKey: ['notifications'] });
        }
        connectedBefore = true;
      };
      sock.onmessage = (ev) => {
        let msg: RealtimeMessage;
        try {
          msg = JSON.parse(String(ev.data)) as RealtimeMessage;
        } catch {
          return;
        }
        if ('id' in msg && msg.id) lastId = String(msg.id);
        inbox.push(msg);
        draining ??= setTimeout(drain, 16);
      };
      sock.onclose = (ev) => {
        if (ws !== sock) return;
        ws = null;
        if (ev.code === 4401 || ev.code === 1008) {
          // Token rejected: a fresh one is fetched; a dead session redirects to sign-in.
        }
        reconnect();
      };
      sock.onerror = () => sock.close();
    };

    const reconnect = () => {
      if (stopped) return;
      setState(navigator.onLine === false ? 'offline' : attempt > 1 ? 'offline' : 'connecting');
      const delay = Math.min(10_000, 400 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt++;
      clearTimeout(retry);
      retry = setTimeout(() => void connect(), delay);
    };

    const online = () => {
      if (!ws) {
        attempt = 0;
        clearTimeout(retry);
        void connect();
      }
    };
    window.addEventListener('online', online);
    void connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(refetch);
      clearTimeout(draining);
      window.removeEventListener('online', online);
      ws?.close();
    };
  }, [opts.enabled, qc]);

  return state;
}

/** Tasks that just arrived from elsewhere, for two seconds (their rows fade in). */
export function useFreshTasks(): [Set<number>, (type: string, task: Task) => void] {
  const [fresh, setFresh] = useState<Set<number>>(new Set());
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
  return [fresh, onTaskEvent];
}
