// `kubectl sluice dashboard [--port 3100] [-n NS | -A]`: serves the web dashboard on loopback
// until Ctrl-C, talking to the cluster as the user (their kubeconfig, their rights).

import type { AddressInfo } from 'node:net';
import { EXIT_OK } from '../cli-errors.ts';
import type { Io } from '../io.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';
import { sessionActions } from './actions.ts';
import { LiveState } from './live-state.ts';
import { dashboardServer } from './server.ts';

export async function dashboard(session: Session, options: Options, io: Io): Promise<number> {
  const state = new LiveState(session.client, options.allNamespaces ? undefined : session.namespace);
  const server = dashboardServer({ state, actions: sessionActions(session) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  state.start();
  const { port } = server.address() as AddressInfo;
  io.stdout.write(
    `Sluice dashboard for ${state.namespace ? `namespace ${state.namespace}` : 'all namespaces'}: http://127.0.0.1:${port}/\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  state.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return EXIT_OK;
}
