#!/usr/bin/env node
// A small in-memory stand-in for the Kairos backend that follows docs/api-contract.md.
// Used to develop and demo the web app without the real backend:
//   node web/e2e/mock-backend.mjs            (port 4000, or PORT)
// The e2e suite uses the real backend unless KAIROS_E2E_BACKEND=mock.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import * as chrono from 'chrono-node';
import rrulePkg from 'rrule';
import { WebSocketServer } from 'ws';

const { RRule } = rrulePkg;
const port = Number(process.env.PORT ?? 4000);
const users = new Map(); // email -> {id, email, name, password}
const sessions = new Map(); // token -> userId
const tasks = new Map(); // id -> task
const views = [];
const preferences = new Map();
const notifications = [];
const events = []; // {id, userId, msg}
const history = []; // {id, task_id, userId, event_type, at, task_data}
let taskSeq = 0;
let eventSeq = 0;
let viewSeq = 0;
let notifSeq = 0;
const sockets = new Set(); // {userId, ws}

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const problem = (res, status, title, detail, errors) => json(res, status, { type: 'about:blank', title, status, detail, errors });
const cookieToken = (req) => /(?:^|;\s*)better-auth\.session_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
const userOf = (req, url) => {
  const t = cookieToken(req) ?? url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer /, '');
  return t ? sessions.get(t) : undefined;
};
const readBody = (req) =>
  new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      try {
        resolve(data ? JSON.parse(data) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });

function summary(rule) {
  try {
    const t = RRule.fromString(`RRULE:${rule}`).toText();
    return t.charAt(0).toUpperCase() + t.slice(1);
  } catch {
    return rule;
  }
}

