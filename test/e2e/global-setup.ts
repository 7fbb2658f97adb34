import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../control-plane/control-plane.ts';

export interface ControlPlaneInfo {
  kubeconfig: string;
  server: string;
  caCert: string;
  binDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo;
  }
}

/** One real control plane for the whole end-to-end run; each test file takes a namespace. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cp = await startControlPlane({ log: (m) => process.stderr.write(`[control-plane] ${m}\n`) });
  process.stderr.write(`[control-plane] up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  project.provide('controlPlane', {
    kubeconfig: cp.kubeconfig,
    server: cp.server,
    caCert: cp.caCert,
    binDir: cp.binDir,
  });
  return async () => {
    await cp.stop();
  };
}
