import { describe, expect, it } from 'vitest';
import type { Experiment, ExperimentTemplate } from '../api/experiment.ts';
import { buildTemplateService, TemplateServiceError, templateServiceName } from './template-services.ts';

const exp: Experiment = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp', namespace: 'shop', uid: 'exp-uid' },
  spec: { templates: [] },
};
const template = (
  service?: { name?: string },
  ports = [{ name: 'http', containerPort: 8080 }],
): ExperimentTemplate => ({
  name: 'canary',
  selector: { matchLabels: { app: 'web' } },
  template: {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'a', image: 'web:2', ports }] },
  },
  ...(service ? { service } : {}),
});

describe('template Service', () => {
  it('is named like the ReplicaSet unless named, and only when asked for', () => {
    expect(templateServiceName(exp, template())).toBeUndefined();
    expect(templateServiceName(exp, template({}))).toBe('exp-canary');
    expect(templateServiceName(exp, template({ name: 'preview' }))).toBe('preview');
  });

  it("selects the template's pods by their hash, with a port for each container port", () => {
    const svc = buildTemplateService(exp, template({}), 'abc');
    expect(svc.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Experiment', uid: 'exp-uid' });
    expect(svc.spec).toEqual({
      selector: { app: 'web', 'rollouts-pod-template-hash': 'abc' },
      ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
  });

  it('is refused, naming the template, when the template exposes no port', () => {
    expect(() => buildTemplateService(exp, template({}, []), 'abc')).toThrow(TemplateServiceError);
    expect(() => buildTemplateService(exp, template({}, []), 'abc')).toThrow(
      'template "canary": service needs at least one container port',
    );
  });
});
