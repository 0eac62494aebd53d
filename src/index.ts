/** Arachne's public API. Re-exports only: nothing inside Arachne imports this file. */
export { Spider, type SpiderClass, type SpiderOptions, type SpiderOutput, type CallbackResult, type Failure, type FinalStats, type SpiderRequestInit } from './spider/spider.js';
export { LinkExtractor, IGNORED_EXTENSIONS, type Link, type LinkExtractorOptions, type Pattern, type Patterns } from './spider/link-extractor.js';
export { Rule, type RuleOptions, type ProcessLinks, type ProcessRequest } from './spider/rule.js';
export { CrawlSpider } from './spider/crawl-spider.js';
export { SitemapSpider, type SitemapRule, type SitemapInfo } from './spider/sitemap-spider.js';
export { parseSitemap, sitemapUrlsFromRobots, SITEMAP_MAX_BYTES, type Sitemap, type SitemapEntry, type SitemapType } from './spider/sitemap.js';
export { Request, type RequestInit, type RequestMeta, type RequestData, type CallbackRef, type CallbackName, type CallbackOf, type KwargsOf } from './http/request.js';
export { Response, type ResponseInit, type ResponseHeaders, type Timings } from './http/response.js';
export { canonicalizeUrl } from './http/url.js';
export { Selector, SelectorList, type SelectorRoot } from './selector/selector.js';
export type { AttributeNode } from './selector/nodes.js';
export type { ReOptions } from './selector/re.js';
export type { Variables as XPathVariables } from './selector/xpath/evaluate.js';
export { fingerprint } from './http/fingerprint.js';
export { defineConfig, type ConfigInput, type TypedFeedConfig } from './settings/config.js';
export { DEFAULTS, type SettingKey, type SettingValues, type FeedConfig, type FeedFormat } from './settings/defaults.js';
export {
  ArachneError,
  ConfigError,
  RetryableError,
  DropRequestError,
  CallbackError,
  DropItem,
  CloseSpider,
  type ErrorKind,
} from './errors.js';
export { Crawler, type CrawlerOptions, type CrawlResult } from './core/crawler.js';
export { Stats } from './stats.js';
export type { CrawlEvents } from './trace/events.js';
export type { Clock } from './clock.js';
export type { Logger, LogLevel } from './log.js';
export type { Item } from './spider/item.js';
export type { Contract, Contracts, CountRange } from './spider/contracts.js';
export type { ItemPipeline, Pipeline, PipelineClass, PipelineContext, PipelineRef } from './items/pipeline.js';
export { defineItem, itemTag, type ItemType, type ItemOf, type ItemInputOf, type IssueData, type ItemTag, type DefineItemOptions } from './spider/item-schema.js';
export { isFilled } from './items/coverage.js';
export type { Extension, ExtensionClass, ExtensionContext } from './extensions/extension.js';
export { runSpider, crawlItems, type RunSpiderOptions, type RunSpiderResult, type CrawlItemsOptions, type ItemsOf } from './core/run-spider.js';
export type { DownloaderMiddleware, DownloaderMiddlewareClass, Handler, DownloadResult, MiddlewareContext } from './downloader/middleware.js';
export { DEFAULT_DOWNLOADER_MIDDLEWARES, Downloader, type DownloaderMiddlewaresRef } from './downloader/downloader.js';
export { Transport, type TransportOptions, type TransportStats } from './downloader/transport.js';
export { RobotsMiddleware } from './downloader/middlewares/robots.js';
export { HttpAuthMiddleware } from './downloader/middlewares/http-auth.js';
export { DefaultHeadersMiddleware } from './downloader/middlewares/default-headers.js';
export { UserAgentMiddleware } from './downloader/middlewares/user-agent.js';
export { RetryMiddleware } from './downloader/middlewares/retry.js';
export { RedirectMiddleware } from './downloader/middlewares/redirect.js';
export { CookiesMiddleware } from './downloader/middlewares/cookies.js';
export { DownloaderStatsMiddleware } from './downloader/middlewares/downloader-stats.js';
export { HttpCacheMiddleware } from './downloader/middlewares/http-cache.js';
export type { FromCurlOptions } from './http/curl.js';
export type { SpiderMiddleware, SpiderMiddlewareClass, SpiderMiddlewaresRef } from './spidermw/spider-middleware.js';
export { DEFAULT_SPIDER_MIDDLEWARES } from './spidermw/defaults.js';
