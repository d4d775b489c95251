/** Time-zone helpers built on Intl only (no date library in the bundle). */

export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let zones: string[] | null = null;
export function timeZones(): string[] {
  if (!zones) {
    const i = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    zones = i.supportedValuesOf ? i.supportedValuesOf('timeZone') : ['UTC'];
    if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  }
  return zones;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(tz: string) {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(tz, f);
  }
  return f;
}

function wallClock(date: Date, tz: string) {
  const p: Record<string, string> = {};
  for (const part of partsFormatter(tz).formatToParts(date)) p[part.type] = part.value;
  return {
    y: Number(p.year),
    m: Number(p.month),
    d: Number(p.day),
    h: Number(p.hour) % 24,
    min: Number(p.minute),
    s: Number(p.second),
  };
}

/** Offset of `tz` from UTC at `date`, in minutes. */
function offsetMinutes(date: Date, tz: string): number {
  const w = wallClock(date, tz);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return Math.round((asUtc - date.getTime()) / 60000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `{date: 'YYYY-MM-DD', time: 'HH:MM'}` of an instant as seen in `tz`. */
export function toZonedInputs(iso: string, tz: string): { date: string; time: string } {
  const w = wallClock(new Date(iso), tz);
  return { date: `${w.y}-${pad(w.m)}-${pad(w.d)}`, time: `${pad(w.h)}:${pad(w.min)}` };
}

/** The instant at wall-clock `date` + `time` in `tz` (ISO, UTC). */
export function fromZonedInputs(date: string, time: string, tz: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = (time || '00:00').split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let off = offsetMinutes(new Date(guess), tz);
  let ts = guess - off * 60000;
  const off2 = offsetMinutes(new Date(ts), tz);
  if (off2 !== off) {
    off = off2;
    ts = guess - off * 60000;
  }
  return new Date(ts).toISOString();
}

export function startOfLocalDay(d = new Date(), addDays = 0): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + addDays);
}

export function endOfLocalDay(d = new Date(), addDays = 0): Date {
  return new Date(startOfLocalDay(d, addDays + 1).getTime() - 1);
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatFull(iso: string): string {
  return fullFmt.format(new Date(iso));
}

/** A short, friendly due label: "Today 17:00", "Tomorrow", "Mon 3 Jun", "12 Mar 2027". */
export function formatDue(iso: string, now = new Date()): { label: string; overdue: boolean; today: boolean } {
  const d = new Date(iso);
  const dayDiff = Math.round((startOfLocalDay(d).getTime() - startOfLocalDay(now).getTime()) / 86400000);
  const time = d.getHours() === 0 && d.getMinutes() === 0 ? '' : ` ${timeFmt.format(d)}`;
  let day: string;
  if (dayDiff === 0) day = 'Today';
  else if (dayDiff === 1) day = 'Tomorrow';
  else if (dayDiff === -1) day = 'Yesterday';
  else if (dayDiff > 1 && dayDiff < 7) day = new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(d);
  else if (d.getFullYear() === now.getFullYear()) day = dayFmt.format(d);
  else day = dayYearFmt.format(d);
  return { label: `${day}${time}`, overdue: d.getTime() < now.getTime(), today: dayDiff === 0 };
}

export function formatRelative(iso: string, now = Date.now()): string {
  const diff = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

export function formatMinutesBefore(min: number): string {
  if (min === 0) return 'At due time';
  if (min % 10080 === 0) return `${min / 10080} week${min === 10080 ? '' : 's'} before`;
  if (min % 1440 === 0) return `${min / 1440} day${min === 1440 ? '' : 's'} before`;
  if (min % 60 === 0) return `${min / 60} hour${min === 60 ? '' : 's'} before`;
  return `${min} min before`;
}
