"""URLs of this site, built with every part encoded (templates escape them again as text)."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def path(*parts: str, **query: str | int | None) -> str:
    """``/part/part?name=value``: each path part and query value encoded; ``None`` values left
    out."""
    url = "/" + "/".join(quote(part, safe="") for part in parts)
    given = {k: str(v) for k, v in query.items() if v is not None}
    return url + ("?" + urlencode(given) if given else "")
