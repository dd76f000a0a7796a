"""Run the mirror standalone: python -m pipeline.mirror --port 8765 [--faults]."""

from __future__ import annotations

import argparse
import time

from pipeline.mirror.server import start_mirror


def main(argv: list[str] | None = None) -> None:
    """Serve the mirror until interrupted.

    Args:
        argv: command-line arguments (defaults to sys.argv).
    """
    parser = argparse.ArgumentParser(description="Serve the local Moscow Times mirror.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--faults", action="store_true", help="list the 500/404/slow/huge/flaky pages")
    args = parser.parse_args(argv)
    mirror = start_mirror(args.host, args.port, faults=args.faults)
    print(f"Moscow Times mirror at {mirror.base_url}/ (robots.txt, /rss/news, /sitemap/sitemap.xml); Ctrl-C stops",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        mirror.stop()


if __name__ == "__main__":
    main()
