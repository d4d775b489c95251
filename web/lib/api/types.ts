/**
 * Names for the shapes of the API contract. Every type here is taken from the types
 * generated from the backend's OpenAPI document (`schema.d.ts`, `npm run contracts`):
 * none is written by hand, so a change on the backend shows here as a type error.
 */
import type { components, paths } from './schema';

type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer S }
    ? Json<S>
    : R extends { 201: infer S }
      ? Json<S>
      : never
  : never;
type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;

export type Task = Ok<'/api/v1/tasks/{id}', 'get'>;
export type TaskPage = Ok<'/api/v1/tasks', 'get'>;
export type Priority = Task['priority'];
export type Reminder = Task['reminders'][number];
export type TaskPatch = Omit<Body<'/api/v1/tasks/{id}', 'patch'>, 'version'>;
export type ParseResult = Ok<'/api/v1/parse', 'post'>;
export type HistoryEntry = Ok<'/api/v1/tasks/{id}/history', 'get'>['items'][number];
export type TagCount = Ok<'/api/v1/tags', 'get'>['items'][number];
export type NotificationList = Ok<'/api/v1/notifications', 'get'>;
export type AppNotification = NotificationList['items'][number];
export type Preferences = Ok<'/api/v1/me/preferences', 'get'>;
export type SavedView = Ok<'/api/v1/views', 'get'>['items'][number];
type ProblemJson<R> = R extends { content: { 'application/problem+json': infer T } } ? T : never;
/** Every error the API answers is `application/problem+json` with this shape. */
export type Problem = ProblemJson<paths['/api/v1/tasks']['get']['responses'][400]>;
/** What the realtime WebSocket (`/ws`) sends. */
export type RealtimeMessage = components['schemas']['RealtimeMessage'];

type ListParams = NonNullable<paths['/api/v1/tasks']['get']['parameters']['query']>;
export type Sort = NonNullable<ListParams['sort']>;
/**
 * The `GET /api/v1/tasks` query as a query string has it (lists as `a,b`), which is also
 * what a saved view stores; paging (`limit`, `cursor`) is added per request.
 */
export type TaskQuery = {
  [K in Exclude<keyof ListParams, 'limit' | 'cursor'>]?: NonNullable<ListParams[K]> extends string ? NonNullable<ListParams[K]> : string;
};
