import type { IncomingMessage } from 'node:http';
import type { KubeObject } from './resources.ts';

export interface WatchEvent<T extends KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Splits a watch response into events: one JSON document per line. */
export async function* watchStream<T extends KubeObject>(
  res: IncomingMessage,
): AsyncGenerator<WatchEvent<T>> {
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) yield JSON.parse(line) as WatchEvent<T>;
        nl = buffered.indexOf('\n');
      }
    }
  } finally {
    res.destroy();
  }
}
