import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LabelSelectorError, parseLabelSelector } from './kube/label-selector.ts';
import type { TracingOptions } from './observability/tracing/commit-tracer.ts';
import { TracingConfigError, tracingConfig } from './observability/tracing/tracing-config.ts';

export interface ControllerConfig {
  kubeconfig: string | undefined;
  context: string | undefined;
  /** host:port for /healthz, /readyz, /metrics. */
  httpAddress: { host: string; port: number };
  /** host:port for push webhooks; empty disables the receiver. */
  webhookAddress: { host: string; port: number } | undefined;
  /** host:port for the read-only web dashboard; absent (the default) serves none. */
  dashboardAddress: { host: string; port: number } | undefined;
  concurrency: number;
  logLevel: string;
  /** Where git clones are cached. */
  cacheDir: string;
  /** Largest checkout of one commit (sum of its file sizes) a GitRepository may produce. */
  maxArtifactBytes: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  /**
   * auto: every replica reconciles its share of the shards, each shard held through its own
   * Lease (runtime/sharding/); off: one leader (--leader-elect) or a single replica.
   */
  sharding: 'off' | 'auto';
  /** How many shards objects are split into under --sharding=auto. */
  shards: number;
  /** Shard and membership Leases are named `<prefix>-shard-<i>` and `<prefix>-member-<identity>`. */
  shardLeasePrefix: string;
  /** Reconcile objects in this namespace only (empty: all namespaces). */
  watchNamespace: string | undefined;
  /**
   * Reconcile only the Applications, Git and Helm repositories and Rollouts with these labels (and
   * the AnalysisRuns and Experiments they own): a static shard, as Flux's flag of that name.
   */
  watchLabelSelector: string | undefined;
  /** kustomize binary for overlays. */
  kustomize: string;
  /** helm binary for charts (`helm template`). */
  helm: string;
  /** ServiceAccount (in the Application's namespace) to apply as when an Application names none. */
  defaultServiceAccount: string | undefined;
  /** Secret with the webhook secrets (keys github, gitlab, generic). */
  webhookSecret: { namespace: string; name: string };
  /** This replica's identity (pod name in a cluster). */
  identity: string;
  /** Where the traces of commits go over OTLP/HTTP; undefined: tracing is off. */
  tracing: TracingOptions | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const USAGE = `Usage: sluice-controller [flags]
  --kubeconfig PATH         kubeconfig to use (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --context NAME            kubeconfig context
  --http-address HOST:PORT  /healthz, /readyz, /metrics (default 0.0.0.0:8080)
  --webhook-address H:P     push webhook receiver (default 0.0.0.0:9292; "" disables)
  --dashboard-address H:P   serve the web dashboard read-only with the controller's own
                            service account (default "": none); reach it with
                            kubectl port-forward, it answers only to localhost
  --webhook-secret NS/NAME  Secret holding webhook secrets under keys github, gitlab,
                            generic (default $POD_NAMESPACE/sluice-webhook)
  --watch-namespace NS      reconcile objects in this namespace only (default: all)
  --watch-label-selector S  reconcile only the Applications, Git/HelmRepositories,
                            Rollouts, standalone AnalysisRuns and Experiments these labels
                            select, e.g. sharding.fluxcd.io/key=shard1 (default: all)
  --kustomize PATH          kustomize binary (default: kustomize on PATH)
  --helm PATH               helm binary for charts (default: helm on PATH)
  --default-service-account [NS/]NAME
                            apply as this ServiceAccount when an Application names none:
                            NAME in the Application's namespace, or NS/NAME for one
                            account for all (default: the controller's own identity)
  --concurrency N           reconciles in parallel per kind (default 4)
  --cache-dir PATH          git cache (default /tmp/sluice-cache)
  --max-artifact-bytes N    refuse commits whose files add up to more than N bytes
                            (suffix Ki, Mi, Gi allowed; default 128Mi)
  --leader-elect            take a Lease before reconciling (default off)
  --sharding off|auto       auto: replicas split the objects between them by consistent
                            hashing, each shard owned through its own Lease (default off;
                            excludes --leader-elect)
  --shards N                number of shards under --sharding=auto (default 16); every
                            replica must use the same
  --lease-name NAME         the Lease, in $POD_NAMESPACE (default sluice-controller-leader;
                            with --watch-label-selector, one per selector:
                            sluice-controller-leader-<hash of the selector>)
  --log-level LEVEL         trace|debug|info|warn|error (default info)
  --otlp-endpoint URL       send a trace of each commit to this OTLP/HTTP collector,
                            e.g. http://jaeger:4318 (default: $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
                            else $OTEL_EXPORTER_OTLP_ENDPOINT; none: no tracing)`;

/** Flags win over SLUICE_* environment variables, which win over defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'http-address': { type: 'string' },
        'webhook-address': { type: 'string' },
        'dashboard-address': { type: 'string' },
        'webhook-secret': { type: 'string' },
        kustomize: { type: 'string' },
        helm: { type: 'string' },
        'watch-namespace': { type: 'string' },
        'watch-label-selector': { type: 'string' },
        'default-service-account': { type: 'string' },
        concurrency: { type: 'string' },
        'cache-dir': { type: 'string' },
        'max-artifact-bytes': { type: 'string' },
        'leader-elect': { type: 'boolean' },
        'lease-name': { type: 'string' },
        sharding: { type: 'string' },
        shards: { type: 'string' },
        'log-level': { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  if (values.help) throw new ConfigError(USAGE);
  const str = (flag: string, envName: string, dflt: string): string => {
    const v = values[flag];
    return typeof v === 'string' ? v : (env[envName] ?? dflt);
  };
  const concurrency = Number(str('concurrency', 'SLUICE_CONCURRENCY', '4'));
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigError('--concurrency must be a positive integer');
  const maxArtifactBytes = parseBytes(str('max-artifact-bytes', 'SLUICE_MAX_ARTIFACT_BYTES', '128Mi'));
  if (maxArtifactBytes === undefined)
    throw new ConfigError('--max-artifact-bytes must be a positive number of bytes, e.g. 134217728 or 128Mi');
  const webhook = str('webhook-address', 'SLUICE_WEBHOOK_ADDRESS', '0.0.0.0:9292');
  const dashboard = str('dashboard-address', 'SLUICE_DASHBOARD_ADDRESS', '');
  const podNamespace = env.POD_NAMESPACE ?? 'sluice-system';
  const secret = str('webhook-secret', 'SLUICE_WEBHOOK_SECRET', `${podNamespace}/sluice-webhook`).split('/');
  const [secretNs, secretName] = secret;
  if (secret.length !== 2 || !secretNs || !secretName)
    throw new ConfigError('--webhook-secret must be NAMESPACE/NAME');
  const watchLabelSelector =
    str('watch-label-selector', 'SLUICE_WATCH_LABEL_SELECTOR', '').trim() || undefined;
  if (watchLabelSelector) {
    try {
      parseLabelSelector(watchLabelSelector);
    } catch (err) {
      if (!(err instanceof LabelSelectorError)) throw err;
      throw new ConfigError(`--watch-label-selector: ${err.message}`, { cause: err });
    }
  }
  const leaderElect = values['leader-elect'] === true || env.SLUICE_LEADER_ELECT === 'true';
  const sharding = str('sharding', 'SLUICE_SHARDING', 'off');
  if (sharding !== 'off' && sharding !== 'auto') throw new ConfigError('--sharding must be off or auto');
  if (sharding === 'auto' && leaderElect)
    throw new ConfigError(
      '--sharding=auto and --leader-elect exclude each other: with shards every replica reconciles its share, each shard under its own Lease',
    );
  const shards = Number(str('shards', 'SLUICE_SHARDS', '16'));
  if (!Number.isInteger(shards) || shards < 1 || shards > 1024)
    throw new ConfigError('--shards must be an integer from 1 to 1024');
  const selectorHash = watchLabelSelector
    ? createHash('sha256').update(watchLabelSelector).digest('hex').slice(0, 10)
    : undefined;
  let tracing: TracingOptions | undefined;
  try {
    const flag = values['otlp-endpoint'];
    tracing = tracingConfig(typeof flag === 'string' ? flag : undefined, env);
  } catch (err) {
    if (!(err instanceof TracingConfigError)) throw err;
    throw new ConfigError(err.message, { cause: err });
  }
  return {
    kubeconfig: typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined,
    context: typeof values.context === 'string' ? values.context : undefined,
    httpAddress: parseAddress(str('http-address', 'SLUICE_HTTP_ADDRESS', '0.0.0.0:8080')),
    webhookAddress: webhook ? parseAddress(webhook) : undefined,
    dashboardAddress: dashboard ? parseAddress(dashboard) : undefined,
    concurrency,
    logLevel: str('log-level', 'LOG_LEVEL', 'info'),
    cacheDir: str('cache-dir', 'SLUICE_CACHE_DIR', '/tmp/sluice-cache'),
    maxArtifactBytes,
    leaderElect,
    sharding,
    shards,
    // Each --watch-label-selector group shares out its own shards.
    shardLeasePrefix: selectorHash ? `sluice-${selectorHash}` : 'sluice',
    webhookSecret: { namespace: secretNs, name: secretName },
    kustomize: str('kustomize', 'SLUICE_KUSTOMIZE', 'kustomize'),
    helm: str('helm', 'SLUICE_HELM', 'helm'),
    watchNamespace: str('watch-namespace', 'SLUICE_WATCH_NAMESPACE', '') || undefined,
    watchLabelSelector,
    defaultServiceAccount: str('default-service-account', 'SLUICE_DEFAULT_SERVICE_ACCOUNT', '') || undefined,
    leaseNamespace: podNamespace,
    // Each shard elects its own leader among its replicas.
    leaseName: str(
      'lease-name',
      'SLUICE_LEASE_NAME',
      selectorHash ? `sluice-controller-leader-${selectorHash}` : 'sluice-controller-leader',
    ),
    identity: env.POD_NAME ?? `${process.env.HOSTNAME ?? 'local'}-${process.pid}`,
    tracing,
  };
}

const BYTE_UNITS: Record<string, number> = { '': 1, Ki: 1 << 10, Mi: 1 << 20, Gi: 1 << 30 };

/** `1048576`, `512Ki`, `128Mi`, `1Gi`; undefined when not a positive size. */
function parseBytes(text: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (BYTE_UNITS[m[2] ?? ''] ?? 1);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i).replace(/^\[|\]$/g, '') : '0.0.0.0';
  const portText = addr.slice(i + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError(`invalid address ${addr}`);
  return { host, port };
}
