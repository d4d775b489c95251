'use client';
import type { ConnectionState } from '@/lib/realtime';

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
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