const RECUR = [
  [/\bevery\s+weekday\b/i, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'],
  [/\bevery\s+day\b|\bdaily\b/i, 'FREQ=DAILY'],
  [/\bevery\s+week\b|\bweekly\b/i, 'FREQ=WEEKLY'],
  [/\bevery\s+month\b|\bmonthly\b/i, 'FREQ=MONTHLY'],
  [/\bevery\s+year\b|\byearly\b/i, 'FREQ=YEARLY'],
  [/\bevery\s+(mon|tues|wednes|thurs|fri|satur|sun)day\b/i, null],
];
const DAYS = { mon: 'MO', tues: 'TU', wednes: 'WE', thurs: 'TH', fri: 'FR', satur: 'SA', sun: 'SU' };

function parse(text, tz) {
  let rest = ` ${text} `;
  const tags = [];
  rest = rest.replace(/\s#([\w-]+)/g, (_, t) => (tags.push(t.toLowerCase()), ' '));
  let priority = 'none';
  rest = rest.replace(/\s(!high|!medium|!low|p1|p2|p3)(?=\s)/gi, (_, p) => {
    priority = { '!high': 'high', p1: 'high', '!medium': 'medium', p2: 'medium', '!low': 'low', p3: 'low' }[p.toLowerCase()];
    return ' ';
  });
  const reminders = [];
  rest = rest.replace(
    /\s\^(\d+)([mhdw])(?=\s)/gi,
    (_, n, u) => (reminders.push({ minutes_before: Number(n) * { m: 1, h: 60, d: 1440, w: 10080 }[u.toLowerCase()] }), ' '),
  );
  let recurrence = null;
  for (const [re, rule] of RECUR) {
    const m = re.exec(rest);
    if (!m) continue;
    const r = rule ?? `FREQ=WEEKLY;BYDAY=${DAYS[m[1].toLowerCase()]}`;
    recurrence = { rule: r, mode: 'due', summary: summary(r) };
    rest = rest.replace(m[0], rule ? ' ' : ` ${m[1]}day `);
    break;
  }
  let due_at = null;
  const found = chrono.parse(rest, new Date(), { forwardDate: true });
  if (found[0]) {
    const d = found[0].start.date();
    if (!found[0].start.isCertain('hour')) d.setHours(9, 0, 0, 0);
    due_at = d.toISOString();
    rest = rest.replace(found[0].text, ' ');
  } else if (recurrence) {
    const d = new Date();
    d.setHours(9, 0, 0, 0);
    if (d < new Date()) d.setDate(d.getDate() + 1);
    due_at = d.toISOString();
  }
  const title = rest.replace(/\s+/g, ' ').trim() || text.trim();
  return { title, due_at, time_zone: tz || 'UTC', recurrence, tags, priority, reminders };
}

function emit(userId, type, task) {
  const id = String(++eventSeq);
  const msg = { type, id, task };
  events.push({ id, userId, msg });
  history.push({
    id: eventSeq,
    task_id: task.id,
    userId,
    event_type: type.split('.')[1],
    at: new Date().toISOString(),
    task_data: structuredClone(task),
  });
  for (const s of sockets) if (s.userId === userId) s.ws.send(JSON.stringify(msg));
}

function validate(body, partial) {
  const errors = [];
  if (!partial || body.title !== undefined) {
    if (typeof body.title !== 'string' || !body.title.trim()) errors.push({ path: 'title', message: 'Title is required' });
    else if (body.title.length > 200) errors.push({ path: 'title', message: 'At most 200 characters' });
  }
  if (body.recurrence?.rule) {
    try {
      RRule.fromString(`RRULE:${body.recurrence.rule}`);
    } catch {
      errors.push({ path: 'recurrence.rule', message: 'Not a valid RRULE' });
    }
  }
  if (body.reminders?.some((r) => 'minutes_before' in r) && body.due_at === null)
    errors.push({ path: 'reminders', message: 'Relative reminders need a due date' });
  return errors;
}

function createTask(userId, fields) {
  const now = new Date().toISOString();
  const t = {
    id: ++taskSeq,
    user_id: userId,
    title: fields.title.trim(),
    description: fields.description ?? '',
    completed: false,
    completed_at: null,
    priority: fields.priority ?? 'none',
    tags: fields.tags ?? [],
    due_at: fields.due_at ?? null,
    time_zone: fields.time_zone ?? 'UTC',
    reminders: fields.reminders ?? [],
    recurrence: fields.recurrence
      ? { ...fields.recurrence, mode: fields.recurrence.mode ?? 'due', summary: summary(fields.recurrence.rule) }
      : null,
    series_id: fields.series_id ?? (fields.recurrence ? randomUUID() : null),
    occurrence: fields.occurrence ?? 1,
    created_at: now,
    updated_at: now,
    version: 1,
    _fired: [],
  };
  tasks.set(t.id, t);
  return t;
}
const pub = (t) => {
  const { _fired, ...rest } = t;
  return rest;
};

function listTasks(userId, sp) {
  let items = [...tasks.values()].filter((t) => t.user_id === userId);
  const status = sp.get('status') ?? 'all';
  if (status === 'pending') items = items.filter((t) => !t.completed);
  if (status === 'completed') items = items.filter((t) => t.completed);
  if (sp.get('priority')) items = items.filter((t) => sp.get('priority').split(',').includes(t.priority));
  if (sp.get('tags')) {
    const want = sp.get('tags').split(',');
    items = items.filter((t) =>
      sp.get('tag_mode') === 'all' ? want.every((w) => t.tags.includes(w)) : want.some((w) => t.tags.includes(w)),
    );
  }
  if (sp.get('due_from')) items = items.filter((t) => t.due_at && t.due_at >= new Date(sp.get('due_from')).toISOString());
  if (sp.get('due_to')) items = items.filter((t) => t.due_at && t.due_at < new Date(sp.get('due_to')).toISOString());
  if (sp.get('overdue') === 'true') items = items.filter((t) => !t.completed && t.due_at && new Date(t.due_at) < new Date());
  if (sp.get('no_due') === 'true') items = items.filter((t) => !t.due_at);
  const q = sp.get('q')?.toLowerCase();
  if (q) items = items.filter((t) => `${t.title} ${t.description}`.toLowerCase().includes(q));
  const sort = sp.get('sort') ?? 'created';
  const dir = sp.get('order') === 'desc' ? -1 : 1;
  const rank = { none: 0, low: 1, medium: 2, high: 3 };
  const key = {
    due: (t) => t.due_at ?? '9999',
    priority: (t) => -rank[t.priority],
    title: (t) => t.title.toLowerCase(),
    created: (t) => t.created_at + String(t.id).padStart(8, '0'),
    updated: (t) => t.updated_at,
    relevance: (t) => t.created_at,
  }[sort];
  items.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : a.id - b.id));
  const limit = Number(sp.get('limit') ?? 50);
  const offset = Number(sp.get('cursor') ?? 0);
  const page = items.slice(offset, offset + limit);
  return {
    items: page.map(pub),
    next_cursor: offset + limit < items.length ? String(offset + limit) : null,
    as_of: new Date().toISOString(),
  };
}

