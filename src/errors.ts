/**
 * Errors a user or the host model can act on. The message is what they read, so it names the
 * field, file or host at fault and what to do about it.
 */
export class UserInputError extends Error {
  override readonly name = "UserInputError";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A configuration file that cannot be used; start-up stops with exit code 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly fieldPath: string,
    readonly problem: string,
  ) {
    super(`${file}: ${fieldPath ? `${fieldPath}: ` : ""}${problem}`);
  }
}

/**
 * The database (or the SQLite driver) cannot be used: start-up stops with exit code 2 and one
 * line naming the file, the problem and what to do.
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}: ${problem}; ${fix}`);
  }
}

/** A model backend (Ollama host, Gemini API) failed; carries the backend's own message. */
export class BackendError extends Error {
  override readonly name = "BackendError";
  constructor(
    readonly backend: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${backend}: ${message}`);
  }
}

/**
 * The file or folder a write failed on for want of space, or null when the error is not a full
 * disk: ENOSPC from the file system (its path, else `writing`, the file the caller was
 * writing), SQLITE_FULL from either SQLite driver (`databaseFile`).
 */
export function diskFullPath(
  error: unknown,
  databaseFile: string,
  writing?: string,
): string | null {
  const failure = error as { code?: unknown; errcode?: unknown; path?: unknown } | null;
  if (failure?.code === "ENOSPC") {
    return typeof failure.path === "string" ? failure.path : (writing ?? "the disk");
  }
  const sqliteFull =
    failure?.code === "SQLITE_FULL" ||
    failure?.errcode === 13 ||
    /database or disk is full/.test(errorMessage(error));
  return sqliteFull ? databaseFile : null;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
