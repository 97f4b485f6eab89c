/**
 * One error hierarchy for the whole library. Every failure a caller can meet is a
 * {@link SeisprocError} with a stable machine-readable `code` and, where known, the file,
 * byte offset and trace index it concerns.
 *
 * @module
 */

/** Stable error codes. A code never changes meaning once released; new codes may be added. */
export const ERROR_CODES = [
  // SEG-Y / SU reading and writing
  'SEGY_TOO_SHORT',
  'SEGY_TRUNCATED',
  'SEGY_BAD_FORMAT_CODE',
  'SEGY_BAD_SAMPLE_COUNT',
  'SEGY_BAD_TEXT_HEADER',
  'SEGY_BAD_BINARY_HEADER',
  'SEGY_BAD_EXTENDED_HEADERS',
  'SEGY_VARIABLE_LENGTH',
  'SEGY_NO_TRACES',
  'SEGY_BAD_HEADER_FIELD',
  'SEGY_RANGE',
  'SEGY_WRITE',
  'SEGY_BAD_MAPPING',
  // datasets
  'DATASET_NOT_FOUND',
  'DATASET_INCOMPLETE',
  'DATASET_INVALID',
  'DATASET_EXISTS',
  'DATASET_LOCKED',
  'DATASET_MISMATCH',
  'DATASET_RANGE',
  'DATASET_UNSUPPORTED_VERSION',
  // storage: local files, HTTP(S), S3-compatible object storage
  'STORAGE_NOT_FOUND',
  'STORAGE_FORBIDDEN',
  'STORAGE_UNAVAILABLE',
  'STORAGE_TRUNCATED',
  'STORAGE_READ_ONLY',
  'STORAGE_CREDENTIALS',
  'STORAGE_INVALID_URL',
  'STORAGE_UNSUPPORTED',
  'STORAGE_IO',
  // long operations
  'CANCELLED',
  'WORKER_FAILED',
  'IMPORT_FAILED',
  'IMPORT_RESUME_MISMATCH',
  'EXPORT_FAILED',
  'EXPORT_DIMENSION_MISMATCH',
  'PROCESS_FAILED',
  'PROVENANCE_MISMATCH',
  // application layer
  'PROJECT_INVALID',
  'PROJECT_NOT_FOUND',
  'READ_ONLY',
  'SETTINGS_INVALID',
  'SESSION_INVALID',
  'COMMAND_FAILED',
  'CRS_UNKNOWN',
  'CRS_TRANSFORM',
  'GATHER_NOT_FOUND',
  'INVALID_ARGUMENT',
  'IO_ERROR',
] as const;

/** A stable error code, see {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where an error happened. All fields are optional: each error fills in what it knows. */
export interface ErrorContext {
  /** File or dataset path concerned. */
  path?: string;
  /** Byte offset in the file where the problem was found. */
  byteOffset?: number;
  /** 0-based trace index concerned. */
  traceIndex?: number;
  /** Segment (import/export worker slice) concerned. */
  segmentId?: number;
  /** Any further machine-readable detail. */
  [key: string]: unknown;
}

/** Options accepted by every {@link SeisprocError} constructor. */
export interface SeisprocErrorOptions extends ErrorContext {
  /** The underlying error, kept as `cause`. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by seisproc.
 *
 * `code` is stable and meant for programs; `message` is meant for people and includes the
 * context (path, byte offset, trace index) so a one-line report is useful on its own.
 */
export class SeisprocError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Where the error happened. */
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: SeisprocErrorOptions = {}) {
    const { cause, ...context } = options;
    super(withContext(message, context), cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }

  /** A plain object suitable for JSON output and for passing across worker threads. */
  toJSON(): { name: string; code: ErrorCode; message: string; context: ErrorContext } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

function withContext(message: string, context: ErrorContext): string {
  const parts: string[] = [];
  if (context.path !== undefined) parts.push(`file ${context.path}`);
  if (context.byteOffset !== undefined) parts.push(`byte ${context.byteOffset}`);
  if (context.traceIndex !== undefined) parts.push(`trace ${context.traceIndex}`);
  if (context.segmentId !== undefined) parts.push(`segment ${context.segmentId}`);
  return parts.length ? `${message} (${parts.join(', ')})` : message;
}

/** A SEG-Y or SU file that cannot be read or written as asked. */
export class SegyError extends SeisprocError {}

/** A dataset that is missing, incomplete, invalid, locked or does not match. */
export class DatasetError extends SeisprocError {}

/**
 * Storage that could not be read or written: a missing object, refused credentials, a service
 * still failing after the retries, a response shorter than it promised. `context.path` is the
 * location without credentials or query string.
 */
export class StorageError extends SeisprocError {}

/** An operation stopped by `cancel()` or an `AbortSignal`. */
export class CancelledError extends SeisprocError {
  constructor(message = 'operation cancelled', options: SeisprocErrorOptions = {}) {
    super('CANCELLED', message, options);
  }
}

/** A worker thread threw or died; context names the segment and trace. */
export class WorkerError extends SeisprocError {}

/** Import, export or processing failed for a reason other than its input. */
export class OperationError extends SeisprocError {}

/** Projects, sessions, settings, commands and coordinate systems. */
export class ApplicationError extends SeisprocError {}

/** An argument outside what the API accepts. */
export class ArgumentError extends SeisprocError {
  constructor(message: string, options: SeisprocErrorOptions = {}) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** True when `value` is a {@link SeisprocError}, optionally with the given code. */
export function isSeisprocError(value: unknown, code?: ErrorCode): value is SeisprocError {
  return value instanceof SeisprocError && (code === undefined || value.code === code);
}

const ERROR_CLASSES = {
  SeisprocError,
  SegyError,
  DatasetError,
  StorageError,
  CancelledError,
  WorkerError,
  OperationError,
  ApplicationError,
  ArgumentError,
} as const;

/**
 * Rebuild a {@link SeisprocError} from its {@link SeisprocError.toJSON} form, e.g. after it
 * crossed a worker thread boundary (structured clone drops the class). Returns `undefined` for
 * anything that is not such a form.
 */
export function reviveError(value: unknown): SeisprocError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { name?: unknown; code?: unknown; message?: unknown; context?: unknown };
  if (typeof v.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(v.code)) return undefined;
  const Cls = ERROR_CLASSES[(v.name as keyof typeof ERROR_CLASSES) ?? 'SeisprocError'] ?? SeisprocError;
  const error = Object.create(Cls.prototype) as SeisprocError;
  Object.assign(error, {
    name: typeof v.name === 'string' ? v.name : 'SeisprocError',
    code: v.code,
    message: typeof v.message === 'string' ? v.message : String(v.code),
    context: typeof v.context === 'object' && v.context !== null ? v.context : {},
  });
  return error;
}
