/**
 * Remembers when a push webhook arrived for a GitRepository, so the Application that
 * applies the resulting revision can report push-to-applied latency.
 */
export class PushTracker {
  private readonly pushes = new Map<string, number>();

  pushed(repoKey: string, atMs = Date.now()): void {
    if (!this.pushes.has(repoKey)) this.pushes.set(repoKey, atMs);
    if (this.pushes.size > 10_000) this.pushes.delete(this.pushes.keys().next().value as string);
  }

  /** Seconds since the push for this repository, once; undefined if none is pending. */
  applied(repoKey: string, atMs = Date.now()): number | undefined {
    const at = this.pushes.get(repoKey);
    if (at === undefined) return undefined;
    this.pushes.delete(repoKey);
    return (atMs - at) / 1000;
  }
}
