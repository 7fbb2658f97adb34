import { registerHooks } from 'node:module';

/**
 * client-node's KubeConfig module imports, besides the kubeconfig handling we borrow (TLS,
 * tokens, exec plugins, proxies: client.ts speaks HTTP itself), two things only other paths
 * of it use: the package's whole generated API (every model and typed client), for
 * `makeApiClient`, and undici, for `applyToFetchOptions`. Together they are about 60 MiB
 * resident in a running controller. This hook hands config.js a stand-in for each, so neither
 * is loaded. A stand-in exports the names config.js imports (client-node-hook.test.ts checks
 * them against the installed version): were an upgrade to import another, the module would
 * fail to link and the controller to start, not misbehave.
 */
export const STANDS_IN_FOR: Record<string, string[]> = {
  './gen/index.js': ['createConfiguration', 'ServerConfiguration'],
  undici: ['Agent', 'ProxyAgent'],
};

const CONFIG_MODULE = '/@kubernetes/client-node/dist/config.js';

function standIn(specifier: string, names: string[]): string {
  const source = [
    `const unused = () => new Error('${specifier} is not loaded in the controller (kube/client-node-hook.ts)');`,
    ...names.map((n) => `export class ${n} { constructor() { throw unused(); } }`),
  ];
  // A class also stands in for a function: calling it throws as well.
  return `data:text/javascript,${encodeURIComponent(source.join('\n'))}`;
}

/** Must run before anything imports client-node: static imports resolve before code runs. */
export function skipUnusedKubeModules(): void {
  const urls = new Map(Object.entries(STANDS_IN_FOR).map(([s, names]) => [s, standIn(s, names)]));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const url = urls.get(specifier);
      if (url !== undefined && context.parentURL?.endsWith(CONFIG_MODULE)) {
        return { url, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}
