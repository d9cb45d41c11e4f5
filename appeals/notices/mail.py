"""Read a forwarded notice mail: the text (plain, or from HTML when there is none), images, sender and recipients.

Pure: bytes in, a MailContent out. A notice forwarded as an attachment (message/rfc822), even inside another
forward, has its text and images read too, after the outer message's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

MAX_DEPTH = 5
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Forwarded-To")


@dataclass(frozen=True)
class MailImage:
    name: str
    content_type: str
    data: bytes


@dataclass
class MailContent:
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    recipients: list[str] = field(default_factory=list)
    text: str = ""
    images: list[MailImage] = field(default_factory=list)


class _HtmlText(HTMLParser):
    """Text of an HTML mail as a reader sees it: blocks and rows on their own lines, table cells apart."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "blockquote"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.strip(" \t") for line in "".join(self.parts).split("\n")]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError):
        # An unknown or wrong charset: read the bytes as Latin-1 rather than lose the notice.
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            content = payload.decode(charset, errors="replace")
        except LookupError:
            content = payload.decode("latin-1")
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def _addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    return [address.lower() for _name, address in getaddresses(values) if address]


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _decoded(body)
    return html_to_text(text) if body.get_content_type() == "text/html" else text.strip()


def _forward_header(message: Message) -> str:
    lines = ["---------- Forwarded message ---------"]
    for name in ("From", "Date", "Subject", "To"):
        if message.get(name):
            lines.append(f"{name}: {message.get(name)}")
    return "\n".join(lines)


def _walk(message: EmailMessage, content: MailContent, depth: int) -> list[str]:
    texts = [_body_text(message)]
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822" and depth < MAX_DEPTH:
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                inner_texts = _walk(inner, content, depth + 1)
                texts.append(_forward_header(inner) + "\n\n" + "\n\n".join(t for t in inner_texts if t))
        elif part.get_content_maintype() == "image":
            data = part.get_payload(decode=True) or b""
            if data:
                name = part.get_filename() or f"screenshot-{len(content.images) + 1}"
                content.images.append(MailImage(name=name, content_type=part.get_content_type(), data=data))
    # Inline images (cid: parts of multipart/related) are screenshots too.
    for part in message.walk():
        if part.get_content_maintype() == "image" and part.get("Content-ID") and not part.is_attachment():
            data = part.get_payload(decode=True) or b""
            if data:
                name = part.get_filename() or f"inline-{len(content.images) + 1}"
                content.images.append(MailImage(name=name, content_type=part.get_content_type(), data=data))
    return texts


def read_mail(raw: bytes | EmailMessage) -> MailContent:
    """From the bytes of a mail, or from a message a webhook already parsed (whose binary parts would not survive
    being written back to bytes)."""
    message = raw if isinstance(raw, EmailMessage) else message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    content = MailContent(
        message_id=str(message.get("Message-ID", "") or "").strip()[:255],
        subject=str(message.get("Subject", "") or "").strip()[:255],
        recipients=_addresses(message, RECIPIENT_HEADERS),
    )
    senders = _addresses(message, ("From",))
    content.sender = senders[0] if senders else ""
    try:
        content.sent_at = parsedate_to_datetime(str(message["Date"])) if message.get("Date") else None
    except (TypeError, ValueError, IndexError):
        content.sent_at = None
    content.text = "\n\n".join(t for t in _walk(message, content, 0) if t).strip()
    # An inline image of a forwarded message is reached both ways; keep each image once.
    content.images = list({image.data: image for image in content.images}.values())
    return content
