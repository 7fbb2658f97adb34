#!/usr/bin/env node
// The hook goes in before any module that imports client-node is even resolved, hence the
// dynamic import of the controller itself.
import { skipUnusedKubeModules } from './kube/client-node-hook.ts';

skipUnusedKubeModules();
await import('./run.ts');
