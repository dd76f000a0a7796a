"""Scrapy settings of Transfer Watch: polite defaults for crawling news sites.

Values here are the production defaults; `pipeline.crawl.run_crawl` passes per-run values
(database, base URL, limits, faster test timings) as `-s NAME=value` options.
"""

BOT_NAME = "transfer_watch"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Politeness: say who we are, obey robots.txt, go slowly and back off when the site is slow.
USER_AGENT = "TransferWatch/0.1 (+https://github.com/transfer-watch/transfer-watch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# A resolver that has not answered in this time will not: give up (the default waits a minute).
DNS_TIMEOUT = 10

# Limits: article pages are a few hundred KB; anything far bigger is not an article.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

# Retries: transient statuses and network errors, with exponential backoff between attempts.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # counted in the crawl summary; ERROR is kept for real failures
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    # Last before the download: requests that waited for robots.txt are stopped too.
    "spiders.middlewares.HostBreakerMiddleware": 900,
    "spiders.middlewares.CachedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.RetryDelayMiddleware": 560,
}

ITEM_PIPELINES = {"spiders.pipelines.RawPageStorePipeline": 300}

HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Transfer Watch settings (read by the spiders and the pipeline).
TW_DATABASE_URL = None  # falls back to the TW_DATABASE_URL environment variable
TW_MOSCOW_TIMES_BASE_URL = "https://www.themoscowtimes.com"
TW_ALLOW_PRIVATE_HOSTS = False  # refuse loopback/private base URLs unless a mirror is meant
TW_CRAWL_MAX_PAGES = 0  # article requests per run; 0 means no limit
TW_SITEMAP_MONTHS = 2  # newest monthly sitemaps read per run
TW_LISTING_PAGES = 1  # listing pages per listing (/news/, /news/18, ...)
TW_SITEMAP_URLS = []  # sitemap indexes to read instead of those robots.txt names
TW_SUMMARY_PATH = None  # where the crawl summary JSON goes (also the summary_path spider argument)
TW_ROBOTS_CACHE_DIR = None  # where robots.txt answers are kept between crawls (None: not kept)
TW_ROBOTS_CACHE_SECONDS = 86400  # how long a kept robots.txt is trusted (Google keeps it up to a day)
