/**
 * Live metrics (`metrics.port`): the crawl's stats in the Prometheus text exposition format
 * (version 0.0.4), served on 127.0.0.1 only while the crawl runs.
 *
 * Hand-written rather than prom-client: the stats map is already the source of truth, so each
 * scrape renders a snapshot of it (a few hundred lines at most); prom-client would need every
 * counter registered up front and mirrored on each `stats.inc`, on the hot path, and brings a
 * registry and its dependencies for what is ~100 lines of formatting.
 *
 * Names: a stat key `a/bC/d` becomes `arachne_a_b_c_d`, with `_total` for counters. Keys whose
 * last segments are values (a status, an error code, a proxy id, a host) become labels:
 * `downloader/status/200` is `arachne_downloader_status_total{status="200"}`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatValue, Stats } from '../stats.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';

/** Live figures that are not stats. */
export interface LiveCounts {
  inFlight: number;
  queued: number;
}

export interface MetricsServerOptions {
  /** Port on 127.0.0.1 (`metrics.port`); 0 picks a free one (tests). */
  port: number;
  stats: Stats;
  counts: () => LiveCounts;
  logger: Logger;
}

type MetricType = 'counter' | 'gauge';

interface Family {
  type: MetricType;
  help: string;
  samples: string[];
}

/** Stat keys whose trailing segments are label values: pattern, metric name, label names. */
const LABELLED: readonly [RegExp, string, readonly string[]][] = [
  [/^downloader\/status\/(\d+)$/, 'downloader_status', ['status']],
  [/^downloader\/method\/(.+)$/, 'downloader_method', ['method']],
  [/^downloader\/exception\/(.+)$/, 'downloader_exception', ['code']],
  [/^request\/failed\/(.+)$/, 'request_failed_by_code', ['code']],
  [/^retry\/reason\/(.+)$/, 'retry_reason', ['reason']],
  [/^redirect\/status\/(\d+)$/, 'redirect_status', ['status']],
  [/^redirect\/failed\/(.+)$/, 'redirect_failed', ['code']],
  [/^httpErrors\/ignored\/status\/(\d+)$/, 'http_errors_ignored_status', ['status']],
  [/^spider\/exceptions\/(.+)$/, 'spider_exceptions_by_code', ['code']],
  [/^item\/dropped\/reason\/(.+)$/, 'item_dropped_by_reason', ['reason']],
  [/^item\/errors\/(.+)$/, 'item_errors_by_code', ['code']],
  [/^feed\/items\/(.+)$/, 'feed_items', ['feed']],
  [/^connections\/new_by_host\/(.+)$/, 'connections_new_by_host', ['host']],
  [/^robots\/response_status\/(.+)$/, 'robots_response_status', ['status']],
  [/^proxy\/([^/]+)\/failures\/(.+)$/, 'proxy_failures_by_code', ['proxy', 'code']],
  [/^proxy\/([^/]+)\/([a-z0-9_]+)$/, 'proxy_$2', ['proxy']],
  [/^slot\/(.+)\/([a-z0-9_]+)$/, 'slot_$2', ['slot']],
];

/** Stats that are levels, not running counts. */
const GAUGE = /(rate|_ms|peak|limit|left_in_frontier|per_socket|elapsed_seconds|depth\/max|\/p\d+_ms)$/;

/** `httpErrors/ignored` to `http_errors_ignored`: a valid metric name part. */
function metricPart(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The Prometheus text for a stats snapshot and the live counts. */
export function renderMetrics(stats: Record<string, StatValue>, counts: LiveCounts): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: MetricType, help: string, labels: string, value: number): void => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { type, help, samples: [] }));
    family.samples.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
  };
  add('arachne_requests_in_flight', 'gauge', 'Requests dispatched and not yet finished.', '', counts.inFlight);
  add('arachne_requests_queued', 'gauge', 'Requests waiting in the frontier.', '', counts.queued);
  for (const [key, value] of Object.entries(stats)) {
    if (typeof value === 'string') {
      const state = /^proxy\/([^/]+)\/state$/.exec(key);
      if (state) add('arachne_proxy_state', 'gauge', 'Proxy health state (1 = current).', `{proxy="${labelValue(state[1]!)}",state="${labelValue(value)}"}`, 1);
      else if (key === 'start_time') add('arachne_start_time_seconds', 'gauge', 'Crawl start, seconds since the epoch.', '', Date.parse(value) / 1000);
      continue;
    }
    const type: MetricType = GAUGE.test(key) ? 'gauge' : 'counter';
    const suffix = type === 'counter' ? '_total' : '';
    let name = `arachne_${metricPart(key)}${suffix}`;
    let labels = '';
    for (const [pattern, base, labelNames] of LABELLED) {
      const match = pattern.exec(key);
      if (!match) continue;
      name = `arachne_${metricPart(base.replace('$2', match[2] ?? ''))}${suffix}`;
      labels = `{${labelNames.map((label, i) => `${label}="${labelValue(match[i + 1]!)}"`).join(',')}}`;
      break;
    }
    add(name, type, `Arachne stat ${labels ? key.replace(/\/[^/]+$/, '/<label>') : key}.`, labels, value);
  }
  let out = '';
  for (const [name, family] of families) {
    out += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n${family.samples.join('\n')}\n`;
  }
  return out;
}

/** The `/metrics` endpoint of one crawl. */
export class MetricsServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** The server `metrics.port` asks for; undefined when it is 0 (off). */
  static async fromSettings(
    settings: Readonly<SettingValues>,
    context: Omit<MetricsServerOptions, 'port'>,
  ): Promise<MetricsServer | undefined> {
    const port = settings['metrics.port'];
    return port === 0 ? undefined : MetricsServer.start({ ...context, port });
  }

  /** Listens on 127.0.0.1; a busy port is `ERR_METRICS_PORT`. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const { stats, counts } = options;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape /metrics\n');
        return;
      }
      const body = renderMetrics(stats.toJSON(), counts());
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ConfigError('ERR_METRICS_PORT', `cannot serve metrics on 127.0.0.1:${options.port}: ${error.code ?? error.message}`, {
            hint: 'choose a free port for metrics.port, or 0 to turn metrics off',
          }),
        ),
      );
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    // Scrapers must never keep a finished crawl's process alive.
    server.unref();
    const metrics = new MetricsServer(server);
    options.logger.info(`metrics on ${metrics.url}`);
    return metrics;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/metrics`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
