"""The conntrack UDP timeouts of a Linux host (``sysctl.conf`` syntax).

A Linux host's "session table" is conntrack. A UDP entry that has seen a reply and
lived past its first 2 s is a *stream* and times out ``nf_conntrack_udp_timeout_stream``
after its last packet (120 s since Linux 5.16, 180 s before); before that it times out
after ``nf_conntrack_udp_timeout`` (30 s). IKE's UDP 500 entry becomes a stream at its
second exchange, so the model uses the stream timeout as the session TTL (the 30 s of an
entry whose packets all came within 2 s is not modelled; README, simplifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ipsecmc.errors import ConfigError, SourceLoc

STREAM_KEY = "net.netfilter.nf_conntrack_udp_timeout_stream"
#: Linux >= 5.16 (nf_conntrack_proto_udp.c, UDP_CT_REPLIED); this machine's kernel agrees.
DEFAULT_STREAM_TIMEOUT = 120


@dataclass(frozen=True, slots=True)
class ConntrackTimeout:
    """The UDP stream timeout and where it came from."""

    seconds: int
    source: str
    loc: SourceLoc | None = None


def read_conntrack(path: Path | None) -> ConntrackTimeout:
    """The stream timeout set in ``path`` (sysctl.conf syntax), else the kernel default."""
    default = ConntrackTimeout(
        DEFAULT_STREAM_TIMEOUT, "conntrack UDP stream timeout, Linux >= 5.16 default"
    )
    if path is None:
        return default
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(None, f"{path}: cannot read: {exc.strerror or exc}") from None
    found = default
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, eq, value = line.lstrip("-").partition("=")
        if not eq:
            raise ConfigError(SourceLoc(str(path), n, 1), "expected 'key = value'")
        if key.strip().replace("/", ".") != STREAM_KEY:
            continue
        loc = SourceLoc(str(path), n, raw.index("=") + 2)
        if not value.strip().isdigit():
            raise ConfigError(loc, f"{STREAM_KEY}: expected seconds, found {value.strip()!r}")
        found = ConntrackTimeout(int(value.strip()), f"{STREAM_KEY} at {loc}", loc)
    return found
