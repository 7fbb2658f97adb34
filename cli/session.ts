// The connection to the cluster, made once per invocation from the kubeconfig flags, and the
// namespace to work in (the flag, else the context's, else "default", as kubectl does).

import { KubeClient } from '../controller/kube/client.ts';
import { loadKubeConfig } from '../controller/kube/config.ts';
import { ObjectApi } from '../controller/kube/objects.ts';
import { CliError } from './cli-errors.ts';
import type { Options } from './options.ts';

export interface Session {
  client: KubeClient;
  api: ObjectApi;
  namespace: string;
}

export function openSession(options: Options, env: NodeJS.ProcessEnv): Session {
  const config = loadKubeConfig({ kubeconfig: options.kubeconfig, env });
  if (options.context) {
    // Checked here so a typo reads as one, not as "no current cluster".
    if (!config.getContextObject(options.context)) {
      throw new CliError(`context "${options.context}" does not exist in the kubeconfig`);
    }
    config.setCurrentContext(options.context);
  }
  const client = new KubeClient(config);
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  return {
    client,
    api: new ObjectApi(client),
    namespace: options.namespace ?? (contextNamespace || 'default'),
  };
}
