// `--dashboard-address`: the web dashboard of `kubectl sluice dashboard`, served by the
// controller read-only. The same server and live state, with the controller's own client (its
// service account) and namespace; no actions, since whoever reaches the port would otherwise act
// with the controller's rights. Its informers are its own: the controller's caches are trimmed
// (managedFields dropped, a shard's selector) and started only by the leader.

import type { AddressInfo } from 'node:net';
import { LiveState } from '../../cli/dashboard/live-state.ts';
import { dashboardServer } from '../../cli/dashboard/server.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Logger } from './logger.ts';

export async function startDashboard(opts: {
  host: string;
  port: number;
  client: KubeClient;
  namespace: string | undefined;
  log: Logger;
}): Promise<{ url: string; close: () => Promise<void> }> {
  const state = new LiveState(opts.client, opts.namespace);
  const server = dashboardServer({ state });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  state.start();
  const { port } = server.address() as AddressInfo;
  // The page answers only to loopback names (kubectl port-forward), so that is the address to show.
  const url = `http://127.0.0.1:${port}/`;
  opts.log.info({ url, namespace: opts.namespace ?? 'all' }, 'dashboard listening (read-only)');
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        state.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
