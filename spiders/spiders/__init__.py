"""Spiders, one per site (Scrapy's SPIDER_MODULES = ["spiders.spiders"])."""
