import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_NODE_FLAGS } from '../support/controller-process.ts';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// Benchmarks and end-to-end tests measure the controller as the image runs it.
describe('the controller’s Node.js flags', () => {
  it('are the same in the image, npm start and the tests’ controller process', () => {
    const entrypoint = JSON.parse(
      /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(read('Dockerfile'))?.[1] ?? '[]',
    ) as string[];
    expect(entrypoint).toEqual(['node', ...CONTROLLER_NODE_FLAGS, 'controller/main.ts']);
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe(['node', ...CONTROLLER_NODE_FLAGS, 'controller/main.ts'].join(' '));
  });
});
