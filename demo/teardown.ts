// What the demo started, to be stopped newest first on Ctrl-C, on an error or at the end.
// A piece is registered before it has finished starting, so Ctrl-C in the middle of a start
// waits for that start and then stops what it brought up, rather than leaving it behind.

export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

export class Teardown {
  readonly #steps: { what: string; run: () => Promise<unknown> }[] = [];
  #running: Promise<string[]> | undefined;

  get stopping(): boolean {
    return this.#running !== undefined;
  }

  add(what: string, run: () => Promise<unknown>): void {
    if (this.#running) throw new StoppingError(`not adding ${what}: the demo is stopping`);
    this.#steps.push({ what, run });
  }

  /** Starts something and registers how to stop it; refuses to start once stopping began. */
  track<T>(what: string, start: () => Promise<T>, stop: (started: T) => Promise<unknown>): Promise<T> {
    if (this.#running) return Promise.reject(new StoppingError(`not starting ${what}: the demo is stopping`));
    const starting = start();
    this.add(what, async () => {
      const started = await starting.catch(() => undefined);
      if (started !== undefined) await stop(started);
    });
    return starting;
  }

  /** Returns what failed to stop; safe to call more than once. */
  run(): Promise<string[]> {
    this.#running ??= (async () => {
      const failed: string[] = [];
      for (const step of [...this.#steps].reverse()) {
        await step.run().catch((error: unknown) => failed.push(`${step.what}: ${(error as Error).message}`));
      }
      return failed;
    })();
    return this.#running;
  }
}
