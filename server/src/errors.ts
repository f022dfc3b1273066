// One catalogue of coded errors (code, HTTP status, message). docs/api.md lists the same codes;
// errors.test.ts keeps the two in step.

export const ERRORS = {
  ODART_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  ODART_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  ODART_ERR_UNAUTHENTICATED: { status: 401, message: 'Sign in first' },
  ODART_ERR_BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  ODART_ERR_FORBIDDEN: { status: 403, message: 'Not allowed' },
  ODART_ERR_BAD_SIGNATURE: { status: 403, message: 'Missing or invalid X-Twilio-Signature' },
  ODART_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  ODART_ERR_ALERT_CLOSED: { status: 409, message: 'The alert is already closed' },
  ODART_ERR_CONFLICT: { status: 409, message: 'That already exists' },
  ODART_ERR_IN_USE: { status: 409, message: 'Still in use; remove the references first' },
  ODART_ERR_LINK_EXPIRED: { status: 410, message: 'This link has expired' },
  ODART_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  ODART_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'Unsupported content type' },
  ODART_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; try again shortly' },
  ODART_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  ODART_ERR_UNAVAILABLE: { status: 503, message: 'Not ready' },
  ODART_ERR_HANDOFF_SIGNATURE: { status: 401, message: 'Missing, invalid or expired X-ODART-Signature' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** validation errors: a message per request field, for the form to show at the field */
    readonly fields?: Record<string, string>,
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.statusCode = ERRORS[code].status;
  }
}

export function errorBody(code: ErrorCode, message?: string, fields?: Record<string, string>) {
  return { error: { code, message: message ?? ERRORS[code].message, ...(fields ? { fields } : {}) } };
}
