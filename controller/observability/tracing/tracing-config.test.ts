import { describe, expect, it } from 'vitest';
import { TracingConfigError, tracingConfig } from './tracing-config.ts';

describe('tracingConfig', () => {
  it('is off without an endpoint', () => {
    expect(tracingConfig(undefined, {})).toBeUndefined();
  });

  it('takes the traces endpoint as is, and adds /v1/traces to a base endpoint', () => {
    expect(tracingConfig(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' })).toEqual({
      url: 'http://c:4318/custom',
      serviceName: 'sluice-controller',
    });
    expect(
      tracingConfig(undefined, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/',
        OTEL_SERVICE_NAME: 'sluice-a',
      }),
    ).toEqual({ url: 'http://c:4318/v1/traces', serviceName: 'sluice-a' });
  });

  it('the flag wins over the environment, which can also turn tracing off', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' };
    expect(tracingConfig('http://flag:4318', env)?.url).toBe('http://flag:4318/v1/traces');
    expect(tracingConfig(undefined, { ...env, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingConfig(undefined, { ...env, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('reads the batch delay in milliseconds, and refuses one that is not', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' };
    expect(tracingConfig(undefined, { ...env, OTEL_BSP_SCHEDULE_DELAY: '200' })?.scheduleDelayMs).toBe(200);
    expect(() => tracingConfig(undefined, { ...env, OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toThrow(
      /OTEL_BSP_SCHEDULE_DELAY/,
    );
  });

  it('names the setting of an endpoint that is not an http URL', () => {
    expect(() => tracingConfig('collector:4317', {})).toThrow(TracingConfigError);
    expect(() => tracingConfig(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'nope' })).toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "nope" is not a URL/,
    );
  });
});
