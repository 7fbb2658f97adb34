import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/resources.ts';
import {
  checkIgnoreDifferences,
  ignoredPointers,
  leaveIgnored,
  rulesFor,
  without,
} from './ignore-differences.ts';
import { fieldOwners } from './managed-fields.ts';

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27' },
          { name: 'log', image: 'busybox' },
        ],
      },
    },
  },
};

/** Live after `kubectl scale --replicas=5` and a sidecar injector setting the log image. */
const live: KubeObject = {
  ...desired,
  metadata: {
    name: 'web',
    namespace: 'apps',
    managedFields: [
      {
        manager: 'sluice',
        operation: 'Apply',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:template': {
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {} },
                  'k:{"name":"log"}': { '.': {}, 'f:name': {} },
                },
              },
            },
          },
        },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        subresource: 'scale',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
      {
        manager: 'injector',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"log"}': { 'f:image': {} } } } },
          },
        },
      },
    ],
  } as KubeObject['metadata'],
  spec: {
    replicas: 5,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27' },
          { name: 'log', image: 'busybox:1.37' },
        ],
      },
    },
  },
};

describe('checkIgnoreDifferences', () => {
  it('accepts Argo CD rules', () => {
    expect(() =>
      checkIgnoreDifferences([
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas', '/metadata/labels/a~1b'] },
        { kind: 'ConfigMap', managedFieldsManagers: ['kube-controller-manager'] },
      ]),
    ).not.toThrow();
    expect(() => checkIgnoreDifferences(undefined)).not.toThrow();
  });

  it('refuses a pointer that does not start with "/", naming the field', () => {
    expect(() =>
      checkIgnoreDifferences([
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec', 'spec/replicas'] },
      ]),
    ).toThrow(
      'spec.ignoreDifferences[0].jsonPointers[1]: "spec/replicas" is not a JSON pointer: it must start with "/" (such as /spec/replicas)',
    );
  });

  it('refuses a bad "~" escape and the unsupported jqPathExpressions', () => {
    expect(() => checkIgnoreDifferences([{ kind: 'Service', jsonPointers: ['/metadata/~2'] }])).toThrow(
      'spec.ignoreDifferences[0].jsonPointers[0]',
    );
    const jq = { kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] } as never;
    expect(() => checkIgnoreDifferences([{ kind: 'Service' }, jq])).toThrow(
      'spec.ignoreDifferences[1].jqPathExpressions is not supported; use jsonPointers',
    );
  });
});

describe('rulesFor', () => {
  const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'apps' };

  it('matches group and kind, and name and namespace when given', () => {
    const rules = [
      { group: 'apps', kind: 'Deployment' },
      { group: 'apps', kind: 'Deployment', name: 'other' },
      { group: 'apps', kind: 'Deployment', namespace: 'apps', name: 'web' },
      { kind: 'Deployment' },
      { group: 'apps', kind: 'StatefulSet' },
    ];
    expect(rulesFor(rules, target)).toEqual([rules[0], rules[2]]);
    expect(
      rulesFor([{ kind: 'ConfigMap' }], { ...target, apiVersion: 'v1', kind: 'ConfigMap' }),
    ).toHaveLength(1);
  });
});

describe('fieldOwners', () => {
  it('resolves FieldsV1 against the object: fields, list items by key, by value and by index', () => {
    const owners = fieldOwners(live);
    expect(owners).toContainEqual({ manager: 'kubectl', pointer: '/spec/replicas' });
    expect(owners).toContainEqual({ manager: 'injector', pointer: '/spec/template/spec/containers/1/image' });
    expect(owners).toContainEqual({ manager: 'sluice', pointer: '/spec/template/spec/containers/0/image' });
    const sets = fieldOwners({
      metadata: {
        managedFields: [
          {
            manager: 'm',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:finalizers': { 'v:"b"': {} }, 'f:args': { 'i:1': {} } },
          },
        ],
      },
      finalizers: ['a', 'b'],
      args: ['x', 'y'],
    });
    expect(sets).toEqual([
      { manager: 'm', pointer: '/finalizers/1' },
      { manager: 'm', pointer: '/args/1' },
    ]);
  });

  it('skips items the object no longer has and entries it cannot read', () => {
    expect(
      fieldOwners({
        metadata: {
          managedFields: [
            { manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { 'f:list': { 'k:{"name":"gone"}': {} } } },
            { manager: 'n' },
          ],
        },
        list: [{ name: 'here' }],
      }),
    ).toEqual([]);
    expect(fieldOwners(undefined)).toEqual([]);
  });
});

describe('ignoredPointers', () => {
  it('joins the pointers named and the fields the named managers own, last list items first', () => {
    expect(
      ignoredPointers(
        [
          {
            kind: 'Deployment',
            jsonPointers: ['/spec/template/spec/containers/0/image'],
            managedFieldsManagers: ['injector', 'kubectl'],
          },
        ],
        live,
      ),
    ).toEqual([
      '/spec/template/spec/containers/1/image',
      '/spec/template/spec/containers/0/image',
      '/spec/replicas',
    ]);
  });

  it("has no managers' fields without a live object", () => {
    expect(ignoredPointers([{ kind: 'Deployment', managedFieldsManagers: ['kubectl'] }], undefined)).toEqual(
      [],
    );
  });
});

describe('leaveIgnored', () => {
  it('leaves out a field another manager owns, so that manager keeps it', () => {
    const sent = leaveIgnored(desired, live, ['/spec/replicas'], 'sluice');
    expect(sent.spec).not.toHaveProperty('replicas');
    expect(desired.spec).toHaveProperty('replicas', 2);
  });

  it('sends the live value of a field only Sluice manages, so the API server does not delete it', () => {
    const sent = leaveIgnored(
      desired,
      live,
      ['/spec/template/spec/containers/0/image', '/spec/template/spec/containers/1/image'],
      'sluice',
    );
    const containers = (sent.spec as { template: { spec: { containers: { image?: string }[] } } }).template
      .spec.containers;
    expect(containers[0]?.image).toBe('nginx:1.27');
    expect(containers[1]).toEqual({ name: 'log' });
  });

  it('creates a new object whole, and sends as it is what has nothing ignored', () => {
    expect(leaveIgnored(desired, undefined, ['/spec/replicas'], 'sluice')).toBe(desired);
    expect(leaveIgnored(desired, live, [], 'sluice')).toBe(desired);
    expect(leaveIgnored(desired, live, ['/spec/paused'], 'sluice')).toEqual(desired);
  });
});

describe('without', () => {
  it('removes the fields named from a copy, and ignores absent ones', () => {
    const doc = { spec: { replicas: 3, list: [1, 2, 3] } };
    expect(without(doc, ['/spec/list/2', '/spec/list/0', '/spec/replicas', '/spec/missing/x'])).toEqual({
      spec: { list: [2] },
    });
    expect(doc.spec.replicas).toBe(3);
  });
});
