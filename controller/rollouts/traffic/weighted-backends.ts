// Shared by routers that keep weights inside a list of backends of someone else's object
// (HTTPRoute backendRefs, VirtualService route destinations): compute the JSON patch that sets
// the canary and stable weights, each change guarded by a `test` of the backend it targets so
// a concurrent edit to the list fails the patch instead of moving the wrong weight.

export interface BackendSlot {
  /** JSON pointer of the backend entry, e.g. /spec/rules/0/backendRefs/1. */
  pointer: string;
  /** Pointer and value that identify the entry (tested before writing). */
  testPath: string;
  testValue: unknown;
  role: 'canary' | 'stable';
  weight: number | undefined;
}

export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export function weightPatch(slots: readonly BackendSlot[], canaryWeight: number): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const s of slots) {
    const want = s.role === 'canary' ? canaryWeight : 100 - canaryWeight;
    if (s.weight === want) continue;
    ops.push({ op: 'test', path: s.testPath, value: s.testValue });
    ops.push({ op: 'add', path: `${s.pointer}/weight`, value: want });
  }
  return ops;
}

export function weightsInEffect(slots: readonly BackendSlot[], canaryWeight: number): boolean {
  return slots.every((s) => s.weight === (s.role === 'canary' ? canaryWeight : 100 - canaryWeight));
}
