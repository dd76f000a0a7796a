"""Render alert payloads as plain text, Slack Block Kit and email (single alerts and digests); pure."""

from __future__ import annotations

import hashlib
import html
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Iterable

# Slack rejects a message whose header exceeds 150 characters, a section text 3000, a field 2000,
# or more than 50 blocks; we stay under these so a long sentence never turns into a lost alert.
SLACK_HEADER_MAX = 150
SLACK_SECTION_MAX = 3000
SLACK_FIELD_MAX = 2000
SLACK_MAX_BLOCKS = 50
DIGEST_LINE_MAX = 400
MESSAGE_ID_DOMAIN = "transfer-watch.invalid"


def headline(payload: dict) -> str:
    """Return the one-line title of an alert, e.g. "NEW transfer claim: PRK -> RUS artillery ammunition".

    Args:
        payload: an alert payload (see pipeline.alerts for its shape).
    """
    kind = payload.get("kind") or "ALERT"
    if kind == "HEALTH":
        outlet = payload.get("outlet") or payload.get("source") or "a source"
        return f"HEALTH: {outlet} may have changed its layout"
    category = (payload.get("category") or "unspecified").replace("_", " ")
    return f"{kind} transfer claim: {payload.get('supplier') or '?'} -> {payload.get('recipient') or '?'} {category}"


def format_number(value: float) -> str:
    """Return a number as people write it in news: 1 million, 4.8 million, 2.5 billion, 12,000.

    Args:
        value: the number.
    """
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{round(value / size, 2):g} {word}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_quantity(quantity: dict | None) -> str | None:
    """Return a quantity such as "more than 1 million rounds", "up to 6 million", "$2.5 billion".

    Args:
        quantity: {"min", "max", "unit"} as in transfer-claims.md, or None.
    """
    if not quantity:
        return None
    low, high, unit = quantity.get("min"), quantity.get("max"), (quantity.get("unit") or "").strip()
    if low is None and high is None:
        return None

    def amount(value: float) -> str:
        text = format_number(value)
        symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(unit.lower())
        if symbol:
            return symbol + text
        return f"{text} {unit}".strip()

    if low is not None and high is not None:
        return amount(low) if low == high else f"{format_number(low)} to {amount(high)}"
    if low is not None:
        return f"more than {amount(low)}"
    return f"up to {amount(high)}"


def claim_fields(payload: dict) -> list[tuple[str, str]]:
    """Return the (label, value) pairs an alert shows, leaving out empty ones.

    Args:
        payload: an alert payload.
    """
    if payload.get("kind") == "HEALTH":
        pairs = [("Source", payload.get("outlet") or payload.get("source")), ("Reason", payload.get("reason"))]
        return [(label, str(value)) for label, value in pairs if value]
    corroboration = payload.get("corroboration")
    pairs = [
        ("Supplier", payload.get("supplier") or "not stated"),
        ("Recipient", payload.get("recipient") or "not stated"),
        ("Category", (payload.get("category") or "").replace("_", " ")),
        ("Item", payload.get("item")),
        ("Quantity", format_quantity(payload.get("quantity"))),
        ("Status", payload.get("status")),
        ("Stance", payload.get("stance")),
        ("Corroboration", _sources(corroboration) if corroboration else None),
    ]
    return [(label, str(value)) for label, value in pairs if value]


def render_text(payload: dict, *, uid: str | None = None) -> str:
    """Return an alert as plain text (console and the email text part).

    Args:
        payload: an alert payload.
        uid: the alert's stable id, printed so a resend can be recognised.
    """
    lines = [headline(payload)]
    lines += [f"{label}: {value}" for label, value in claim_fields(payload)]
    if payload.get("change"):
        lines.append(f"Change: {payload['change']}")
    if payload.get("sentence"):
        lines.append(f'"{payload["sentence"]}"')
    lines.append(f"Claimant: {payload.get('claimant') or 'the outlet itself'}" if payload.get("kind") != "HEALTH" else "")
    lines.append(_outlet_line(payload))
    if payload.get("url"):
        lines.append(payload["url"])
    uid = uid or payload.get("alert_id")
    if uid:
        lines.append(f"Alert id: {uid}")
    return "\n".join(line for line in lines if line)


