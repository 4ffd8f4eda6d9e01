// Failures of API calls, with the API server's own Status message and what was asked.

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409;
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.reason === "AlreadyExists";
}
