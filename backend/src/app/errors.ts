/** Use-case errors; the HTTP layer maps each to an RFC 9457 problem. */
export interface FieldError {
  path: string;
  message: string;
}

export class NotFoundError extends Error {
  constructor(what = 'task') {
    super(`${what} not found`);
  }
}

/** The caller's version is stale: someone else changed the task first. */
export class VersionMismatchError extends Error {
  constructor(readonly current: number) {
    super(`the task changed since you read it (current version ${current})`);
  }
}

/** The request conflicts with the state of what it changes (and is not a stale version). */
export class ConflictError extends Error {}

/** Well-formed input that breaks a rule across fields (e.g. a relative reminder without a due date). */
export class UnprocessableError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}
