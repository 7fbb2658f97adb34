import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseAddress } from './config.ts';

describe('parseAddress', () => {
  it('reads host:port, IPv6 in brackets, and a port alone', () => {
    expect(parseAddress('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseAddress('[::1]:9292')).toEqual({ host: '::1', port: 9292 });
    expect(parseAddress(':9090')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseAddress('9090')).toEqual({ host: '0.0.0.0', port: 9090 });
  });

  it('refuses ports that are not decimal numbers in range', () => {
    for (const addr of [
      'host:http',
      'host:-1',
      'host:65536',
      'host:80.5',
      'host:',
      'host: ',
      'host:0x50',
      'host:1e3',
    ]) {
      expect(() => parseAddress(addr), addr).toThrow(new ConfigError(`invalid address ${addr}`));
    }
  });
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const c = loadConfig([], { POD_NAME: 'sluice-0' });
    expect(c).toEqual({
      kubeconfig: undefined,
      context: undefined,
      httpAddress: { host: '0.0.0.0', port: 8080 },
      webhookAddress: { host: '0.0.0.0', port: 9292 },
      concurrency: 4,
      logLevel: 'info',
      cacheDir: '/tmp/sluice-cache',
      maxArtifactBytes: 128 * 1024 * 1024,
      leaderElect: false,
      sharding: 'off',
      shards: 16,
      shardLeasePrefix: 'sluice',
      webhookSecret: { namespace: 'sluice-system', name: 'sluice-webhook' },
      kustomize: 'kustomize',
      helm: 'helm',
      defaultServiceAccount: undefined,
      watchLabelSelector: undefined,
      leaseNamespace: 'sluice-system',
      leaseName: 'sluice-controller-leader',
      identity: 'sluice-0',
    });
  });

  it('reads --sharding and --shards, and refuses sharding beside leader election', () => {
    const c = loadConfig(['--sharding=auto', '--shards=8']);
    expect([c.sharding, c.shards, c.shardLeasePrefix]).toEqual(['auto', 8, 'sluice']);
    expect(loadConfig([], { SLUICE_SHARDING: 'auto' }).sharding).toBe('auto');
    expect(loadConfig(['--sharding=auto', '--watch-label-selector=a=b']).shardLeasePrefix).toMatch(
      /^sluice-[0-9a-f]{10}$/,
    );
    expect(() => loadConfig(['--sharding=on'])).toThrow(/--sharding must be off or auto/);
    for (const bad of ['0', '1.5', 'many', '2000'])
      expect(() => loadConfig(['--sharding=auto', `--shards=${bad}`])).toThrow(/--shards/);
    expect(() => loadConfig(['--sharding=auto', '--leader-elect'])).toThrow(/exclude each other/);
  });

  it('reads --max-artifact-bytes as bytes or with a Ki/Mi/Gi suffix, and refuses anything else', () => {
    expect(loadConfig(['--max-artifact-bytes=32Mi']).maxArtifactBytes).toBe(32 * 1024 * 1024);
    expect(loadConfig(['--max-artifact-bytes', '1000']).maxArtifactBytes).toBe(1000);
    expect(loadConfig([], { SLUICE_MAX_ARTIFACT_BYTES: '1Gi' }).maxArtifactBytes).toBe(1 << 30);
    for (const bad of ['0', '-1', '10MB', 'lots'])
      expect(() => loadConfig([`--max-artifact-bytes=${bad}`])).toThrow(/--max-artifact-bytes/);
  });

  it('reads SLUICE_* environment variables and the pod namespace', () => {
    const c = loadConfig([], {
      SLUICE_HTTP_ADDRESS: '127.0.0.1:18080',
      SLUICE_WEBHOOK_ADDRESS: '127.0.0.1:19292',
      SLUICE_CONCURRENCY: '8',
      LOG_LEVEL: 'debug',
      SLUICE_CACHE_DIR: '/var/cache/sluice',
      SLUICE_LEADER_ELECT: 'true',
      SLUICE_WEBHOOK_SECRET: 'ops/hooks',
      SLUICE_KUSTOMIZE: '/usr/local/bin/kustomize',
      SLUICE_HELM: '/usr/local/bin/helm',
      SLUICE_DEFAULT_SERVICE_ACCOUNT: 'deployer',
      POD_NAMESPACE: 'gitops',
      POD_NAME: 'sluice-1',
    });
    expect(c).toMatchObject({
      httpAddress: { host: '127.0.0.1', port: 18080 },
      webhookAddress: { host: '127.0.0.1', port: 19292 },
      concurrency: 8,
      logLevel: 'debug',
      cacheDir: '/var/cache/sluice',
      leaderElect: true,
      webhookSecret: { namespace: 'ops', name: 'hooks' },
      kustomize: '/usr/local/bin/kustomize',
      helm: '/usr/local/bin/helm',
      defaultServiceAccount: 'deployer',
      leaseNamespace: 'gitops',
      identity: 'sluice-1',
    });
  });

  it('puts the default webhook Secret in the pod namespace', () => {
    expect(loadConfig([], { POD_NAMESPACE: 'gitops' }).webhookSecret).toEqual({
      namespace: 'gitops',
      name: 'sluice-webhook',
    });
  });

  it('lets flags win over the environment', () => {
    const env = {
      SLUICE_HTTP_ADDRESS: '127.0.0.1:18080',
      SLUICE_CONCURRENCY: '8',
      LOG_LEVEL: 'debug',
      SLUICE_WEBHOOK_SECRET: 'ops/hooks',
      SLUICE_KUSTOMIZE: '/env/kustomize',
      SLUICE_HELM: '/env/helm',
    };
    const c = loadConfig(
      [
        '--http-address=:9999',
        '--concurrency',
        '2',
        '--log-level',
        'warn',
        '--webhook-secret',
        'flag/secret',
        '--kustomize',
        '/flag/kustomize',
        '--helm',
        '/flag/helm',
        '--kubeconfig',
        '/k/config',
        '--context',
        'kind',
        '--leader-elect',
        '--cache-dir',
        '/flag/cache',
        '--default-service-account',
        'applier',
      ],
      env,
    );
    expect(c).toMatchObject({
      httpAddress: { host: '0.0.0.0', port: 9999 },
      concurrency: 2,
      logLevel: 'warn',
      webhookSecret: { namespace: 'flag', name: 'secret' },
      kustomize: '/flag/kustomize',
      helm: '/flag/helm',
      kubeconfig: '/k/config',
      context: 'kind',
      leaderElect: true,
      cacheDir: '/flag/cache',
      defaultServiceAccount: 'applier',
    });
  });

  it('turns the webhook receiver off with an empty address, from a flag or the environment', () => {
    expect(loadConfig(['--webhook-address', ''], {}).webhookAddress).toBeUndefined();
    expect(loadConfig([], { SLUICE_WEBHOOK_ADDRESS: '' }).webhookAddress).toBeUndefined();
  });

  it('serves the read-only dashboard only when given an address', () => {
    expect(loadConfig([], {}).dashboardAddress).toBeUndefined();
    expect(loadConfig(['--dashboard-address=127.0.0.1:3100'], {}).dashboardAddress).toEqual({
      host: '127.0.0.1',
      port: 3100,
    });
    expect(loadConfig([], { SLUICE_DASHBOARD_ADDRESS: ':3100' }).dashboardAddress).toEqual({
      host: '0.0.0.0',
      port: 3100,
    });
    expect(() => loadConfig(['--dashboard-address=here'], {})).toThrow(/invalid address here/);
  });

  it('refuses unknown flags and missing values, with the usage', () => {
    expect(() => loadConfig(['--nope'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--nope'], {})).toThrow(/Usage: sluice-controller/);
    expect(() => loadConfig(['--concurrency'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['stray'], {})).toThrow(ConfigError);
  });

  it('answers --help with the usage', () => {
    expect(() => loadConfig(['--help'], {})).toThrow(/^Usage: sluice-controller \[flags\]/);
    expect(() => loadConfig(['-h'], {})).toThrow(ConfigError);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    for (const n of ['0', '-1', '1.5', 'many', '']) {
      expect(() => loadConfig([`--concurrency=${n}`], {}), n).toThrow(
        new ConfigError('--concurrency must be a positive integer'),
      );
    }
    expect(() => loadConfig([], { SLUICE_CONCURRENCY: 'zero' })).toThrow(ConfigError);
  });

  it('refuses a webhook Secret that is not NAMESPACE/NAME', () => {
    for (const s of ['just-a-name', '/name', 'ns/', 'a/b/c']) {
      expect(() => loadConfig(['--webhook-secret', s], {}), s).toThrow(
        new ConfigError('--webhook-secret must be NAMESPACE/NAME'),
      );
    }
  });

  it('refuses bad addresses', () => {
    expect(() => loadConfig(['--http-address', 'localhost:http'], {})).toThrow(ConfigError);
    expect(() => loadConfig([], { SLUICE_WEBHOOK_ADDRESS: '0.0.0.0:99999' })).toThrow(ConfigError);
  });

  it('turns leader election on only for SLUICE_LEADER_ELECT=true', () => {
    expect(loadConfig([], { SLUICE_LEADER_ELECT: 'false' }).leaderElect).toBe(false);
    expect(loadConfig([], { SLUICE_LEADER_ELECT: 'yes' }).leaderElect).toBe(false);
  });

  it('reads a shard selector from --watch-label-selector or the environment, with a Lease of its own', () => {
    const flag = loadConfig(['--watch-label-selector=sharding.fluxcd.io/key=shard1']);
    expect(flag.watchLabelSelector).toBe('sharding.fluxcd.io/key=shard1');
    expect(flag.leaseName).toMatch(/^sluice-controller-leader-[0-9a-f]{10}$/);
    const env = loadConfig([], { SLUICE_WATCH_LABEL_SELECTOR: '!sharding.fluxcd.io/key' });
    expect(env.watchLabelSelector).toBe('!sharding.fluxcd.io/key');
    expect(env.leaseName).not.toBe(flag.leaseName);
    expect(loadConfig([]).watchLabelSelector).toBeUndefined();
    expect(
      loadConfig(['--watch-label-selector=a=b', '--lease-name=sluice-controller-leader-shard1']).leaseName,
    ).toBe('sluice-controller-leader-shard1');
    expect(loadConfig([], { SLUICE_LEASE_NAME: 'l' }).leaseName).toBe('l');
    expect(() => loadConfig(['--watch-label-selector=key in (a'])).toThrow(
      '--watch-label-selector: invalid label selector requirement "key in (a"',
    );
  });

  it('falls back to host name and process id for the identity', () => {
    expect(loadConfig([], {}).identity).toMatch(new RegExp(`-${process.pid}$`));
  });
});
