import { describe, expect, it } from 'vitest';
import { ProviderBadResponseError, ProviderQueryError } from '../provider-errors.ts';
import { interpretPrometheusAnswer } from './response.ts';

const WHERE = 'http://prometheus.test:9090/api/v1/query';
const JSON_TYPE = 'application/json';

function interpret(status: number, body: string, contentType = JSON_TYPE, secrets: string[] = []) {
  try {
    return interpretPrometheusAnswer({ status, contentType, body }, WHERE, secrets);
  } catch (error) {
    return error;
  }
}

describe('interpretPrometheusAnswer', () => {
  it('success → data and warnings', () => {
    const body = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [] },
      warnings: ['PromQL info: metric might not be a counter'],
    });
    expect(interpret(200, body)).toEqual({
      resultType: 'vector',
      result: [],
      warnings: ['PromQL info: metric might not be a counter'],
    });
  });

  it.each([
    [400, 'bad_data', '1:5: parse error: unclosed left parenthesis'],
    [422, 'execution', 'query processing would load too many samples into memory'],
    [503, 'timeout', 'query timed out in expression evaluation'],
    [200, 'internal', 'odd but possible behind a proxy'],
  ])('HTTP %i status:error → query error %s', (status, errorType, message) => {
    const error = interpret(status, JSON.stringify({ status: 'error', errorType, error: message }));
    expect(error).toBeInstanceOf(ProviderQueryError);
    expect(error).toMatchObject({ kind: 'query', errorType, error: message, status });
    expect((error as Error).message).toContain(message);
  });

  it('status:error without details still is a query error', () => {
    expect(interpret(400, '{"status":"error"}')).toMatchObject({ errorType: 'unknown', kind: 'query' });
  });

  const badResponses: [string, number, string, string, string][] = [
    [
      'HTML 200 (UI or login page)',
      200,
      '<!DOCTYPE html><html><title>Login</title></html>',
      'text/html',
      'html',
    ],
    ['HTML without content type', 200, '  <html><body>hi</body></html>', '', 'html'],
    ['HTML 502 from a proxy', 502, '<html><h1>502 Bad Gateway</h1></html>', 'text/html', 'http-status'],
    ['plain 500', 500, 'internal error', 'text/plain', 'http-status'],
    ['empty 503', 503, '', '', 'http-status'],
    ['JSON 404 not from Prometheus', 404, '{"message":"no route"}', JSON_TYPE, 'http-status'],
    ['garbage 200', 200, 'ok\u0000\u0001', 'text/plain', 'not-json'],
    ['empty 200', 200, '', JSON_TYPE, 'not-json'],
    ['JSON null', 200, 'null', JSON_TYPE, 'unexpected-shape'],
    ['JSON array', 200, '[1,2]', JSON_TYPE, 'unexpected-shape'],
    ['success without data', 200, '{"status":"success"}', JSON_TYPE, 'unexpected-shape'],
    ['unknown status', 200, '{"status":"partial","data":{}}', JSON_TYPE, 'unexpected-shape'],
  ];
  it.each(badResponses)('%s → bad response (%s)', (_name, status, body, contentType, reason) => {
    const error = interpret(status, body, contentType);
    expect(error).toBeInstanceOf(ProviderBadResponseError);
    expect(error).toMatchObject({ kind: 'bad-response', reason, status });
    expect((error as Error).message).toContain(WHERE);
  });

  it('an HTML message names the likely mistake and quotes a short excerpt', () => {
    const error = interpret(200, `<html>${'x'.repeat(5000)}</html>`, 'text/html') as Error;
    expect(error.message).toMatch(/HTML page instead of JSON/);
    expect(error.message.length).toBeLessThan(500);
  });

  it('credentials echoed by a server are scrubbed from the message', () => {
    const error = interpret(401, 'denied for token s3cr3t-token', 'text/plain', ['s3cr3t-token']) as Error;
    expect(error.message).not.toContain('s3cr3t-token');
    expect(error.message).toContain('[redacted]');
  });
});
