// prometheus.yml for the test server: short intervals so a test sees data within seconds, and
// static targets only (there is no service discovery on loopback).

import { stringify } from 'yaml';

export interface ScrapeJob {
  /** Becomes the `job` label. */
  job: string;
  /** `host:port` of each target, e.g. `127.0.0.1:43121`. */
  targets: string[];
  /** Extra labels put on every series of these targets. */
  labels?: Record<string, string>;
  metricsPath?: string;
}

interface ConfigTiming {
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
}

export function renderPrometheusConfig(jobs: readonly ScrapeJob[], timing: ConfigTiming): string {
  const names = new Set<string>();
  for (const job of jobs) {
    if (job.job === '' || names.has(job.job))
      throw new Error(`scrape job name '${job.job}' is empty or repeated`);
    names.add(job.job);
    for (const target of job.targets) {
      // Prometheus rejects a URL here, and the mistake is easy to make with app.url at hand.
      if (target.includes('/')) throw new Error(`scrape target '${target}' must be host:port, not a URL`);
    }
  }
  const interval = `${timing.scrapeIntervalSeconds}s`;
  return stringify({
    global: {
      scrape_interval: interval,
      // Must not exceed the interval; a slow target then shows as down rather than stalling.
      scrape_timeout: interval,
      evaluation_interval: `${timing.evaluationIntervalSeconds}s`,
    },
    scrape_configs: jobs.map((job) => ({
      job_name: job.job,
      metrics_path: job.metricsPath ?? '/metrics',
      static_configs: [{ targets: job.targets, ...(job.labels ? { labels: job.labels } : {}) }],
    })),
  });
}
