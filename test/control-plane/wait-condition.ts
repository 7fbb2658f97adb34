/** Runs kubectl with the given arguments (and stdin), resolving to its stdout. */
export type Kubectl = (args: string[], input?: string) => Promise<string>;

interface Conditioned {
  kind?: string;
  metadata?: { name?: string };
  status?: { conditions?: { type?: string; status?: string }[] };
}

class ConditionTimeoutError extends Error {
  override readonly name = 'ConditionTimeoutError';
}

/**
 * Waits until every object that `target` names (`crd/x`, `node/y`, `-f dir`) has condition
 * `type` True. `kubectl wait --for=condition=…` gives up at once with "accessor error: <nil>"
 * when an object has no `status.conditions` yet, as a CRD or Node has for a moment after it
 * is created, so the outcome would depend on how fast the API server is. Here an object
 * without conditions, or not found yet, only means "not yet".
 */
export async function waitForCondition(
  kubectl: Kubectl,
  target: string[],
  type: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [target.join(' ')];
  let lastError = '';
  for (;;) {
    try {
      const out = await kubectl(['get', ...target, '-o', 'json']);
      const parsed = JSON.parse(out) as Conditioned & { items?: Conditioned[] };
      const objects = parsed.items ?? [parsed];
      pending = objects
        .filter((o) => !o.status?.conditions?.some((c) => c.type === type && c.status === 'True'))
        .map((o) => `${o.kind ?? 'object'}/${o.metadata?.name ?? '?'}`);
      if (objects.length > 0 && pending.length === 0) return;
      lastError = '';
    } catch (err) {
      // NotFound right after a create, or a restarting API server: look again.
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${lastError})` : '';
      throw new ConditionTimeoutError(
        `${type} not True within ${timeoutMs / 1000}s for ${pending.join(', ')}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
