// Starts a local control plane for manual use and keeps it until Ctrl-C.
import { startControlPlane } from './control-plane.ts';

const started = Date.now();
const cp = await startControlPlane({ log: (m) => process.stderr.write(`[control-plane] ${m}\n`) });
process.stdout.write(
  `\nControl plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s. In another shell:\n\n` +
    `  export KUBECONFIG=${cp.kubeconfig}\n  export PATH=${cp.binDir}:$PATH\n  kubectl get nodes\n\n` +
    `Logs: ${cp.runDir}\nCtrl-C stops it and removes its data.\n`,
);
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\n[control-plane] stopping\n');
    cp.stop().then(() => process.exit(0));
  });
}
// Keep the event loop alive until a signal arrives.
setInterval(() => {}, 1 << 30);
