/**
 * Plain SQL for the hot paths (task reads and writes, the outbox): text and parameters
 * go straight to the driver. Drizzle's query builder costs more CPU per request than
 * PostgreSQL takes to run these statements, and the statement texts here are fixed, so
 * building them once is enough. On PostgreSQL every text is a named prepared statement
 * (parsed and planned once per connection); PGlite runs it as is.
 */
export interface SqlRunner {
  query<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
}
