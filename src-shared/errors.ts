// Errors that cross a boundary carry a code, a message an operator can act on, and details.
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'config_invalid',
  'locked',
  'unavailable',
  'internal',
  /** No credential, or one that is unknown, expired or revoked (HTTP 401). */
  'unauthorized',
  /** The caller's role may not call this method (HTTP 403). */
  'forbidden',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorInfo {
  code: ErrorCode
  message: string
  details?: unknown
}

/** An error caused by the caller's input or the state of things, not by a bug. */
export class JobdeckError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'JobdeckError'
  }

  toInfo(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

export function isJobdeckError(error: unknown): error is JobdeckError {
  return error instanceof JobdeckError
}