def render_slack_blocks(payload: dict, *, uid: str | None = None) -> dict:
    """Return the JSON body of a Slack incoming-webhook message for one alert (Block Kit).

    Args:
        payload: an alert payload.
        uid: the alert's stable id, shown in a context block.
    """
    title = headline(payload)
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX)}}]
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{label}*\n{_mrkdwn(value)}", SLACK_FIELD_MAX)}
        for label, value in claim_fields(payload)
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    if payload.get("change"):
        blocks.append(_section(f"*Change:* {_mrkdwn(payload['change'])}"))
    if payload.get("sentence"):
        blocks.append(_section("> " + _mrkdwn(payload["sentence"]).replace("\n", "\n> ")))
    source_lines = []
    if payload.get("kind") != "HEALTH":
        source_lines.append(f"*Claimant:* {_mrkdwn(payload.get('claimant') or 'the outlet itself')}")
    source_lines.append(f"*Outlet:* {_slack_outlet(payload)}")
    blocks.append(_section("\n".join(source_lines)))
    uid = uid or payload.get("alert_id")
    context = "Transfer Watch" + (f" · alert id `{uid}`" if uid else "")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": _cut(title, SLACK_SECTION_MAX), "blocks": blocks}


def render_email(
    payload: dict,
    *,
    uid: str | None = None,
    sender: str | None = None,
    recipients: Iterable[str] = (),
) -> EmailMessage:
    """Return one alert as an email with text and HTML parts and a subject that says what it is.

    The Message-ID is derived from the alert id, so mail systems can also recognise a resend.

    Args:
        payload: an alert payload.
        uid: the alert's stable id (header X-Transfer-Watch-Alert-Id and Message-ID).
        sender: the From address.
        recipients: the To addresses.
    """
    uid = uid or payload.get("alert_id")
    body_html = _email_html_alert(payload, uid)
    return _email(headline(payload), render_text(payload, uid=uid), body_html, [uid] if uid else [], sender, recipients)


def digest_counts(payloads: list[dict]) -> str:
    """Return "3 NEW, 1 UPDATE" for a list of payloads.

    Args:
        payloads: alert payloads.
    """
    counts: dict[str, int] = {}
    for payload in payloads:
        counts[payload.get("kind") or "ALERT"] = counts.get(payload.get("kind") or "ALERT", 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())


def digest_title(payloads: list[dict]) -> str:
    """Return the title of a digest, e.g. "Transfer Watch digest: 12 alerts (10 NEW, 2 UPDATE)".

    Args:
        payloads: the alert payloads in the digest.
    """
    noun = "alert" if len(payloads) == 1 else "alerts"
    return f"Transfer Watch digest: {len(payloads)} {noun} ({digest_counts(payloads)})"


def digest_line(payload: dict, *, uid: str | None = None) -> str:
    """Return one digest line: headline, quantity, status/stance, outlet and alert id (plain text).

    Args:
        payload: an alert payload.
        uid: the alert's stable id.
    """
    uid = uid or payload.get("alert_id")
    parts = [headline(payload)]
    detail = ", ".join(
        value
        for value in (
            payload.get("item"),
            format_quantity(payload.get("quantity")),
            "/".join(v for v in (payload.get("status"), payload.get("stance")) if v),
            payload.get("change") and f"change: {payload['change']}",
            payload.get("reason"),
        )
        if value
    )
    if detail:
        parts.append(detail)
    parts.append(_outlet_line(payload).removeprefix("Outlet: "))
    line = " — ".join(parts)
    line = _cut(line, DIGEST_LINE_MAX)
    if payload.get("url"):
        line += f" {payload['url']}"
    return line + (f" [{uid}]" if uid else "")


def render_digest_text(items: list[tuple[str | None, dict]]) -> str:
    """Return a digest of several alerts as plain text.

    Args:
        items: (uid, payload) pairs in the order they should be listed.
    """
    payloads = [payload for _, payload in items]
    lines = [digest_title(payloads), ""]
    lines += [f"- {digest_line(payload, uid=uid)}" for uid, payload in items]
    return "\n".join(lines)


def render_slack_digest(items: list[tuple[str | None, dict]]) -> list[dict]:
    """Return Slack messages listing several alerts: usually one; more only past Slack's 50-block limit.

    Args:
        items: (uid, payload) pairs in the order they should be listed.
    """
    sections: list[list[str]] = [[]]
    for uid, payload in items:
        line = "• " + _slack_digest_line(payload, uid)
        if sections[-1] and len("\n".join(sections[-1])) + 1 + len(line) > SLACK_SECTION_MAX:
            sections.append([])
        sections[-1].append(line)
    per_message = SLACK_MAX_BLOCKS - 2  # room for the header and the context line
    groups = [sections[i : i + per_message] for i in range(0, len(sections), per_message)]
    title = digest_title([payload for _, payload in items])
    messages = []
    for number, group in enumerate(groups, start=1):
        part = f"{title} — part {number} of {len(groups)}" if len(groups) > 1 else title
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": _cut(part, SLACK_HEADER_MAX)}}]
        blocks += [_section("\n".join(lines)) for lines in group]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "Transfer Watch digest"}]})
        messages.append({"text": part, "blocks": blocks})
    return messages


