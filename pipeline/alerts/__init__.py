"""Alert outbox: queue alerts with their claims, deliver them to Slack, email or the console.

Detection calls `enqueue_alert` inside the transaction that stores the claim, which writes one
Alert (keyed by a stable `uid`) and one Delivery row per channel whose watchlist accepts it.
`deliver_pending` runs later, in its own short transactions: it marks a row `sending_at`, sends,
then marks it sent, or records the error and the time of the next try (exponential backoff across
runs). A process killed between send and mark leaves `sending_at` set; once that lease expires the
row is sent again with the same alert id. Delivery is therefore at-least-once, with a duplicate
possible only for a message that was in flight when the process died (or whose send timed out after
the server had accepted it).

Payload shape (a JSON object; every key optional except kind):
    kind            "NEW" | "UPDATE" (claim alerts) or "HEALTH" (a source's layout drifted)
    headline        one-line title; rebuilt from the fields when absent
    alert_id        the alert's uid (filled in by enqueue_alert)
    supplier        ISO 3166-1 alpha-3 code, "EU", "NATO", "WEST" or null
    recipient       same as supplier
    category        artillery_ammunition, missiles, drones, ... (transfer-claims.md)
    item            the words naming the item, as written
    quantity        {"min": number|null, "max": number|null, "unit": "rounds"|"usd"|...} or null
    status          delivered | committed | unclear
    stance          affirmed | hedged | denied
    claimant        who makes the claim, as written, or null (the outlet itself)
    sentence        the sentence holding the claim
    outlet          the outlet's name ("The Moscow Times")
    url, title      the article's link and title
    published       ISO 8601 date-time of the article, or null
    corroboration   number of distinct sources reporting the same transfer (the cluster)
    change          for UPDATE: "up to 4.8 million, was more than 1 million"
    cues            the words that made the detector decide (list of strings)
    source, reason  for HEALTH: the source key and why it looks degraded

Modules: outbox (queue, list, retry), delivery (send, backoff, report), channels (Slack, email,
console), render (message text), watchlist (the file and its filters), settings (channels from the
environment and Airflow), redaction (secrets out of errors and logs).
"""

from pipeline.alerts.channels import Channel, ConsoleChannel, DeliveryError, EmailChannel, OutgoingAlert, SlackChannel
from pipeline.alerts.delivery import DeliveryPolicy, DeliveryReport, deliver_pending, load_delivery_policy
from pipeline.alerts.outbox import enqueue_alert, list_alerts, retry_failed
from pipeline.alerts.redaction import redact
from pipeline.alerts.render import (
    render_digest_text,
    render_email,
    render_email_digest,
    render_slack_blocks,
    render_slack_digest,
    render_text,
)
from pipeline.alerts.settings import load_channels
from pipeline.alerts.watchlist import Watch, parse_watch, read_watchlist

__all__ = [
    "Channel",
    "ConsoleChannel",
    "DeliveryError",
    "DeliveryPolicy",
    "DeliveryReport",
    "EmailChannel",
    "OutgoingAlert",
    "SlackChannel",
    "Watch",
    "deliver_pending",
    "enqueue_alert",
    "list_alerts",
    "load_channels",
    "load_delivery_policy",
    "parse_watch",
    "read_watchlist",
    "redact",
    "render_digest_text",
    "render_email",
    "render_email_digest",
    "render_slack_blocks",
    "render_slack_digest",
    "render_text",
    "retry_failed",
]
