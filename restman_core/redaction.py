"""Secrets out of printed text: :func:`mask_url` makes any configured URL safe to show.

A URL can carry a secret in two places: the password of its userinfo
(``postgresql://app:s3cret@db/restman``) and its query string, where drivers accept
``?password=``, ``?sslpassword=``, ``?sasl_password=``, ``?token=``, ``?api_key=`` and the like.
Every place that prints a URL (the serve banner, ``restman config show``, ``restman doctor``,
``restman db``) goes through this one function, so a new spelling of a secret is fixed here once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

MASK = "***"

# A query parameter is treated as secret when its lower-cased name contains any of these: the
# spellings differ per driver (libpq's sslpassword, Kafka's sasl.password, S3's secret_key...),
# so matching parts of names errs on the side of hiding a harmless value.
SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "signature",
    "sig",
)


def is_secret_name(name: str) -> bool:
    """Whether a parameter called ``name`` may hold a secret."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _masked_netloc(netloc: str) -> str:
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return netloc
    user = userinfo.split(":", 1)[0]
    return f"{user}:{MASK}@{host}"


def _masked_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(name, safe='')}={MASK if is_secret_name(name) else quote(value, safe='/:,')}"
        for name, value in pairs
    )


def mask_url(url: str) -> str:
    """``url`` with its userinfo password and every secret query parameter replaced by ``***``.

    A value that does not parse as a URL is returned masked as a whole when it looks like it
    holds a secret, unchanged otherwise; the result is always safe to print."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK if "@" in url or any(word in url.lower() for word in SECRET_WORDS) else url
    netloc, query = _masked_netloc(parts.netloc), _masked_query(parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url
    # Rebuilt by hand: urlunsplit drops the empty authority of ``sqlite:///path``.
    text = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else f"{netloc}{parts.path}"
    return text + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
