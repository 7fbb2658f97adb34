// What to try once the demo has shown both outcomes, as commands to paste into another shell.

import type { Stack } from './stack.ts';
import { NAMESPACE } from './stack.ts';

export function nextSteps(stack: Stack, lastVersion: string): string {
  const path = [stack.cp.binDir, ...(stack.binDir ? [stack.binDir] : [])].join(':');
  const traffic = `sum by (version) (rate(http_requests_total{namespace="${NAMESPACE}"}[30s]))`;
  const graph = `${stack.prometheus.url}/graph?g0.expr=${encodeURIComponent(traffic)}&g0.tab=0&g0.range_input=15m`;
  const plugin = stack.binDir
    ? [
        `  kubectl sluice get rollout demo -n ${NAMESPACE} --watch`,
        `  kubectl sluice get app demo -n ${NAMESPACE}`,
        `  kubectl sluice dashboard -n ${NAMESPACE}    # then open http://127.0.0.1:3100/`,
      ]
    : ['  (kubectl sluice is not in this checkout yet; plain kubectl shows everything)'];
  return [
    '',
    'Everything keeps running until Ctrl-C, which stops it and removes it. In another shell:',
    '',
    `  export KUBECONFIG=${stack.cp.kubeconfig}`,
    `  export PATH=${path}:$PATH`,
    '',
    `  kubectl get rollouts,apps,gitrepos,analysisruns -n ${NAMESPACE}`,
    `  kubectl events -n ${NAMESPACE}`,
    `  kubectl describe application demo -n ${NAMESPACE}`,
    ...plugin,
    '',
    "Push a fix with git; the repository's post-receive hook tells Sluice at once, and this",
    'window follows the rollout. A tag containing "bad" fails its analysis, any other is promoted:',
    '',
    `  git clone ${stack.repo.url} sluice-demo-app && cd sluice-demo-app`,
    `  sed -i 's|demo-app:${lastVersion}|demo-app:v4|' deploy/rollout.yaml`,
    "  git -c user.name=demo -c user.email=demo@example.invalid commit -am 'v4: fix the errors'",
    '  git push origin main',
    '',
    `Prometheus: ${stack.prometheus.url}  (requests per second by version:`,
    `  ${graph} )`,
    `Controller log: ${stack.controllerLog}`,
    '',
  ].join('\n');
}
