// The plugin's failures, and the exit codes kubectl users expect: 1 for an error, 2 for a
// command line that cannot be understood.

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: the message says how, and usage follows. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with its own exit code and a message for stderr. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = EXIT_ERROR, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