function complete(userId, t) {
  t.completed = true;
  t.completed_at = new Date().toISOString();
  t.version++;
  t.updated_at = t.completed_at;
  emit(userId, 'task.completed', pub(t));
  if (t.recurrence && t.due_at) {
    setTimeout(() => {
      const rule = RRule.fromString(`RRULE:${t.recurrence.rule}`);
      const r = new RRule({ ...rule.origOptions, dtstart: new Date(t.due_at) });
      const next = r.after(new Date(Math.max(Date.now(), new Date(t.due_at).getTime())));
      if (!next) return;
      const n = createTask(userId, { ...pub(t), due_at: next.toISOString(), series_id: t.series_id, occurrence: t.occurrence + 1 });
      emit(userId, 'task.created', pub(n));
    }, 150);
  }
}

setInterval(() => {
  const now = Date.now();
  for (const t of tasks.values()) {
    if (t.completed) continue;
    for (const r of t.reminders) {
      const at = 'at' in r ? new Date(r.at).getTime() : t.due_at ? new Date(t.due_at).getTime() - r.minutes_before * 60000 : NaN;
      const key = JSON.stringify(r) + t.due_at;
      if (!(at <= now) || t._fired.includes(key) || now - at > 60_000) continue;
      t._fired.push(key);
      const n = {
        id: ++notifSeq,
        task_id: t.id,
        title: t.title,
        due_at: t.due_at,
        remind_at: new Date(at).toISOString(),
        created_at: new Date().toISOString(),
        read_at: null,
        user_id: t.user_id,
      };
      notifications.unshift(n);
      const id = String(++eventSeq);
      const { user_id: _userId, ...pubN } = n;
      const msg = { type: 'notification', id, notification: pubN };
      events.push({ id, userId: t.user_id, msg });
      for (const s of sockets) if (s.userId === t.user_id) s.ws.send(JSON.stringify(msg));
    }
  }
}, 500);

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const m = req.method;
  if (p === '/healthz' || p === '/readyz') return json(res, 200, { status: 'ok' });
  // ── auth ──
  if (p.startsWith('/api/auth/')) {
    const body = (await readBody(req)) ?? {};
    const setCookie = (token) => ({ 'set-cookie': `better-auth.session_token=${token}; Path=/; HttpOnly; SameSite=Lax` });
    if (p === '/api/auth/sign-up/email' && m === 'POST') {
      if (users.has(body.email)) return json(res, 422, { code: 'USER_ALREADY_EXISTS', message: 'User already exists' });
      const u = { id: randomUUID(), email: body.email, name: body.name, password: body.password };
      users.set(u.email, u);
      const token = randomUUID();
      sessions.set(token, u.id);
      return json(res, 200, { token, user: { id: u.id, email: u.email, name: u.name } }, setCookie(token));
    }
    if (p === '/api/auth/sign-in/email' && m === 'POST') {
      const u = users.get(body.email);
      if (!u || u.password !== body.password)
        return json(res, 401, { code: 'INVALID_EMAIL_OR_PASSWORD', message: 'Invalid email or password' });
      const token = randomUUID();
      sessions.set(token, u.id);
      return json(res, 200, { token, user: { id: u.id, email: u.email, name: u.name } }, setCookie(token));
    }
    const userId = userOf(req, url);
    const user = [...users.values()].find((u) => u.id === userId);
    if (p === '/api/auth/get-session')
      return json(res, 200, user ? { session: { userId }, user: { id: user.id, email: user.email, name: user.name } } : null);
    if (p === '/api/auth/sign-out') {
      sessions.delete(cookieToken(req));
      return json(res, 200, { success: true }, { 'set-cookie': 'better-auth.session_token=; Path=/; Max-Age=0' });
    }
    if (p === '/api/auth/token') return user ? json(res, 200, { token: cookieToken(req) }) : json(res, 401, { message: 'Unauthorized' });
    return json(res, 404, { message: 'not found' });
  }
  if (!p.startsWith('/api/v1/')) return problem(res, 404, 'Not Found');
  const userId = userOf(req, url);
  if (!userId) return problem(res, 401, 'Unauthorized', 'Sign in first');
  const body = (await readBody(req)) ?? {};
  const own = (id) => {
    const t = tasks.get(Number(id));
    return t && t.user_id === userId ? t : undefined;
  };
  let mm;
  if (p === '/api/v1/parse' && m === 'POST') return json(res, 200, parse(body.text ?? '', body.time_zone));
  if (p === '/api/v1/tasks' && m === 'GET') return json(res, 200, listTasks(userId, url.searchParams));
  if (p === '/api/v1/tasks' && m === 'POST') {
    const fields = body.text ? parse(body.text, body.time_zone) : body;
    const errors = validate(fields, false);
    if (errors.length) return problem(res, 422, 'Invalid task', errors[0].message, errors);
    const { summary: _s, ...rec } = fields.recurrence ?? {};
    const t = createTask(userId, { ...fields, recurrence: fields.recurrence ? rec : null });
    emit(userId, 'task.created', pub(t));
    return json(res, 201, pub(t), { etag: `"${t.version}"`, location: `/api/v1/tasks/${t.id}` });
  }
  if ((mm = /^\/api\/v1\/tasks\/(\d+)$/.exec(p))) {
    const t = own(mm[1]);
    if (!t) return problem(res, 404, 'Not Found', 'No such task');
    if (m === 'GET') return json(res, 200, pub(t), { etag: `"${t.version}"` });
    if (m === 'DELETE') {
      tasks.delete(t.id);
      emit(userId, 'task.deleted', pub(t));
      res.writeHead(204).end();
      return;
    }
    if (m === 'PATCH') {
      const ifMatch = req.headers['if-match'];
      if (ifMatch && ifMatch !== `"${t.version}"`) return problem(res, 412, 'Precondition Failed', 'The task changed');
      const errors = validate(
        { ...body, due_at: 'due_at' in body ? body.due_at : t.due_at, reminders: body.reminders ?? t.reminders },
        true,
      );
      if (errors.length) return problem(res, 422, 'Invalid task', errors[0].message, errors);
      for (const k of ['title', 'description', 'priority', 'tags', 'due_at', 'time_zone', 'reminders']) if (k in body) t[k] = body[k];
      if ('recurrence' in body) t.recurrence = body.recurrence ? { ...body.recurrence, summary: summary(body.recurrence.rule) } : null;
      if ('due_at' in body || 'reminders' in body) t._fired = [];
      t.version++;
      t.updated_at = new Date().toISOString();
      emit(userId, 'task.updated', pub(t));
      return json(res, 200, pub(t), { etag: `"${t.version}"` });
    }
  }
  if ((mm = /^\/api\/v1\/tasks\/(\d+)\/(complete|reopen)$/.exec(p)) && m === 'POST') {
    const t = own(mm[1]);
    if (!t) return problem(res, 404, 'Not Found');
    if (mm[2] === 'complete' && !t.completed) complete(userId, t);
    else if (mm[2] === 'reopen' && t.completed) {
      Object.assign(t, { completed: false, completed_at: null, version: t.version + 1, updated_at: new Date().toISOString() });
      emit(userId, 'task.updated', pub(t));
    }
    return json(res, 200, pub(t));
  }
  if ((mm = /^\/api\/v1\/tasks\/(\d+)\/history$/.exec(p))) {
    return json(res, 200, {
      items: history
        .filter((h) => h.userId === userId && h.task_id === Number(mm[1]))
        .reverse()
        .map(({ userId: _u, task_id: _t, ...h }) => h),
    });
  }
  if (p === '/api/v1/tags') {
    const counts = new Map();
    for (const t of tasks.values())
      if (t.user_id === userId && !t.completed) for (const tag of t.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return json(res, 200, { items: [...counts].sort((a, b) => b[1] - a[1]).map(([tag, count]) => ({ tag, count })) });
  }
  if (p === '/api/v1/me/preferences' && m === 'GET')
    return json(res, 200, preferences.get(userId) ?? { email_reminders: false, time_zone: 'UTC' });
  if (p === '/api/v1/me/preferences' && m === 'PUT') {
    if (typeof body.email_reminders !== 'boolean' || typeof body.time_zone !== 'string') return problem(res, 400, 'Bad Request');
    preferences.set(userId, { email_reminders: body.email_reminders, time_zone: body.time_zone });
    return json(res, 200, preferences.get(userId));
  }
  if (p === '/api/v1/views' && m === 'GET')
    return json(res, 200, { items: views.filter((v) => v.userId === userId).map(({ userId: _u, ...v }) => v) });
  if (p === '/api/v1/views' && m === 'POST') {
    const v = { id: ++viewSeq, name: body.name, query: body.query, created_at: new Date().toISOString(), userId };
    views.push(v);
    const { userId: _u, ...out } = v;
    return json(res, 201, out);
  }
  if ((mm = /^\/api\/v1\/views\/(\d+)$/.exec(p)) && m === 'DELETE') {
    const i = views.findIndex((v) => v.id === Number(mm[1]) && v.userId === userId);
    if (i >= 0) views.splice(i, 1);
    res.writeHead(204).end();
    return;
  }
  if (p === '/api/v1/notifications') {
    const mine = notifications.filter((n) => n.user_id === userId);
    return json(res, 200, { items: mine.map(({ user_id: _u, ...n }) => n), unread_count: mine.filter((n) => !n.read_at).length });
  }
  if (p === '/api/v1/notifications/read-all') {
    for (const n of notifications) if (n.user_id === userId) n.read_at ??= new Date().toISOString();
    return json(res, 200, { marked: 1 });
  }
  if ((mm = /^\/api\/v1\/notifications\/(\d+)\/read$/.exec(p))) {
    const n = notifications.find((x) => x.id === Number(mm[1]) && x.user_id === userId);
    if (n) n.read_at ??= new Date().toISOString();
    res.writeHead(204).end();
    return;
  }
  return problem(res, 404, 'Not Found');
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const userId = url.pathname === '/ws' ? userOf(req, url) : undefined;
  if (!userId) {
    socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const entry = { userId, ws };
    sockets.add(entry);
    ws.on('close', () => sockets.delete(entry));
    const after = Number(url.searchParams.get('after') ?? NaN);
    ws.send(JSON.stringify({ type: 'hello', last_id: String(eventSeq) }));
    if (Number.isFinite(after)) for (const e of events) if (e.userId === userId && Number(e.id) > after) ws.send(JSON.stringify(e.msg));
  });
});
setInterval(() => {
  for (const s of sockets) s.ws.send(JSON.stringify({ type: 'ping' }));
}, 25_000).unref();

server.listen(port, '127.0.0.1', () => console.log(`mock backend on http://127.0.0.1:${port}`));