def render_email_digest(
    items: list[tuple[str | None, dict]],
    *,
    sender: str | None = None,
    recipients: Iterable[str] = (),
) -> EmailMessage:
    """Return a digest of several alerts as one email with text and HTML parts.

    Args:
        items: (uid, payload) pairs.
        sender: the From address.
        recipients: the To addresses.
    """
    payloads = [payload for _, payload in items]
    rows = "\n".join(
        f"<li>{html.escape(digest_line(payload, uid=uid))}</li>" for uid, payload in items
    )
    body_html = f"<h2>{html.escape(digest_title(payloads))}</h2>\n<ul>\n{rows}\n</ul>"
    uids = [uid for uid, _ in items if uid]
    return _email(digest_title(payloads), render_digest_text(items), body_html, uids, sender, recipients)


def message_id(uids: list[str]) -> str:
    """Return a Message-ID that is the same whenever the same alerts are sent again.

    Args:
        uids: the alert ids the message carries.
    """
    if len(uids) == 1:
        return f"<{uids[0]}@{MESSAGE_ID_DOMAIN}>"
    digest = hashlib.sha256("|".join(sorted(uids)).encode()).hexdigest()[:32]
    return f"<digest-{digest}@{MESSAGE_ID_DOMAIN}>"


def _email(
    subject: str,
    text: str,
    body_html: str,
    uids: list[str],
    sender: str | None,
    recipients: Iterable[str],
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    if sender:
        message["From"] = sender
    recipients = list(recipients)
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    if uids:
        message["Message-ID"] = message_id(uids)
        # A digest can carry hundreds of ids; the header keeps the first ones, the body lists all.
        message["X-Transfer-Watch-Alert-Id"] = uids[0] if len(uids) == 1 else ", ".join(uids[:50])
    message.set_content(text)
    message.add_alternative(f"<!doctype html>\n<html><body>\n{body_html}\n</body></html>\n", subtype="html")
    return message


def _email_html_alert(payload: dict, uid: str | None) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><th align='left'>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in claim_fields(payload)
    )
    parts = [f"<h2>{esc(headline(payload))}</h2>", f"<table>{rows}</table>"]
    if payload.get("change"):
        parts.append(f"<p><b>Change:</b> {esc(payload['change'])}</p>")
    if payload.get("sentence"):
        parts.append(f"<blockquote>{esc(payload['sentence'])}</blockquote>")
    if payload.get("kind") != "HEALTH":
        parts.append(f"<p><b>Claimant:</b> {esc(payload.get('claimant') or 'the outlet itself')}</p>")
    outlet = esc(_outlet_line(payload).removeprefix("Outlet: "))
    if payload.get("url"):
        outlet = f"<a href=\"{esc(payload['url'], quote=True)}\">{outlet}</a>"
    parts.append(f"<p><b>Outlet:</b> {outlet}</p>")
    if uid:
        parts.append(f"<p style='color:#888'>Alert id: {esc(uid)}</p>")
    return "\n".join(parts)


def _outlet_line(payload: dict) -> str:
    outlet = payload.get("outlet") or payload.get("source") or "unknown outlet"
    title = payload.get("title")
    published = (payload.get("published") or "")[:10]
    text = f"Outlet: {outlet}"
    if title:
        text += f" — {title}"
    if published:
        text += f" ({published})"
    return text


def _slack_outlet(payload: dict) -> str:
    text = _mrkdwn(_outlet_line(payload).removeprefix("Outlet: "))
    url = payload.get("url")
    if url:
        return f"<{_slack_url(url)}|{text.replace('|', '¦')}>"
    return text


def _slack_digest_line(payload: dict, uid: str | None) -> str:
    line = _mrkdwn(_cut(digest_line({**payload, "url": None}, uid=None), DIGEST_LINE_MAX))
    if payload.get("url"):
        line += f" <{_slack_url(payload['url'])}|link>"
    uid = uid or payload.get("alert_id")
    return line + (f" `{uid}`" if uid else "")


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_MAX)}}


def _mrkdwn(text: Any) -> str:
    # Slack's mrkdwn treats &, < and > as control characters; everything else is shown as written.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    return url.replace(" ", "%20").replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sources(count: int) -> str:
    return f"{count} source" if count == 1 else f"{count} sources"
