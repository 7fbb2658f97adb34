// Loads the bad-input corpus (test/bad-input/<channel>/<id>/case.yaml) for the tests that
// drive it: each case says what is bad, how it arrives and what the user must see.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../bad-input');

interface ConditionExpectation {
  type: string;
  status: string;
  reason: string;
  /** A substring of the condition's message. */
  message: string;
}

export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  /** Omitted: the test's namespace. */
  namespace?: string;
  name: string;
}

export interface Generated {
  path: string;
  kind: 'padded-configmap' | 'configmap-list' | 'zeros';
  bytes?: number;
  count?: number;
}

export interface GitCase {
  id: string;
  channel: 'git';
  bad: string;
  setup?: { serviceAccountName?: string; ownRepository?: boolean };
  input?: {
    files?: Record<string, string>;
    symlinks?: Record<string, string>;
    generate?: Generated[];
    appPath?: string;
    /** Merged into the Application's spec with the bad commit, for a bad spec rather than bad files. */
    appSpec?: Record<string, unknown>;
  };
  expect: {
    object?: 'Application' | 'GitRepository';
    condition: ConditionExpectation;
    stalled: boolean;
    event: { type: string; reason: string };
    log: { msg: string; reason: string };
    absent?: ObjectRef[];
  };
  /** Files under the case's repo/ directory, by path relative to it. */
  repoFiles: Record<string, string>;
}

interface KubectlCase {
  id: string;
  channel: 'kubectl';
  bad: string;
  input: { good: string; bad: string };
  expect: { refused: { message: string } };
}

type Signature = 'valid' | 'missing' | 'wrong-secret' | 'other-body' | 'stale' | 'future';

export interface WebhookCase {
  id: string;
  channel: 'webhook';
  bad: string;
  input: {
    provider: 'github' | 'gitlab' | 'generic';
    path?: string;
    method?: string;
    event?: string;
    contentType?: string;
    /** `push`: a push to the watched repository; `push-unwatched`: to another; `none`: no body. */
    body?: 'push' | 'push-unwatched' | 'none';
    raw?: string;
    signature: Signature;
    bodyBytes?: number;
    chunked?: string;
    deliveries?: number;
  };
  expect: {
    first?: number;
    http: number;
    body: string;
    metric: string;
    log?: Record<string, string>;
    fetch: false;
  };
}

export interface PrometheusCase {
  id: string;
  channel: 'prometheus';
  bad: string;
  input: {
    answer?: { status: number; contentType: string; body: string };
    behaviour?: 'hang' | 'reset' | 'huge';
  };
  expect: AnalysisExpectation & { measurement: { phase: string; message: string } };
}

export interface ExpressionCase {
  id: string;
  channel: 'expression';
  bad: string;
  input: { successCondition?: string; failureCondition?: string };
  expect: AnalysisExpectation & { stage: 'compile' | 'evaluate'; message: string };
}

interface AnalysisExpectation {
  run: { phase: string };
  event: { type: string; reason: string };
  log: Record<string, string>;
  promoted: false;
}

type BadInputCase = GitCase | KubectlCase | WebhookCase | PrometheusCase | ExpressionCase;
type Channel = BadInputCase['channel'];
type CaseOf<C extends Channel> = Extract<BadInputCase, { channel: C }>;

class CorpusError extends Error {
  override readonly name = 'CorpusError';
}

/** Every case of a channel, sorted by id; a malformed case.yaml fails loudly. */
export function loadCases<C extends Channel>(channel: C): CaseOf<C>[] {
  const dir = join(CORPUS_DIR, channel);
  return readdirSync(dir)
    .filter((id) => statSync(join(dir, id)).isDirectory())
    .sort()
    .map((id) => {
      const file = join(dir, id, 'case.yaml');
      let raw: unknown;
      try {
        raw = parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CorpusError(`${relative(CORPUS_DIR, file)}: ${(err as Error).message}`, { cause: err });
      }
      const c = raw as CaseOf<C>;
      if (c.id !== id || c.channel !== channel || typeof c.bad !== 'string' || !c.expect) {
        throw new CorpusError(
          `${relative(CORPUS_DIR, file)}: needs id ${id}, channel ${channel}, bad, expect`,
        );
      }
      if (c.channel === 'git') (c as GitCase).repoFiles = readTree(join(dir, id, 'repo'));
      return c;
    });
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** The content `generate` asks for: large files are made at run time, not kept in git. */
export function generatedContent(g: Generated): string | Uint8Array {
  switch (g.kind) {
    case 'zeros':
      return new Uint8Array(g.bytes ?? 0);
    case 'padded-configmap': {
      const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: padded\ndata:\n  pad: "';
      return `${head}${'x'.repeat(Math.max(0, (g.bytes ?? 0) - head.length - 2))}"\n`;
    }
    case 'configmap-list': {
      const items = Array.from(
        { length: g.count ?? 0 },
        (_, i) => `  - {apiVersion: v1, kind: ConfigMap, metadata: {name: many-${i}}}\n`,
      );
      return `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;
    }
  }
}
