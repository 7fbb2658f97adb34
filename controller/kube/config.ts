import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface LoadOptions {
  /** Explicit kubeconfig path (flag); wins over everything. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads a kubeconfig the way kubectl users expect, in this order: an explicit path,
 * $KUBECONFIG, in-cluster service account, ~/.kube/config. Unlike client-node's
 * loadFromDefault it never falls back to http://localhost:8080: a controller talking
 * to the wrong cluster is worse than one that refuses to start.
 */
export function loadKubeConfig(opts: LoadOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const explicit = opts.kubeconfig ?? env.KUBECONFIG;
  try {
    if (explicit) {
      const first = explicit.split(':').find((p) => p.length > 0);
      if (!first || !existsSync(first)) throw new KubeConfigError(`kubeconfig ${explicit} does not exist`);
      kc.loadFromFile(first);
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      kc.loadFromFile(join(homedir(), '.kube', 'config'));
    } else {
      throw new KubeConfigError(
        'no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a cluster',
      );
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(`cannot load kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster()) throw new KubeConfigError('kubeconfig has no current cluster');
  return kc;
}
