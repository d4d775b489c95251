/** Recurrence presets and a small human-readable summary of RRULE bodies. */

export const RECURRENCE_PRESETS: { label: string; rule: string }[] = [
  { label: 'Every day', rule: 'FREQ=DAILY' },
  { label: 'Every weekday', rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { label: 'Every week', rule: 'FREQ=WEEKLY' },
  { label: 'Every 2 weeks', rule: 'FREQ=WEEKLY;INTERVAL=2' },
  { label: 'Every month', rule: 'FREQ=MONTHLY' },
  { label: 'Every year', rule: 'FREQ=YEARLY' },
];

const DAY: Record<string, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const UNIT: Record<string, [string, string]> = {
  DAILY: ['day', 'days'],
  WEEKLY: ['week', 'weeks'],
  MONTHLY: ['month', 'months'],
  YEARLY: ['year', 'years'],
  HOURLY: ['hour', 'hours'],
  MINUTELY: ['minute', 'minutes'],
};
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function ordinal(n: number): string {
  if (n === -1) return 'last day';
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]!);
}

export function parseRule(rule: string): Record<string, string> | null {
  const body = rule.trim().replace(/^RRULE:/i, '');
  if (!body) return null;
  const out: Record<string, string> = {};
  for (const part of body.split(';')) {
    const [k, v] = part.split('=');
    if (!k || v === undefined || v === '') return null;
    out[k.toUpperCase()] = v.toUpperCase();
  }
  return out.FREQ && UNIT[out.FREQ] ? out : null;
}

/** "Every 2 weeks on Monday and Friday, 10 times" — or null when the rule is not understood. */
export function summarizeRule(rule: string): string | null {
  const r = parseRule(rule);
  if (!r) return null;
  const interval = Number(r.INTERVAL ?? '1');
  if (!Number.isInteger(interval) || interval < 1) return null;
  const [one, many] = UNIT[r.FREQ!]!;
  let s = interval === 1 ? `Every ${one}` : `Every ${interval} ${many}`;
  if (r.BYDAY) {
    const days = r.BYDAY.split(',');
    if (r.FREQ === 'WEEKLY' && days.join(',') === 'MO,TU,WE,TH,FR') s = interval === 1 ? 'Every weekday' : `${s} on weekdays`;
    else {
      const names = days.map((d) => {
        const m = /^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(d);
        if (!m) return d;
        const n = m[1] ? Number(m[1]) : 0;
        return n ? `${n === -1 ? 'last' : ordinal(n)} ${DAY[m[2]!]}` : DAY[m[2]!]!;
      });
      s += ` on ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]}`;
    }
  }
  if (r.BYMONTHDAY)
    s += ` on the ${r.BYMONTHDAY.split(',')
      .map((d) => ordinal(Number(d)))
      .join(', ')}`;
  if (r.BYMONTH)
    s += ` in ${r.BYMONTH.split(',')
      .map((m) => MONTHS[Number(m) - 1] ?? m)
      .join(', ')}`;
  if (r.COUNT) s += `, ${r.COUNT} time${r.COUNT === '1' ? '' : 's'}`;
  if (r.UNTIL) {
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(r.UNTIL);
    if (m) s += `, until ${new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).toLocaleDateString(undefined, { dateStyle: 'medium' })}`;
  }
  return s;
}
