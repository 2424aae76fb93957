"""A safe HTTP fetcher for feeds and article pages.

Limits come from settings: connect and total timeouts (the total is a wall-clock deadline that clips
every socket operation, so a server that trickles bytes still fails in bounded time), a cap on the
decompressed body, redirects followed one hop at a time with a cap and loop detection, a politeness
delay per host, and a check of every address actually connected: the host is resolved once, every
address is checked, and the socket connects to that checked address (no second lookup a rebinding
DNS server could answer differently).
"""

from __future__ import annotations

import contextvars
import email.utils
import hashlib
import ipaddress
import queue
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx

from newsmon.errors import BlockedAddressError, FetchError
from newsmon.settings import Settings, get_settings

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
REDIRECT_CODES = {301, 302, 303, 307, 308}
RETRY_AFTER_CODES = {429, 503}

# end of the current request's total time budget (time.monotonic()), read by every socket operation
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "newsmon_deadline", default=None
)


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx, 5xx); `retry_after`: seconds, if it said."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BodyTooLargeError(FetchError):
    """The (decompressed) body is larger than max_body_bytes."""


@dataclass
class Response:
    """A complete response: final URL after redirects, status, headers and the decompressed body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes = b""
    redirects: list[str] = field(default_factory=list)
    peer: str | None = None  # the IP address the last hop connected to

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        value: str | None = self.headers.get("etag")
        return value

    @property
    def last_modified(self) -> str | None:
        value: str | None = self.headers.get("last-modified")
        return value

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


# --- addresses ---------------------------------------------------------------------------------


def is_blocked_address(address: str) -> bool:
    """True for addresses a fetch must not reach: private, loopback, link-local, multicast,
    reserved, unspecified, shared (CGNAT) and other non-global ranges, also when wrapped in IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and is_blocked_address(str(inner)):
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


# cloud instance metadata (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS over IPv6: fd00:ec2::254)
# and the rest of IPv4 link-local: refused even when allow_private_networks is on (that setting is for
# tests and intranet feeds, never for handing out a machine's credentials)
METADATA_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_metadata_address(address: str) -> bool:
    """True for cloud metadata addresses (METADATA_NETWORKS), also when wrapped in IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and is_metadata_address(str(inner)):
            return True
    return any(ip in net for net in METADATA_NETWORKS if net.version == ip.version)


def _getaddrinfo(host: str, port: int, timeout: float | None) -> list[str]:
    """The host's addresses, in resolver order; a lookup that hangs gives up after `timeout`."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    answer: queue.Queue[list[str] | BaseException] = queue.Queue(maxsize=1)

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            answer.put([str(info[4][0]) for info in infos])
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, re-raised there
            answer.put(exc)

    # a daemon thread: the system resolver cannot be interrupted; a hung lookup must not hold exit
    threading.Thread(target=lookup, name=f"resolve {host}", daemon=True).start()
    try:
        result = answer.get(timeout=timeout)
    except queue.Empty:
        raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from None
    if isinstance(result, BaseException):
        reason = result.strerror if isinstance(result, OSError) and result.strerror else str(result)
        raise httpcore.ConnectError(f"cannot resolve {host}: {reason}")
    return list(dict.fromkeys(result))


def _clip(timeout: float | None, what: str = "read") -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise (httpcore.ConnectTimeout if what == "connect" else httpcore.ReadTimeout)(
            "total timeout reached"
        )
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation also stops at the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _clip(timeout, "connect"))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolves once, refuses blocked addresses, connects to the very address it checked."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _getaddrinfo(host, port, _clip(timeout, "connect"))
        metadata = [a for a in addresses if is_metadata_address(a)]
        if metadata:
            raise BlockedAddressError(
                f"{host} resolves to a link-local metadata address ({', '.join(metadata)}); "
                "refused always, whatever NEWSMON_ALLOW_PRIVATE_NETWORKS says"
            )
        if not self.allow_private:
            blocked = [a for a in addresses if is_blocked_address(a)]
            if blocked:
                raise BlockedAddressError(
                    f"{host} resolves to a non-public address ({', '.join(blocked)}); "
                    "set NEWSMON_ALLOW_PRIVATE_NETWORKS=1 to allow it"
                )
        error: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    address, port, _clip(timeout, "connect"), local_address, socket_options
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool that uses GuardedBackend.

    httpx has no option for a network backend, so this builds the httpcore pool itself (what
    HTTPTransport.__init__ does for the no-proxy case) and never reads proxy settings from the
    environment: a proxy would connect on our behalf and defeat the address check.
    """

    def __init__(self, *, allow_private: bool, limits: httpx.Limits) -> None:
        # super().__init__ is not called: it would only build the pool replaced here
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(allow_private),
        )


# --- politeness ----------------------------------------------------------------------------------


class HostThrottle:
    """At most one request start per host every `delay` seconds, across threads."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Sleep until this host may be asked again; returns the seconds slept."""
        if self.delay <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.delay
        if start > now:
            time.sleep(start - now)
        return max(0.0, start - now)


# --- bodies ---------------------------------------------------------------------------------------


class _Decoder:
    """Bounded decompression: never produces more than `limit` + 1 bytes whatever the input ratio.

    httpx's own decoders inflate a whole network chunk at once (about 1000x for deflate, and
    multiplied per layer for stacked encodings), so a small bomb could allocate gigabytes before a
    size check ran; zlib's max_length keeps every step small.
    """

    STEP = 256 * 1024

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._z: Any = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
        )

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.encoding == "identity":
            yield data
            return
        if self._z is None:
            # RFC 9110 says deflate is zlib-wrapped; some servers send raw deflate
            self._z = zlib.decompressobj(zlib.MAX_WBITS if data[:1] == b"\x78" else -zlib.MAX_WBITS)
        while data:
            try:
                out = self._z.decompress(data, self.STEP)
            except zlib.error as exc:
                raise FetchError(f"corrupt {self.encoding} body: {exc}") from None
            if out:
                yield out
            data = self._z.unconsumed_tail
            if not data and self._z.eof and self._z.unused_data[:2] == b"\x1f\x8b":
                # another gzip member follows (anything else after the end is ignored)
                data, self._z = self._z.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)

    def flush(self) -> bytes:
        return self._z.flush(self.STEP) if self._z is not None else b""


def _content_encoding(headers: httpx.Headers) -> str:
    codings = [
        c.strip().lower() for c in headers.get("content-encoding", "").split(",") if c.strip()
    ]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) > 1:
        raise FetchError(f"stacked content encodings are refused: {', '.join(codings)}")
    if codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported content encoding {codings[0]!r} (asked for gzip, deflate)")
    coding: str = codings[0]
    return coding


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from Retry-After (delay-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# --- the fetcher ----------------------------------------------------------------------------------


class Fetcher:
    """GET with every limit from settings. Thread-safe: one Fetcher serves a whole run.

    Example:
        with Fetcher() as fetcher:
            response = fetcher.get("https://tengrinews.kz/news.rss", etag=old_etag)
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = s = settings or get_settings()
        self.throttle = HostThrottle(s.per_host_delay)
        limits = httpx.Limits(
            max_connections=max(4, 2 * s.fetch_concurrency), max_keepalive_connections=8
        )
        self.client = httpx.Client(
            transport=GuardedTransport(allow_private=s.allow_private_networks, limits=limits),
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.total_timeout,
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        deadline: float | None = None,
    ) -> Response:
        """Fetch `url`; 304 comes back as a Response, other error statuses raise HTTPStatusError.

        `deadline` (time.monotonic()), when given, ends the request earlier than total_timeout would:
        the caller's own budget (a feed's full-text pages)."""
        s = self.settings
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            request = self.client.build_request("GET", url, headers=headers)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}") from None
        budget = deadline
        deadline = None
        redirects: list[str] = []
        seen = {str(request.url)}
        while True:
            if request.url.scheme not in ("http", "https"):
                what = "redirect to a non-HTTP URL refused" if redirects else "not an http(s) URL"
                raise FetchError(f"{what}: {request.url}")
            waited = self.throttle.wait(request.url.host)
            now = time.monotonic()
            deadline = now + s.total_timeout if deadline is None else deadline + waited
            if budget is not None:
                if now >= budget:
                    raise FetchError("the caller's time budget was spent before the request")
                deadline = min(deadline, budget)
            token = _DEADLINE.set(deadline)
            try:
                response = self._send(request, deadline)
                try:
                    if response.status_code in REDIRECT_CODES and response.next_request is not None:
                        nxt = response.next_request
                    else:
                        return self._finish(request, response, redirects, deadline)
                finally:
                    response.close()
            finally:
                _DEADLINE.reset(token)
            target = str(nxt.url)
            if target in seen:
                raise FetchError(f"redirect loop: {' -> '.join([url, *redirects, target])}")
            if len(redirects) >= s.max_redirects:
                raise FetchError(
                    f"more than {s.max_redirects} redirects (max_redirects), last to {target}"
                )
            redirects.append(target)
            seen.add(target)
            request = nxt

    def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        try:
            return self.client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise self._timeout_error(exc, deadline) from None
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc)) from None

    def _timeout_error(self, exc: Exception, deadline: float) -> FetchError:
        s = self.settings
        if time.monotonic() >= deadline - 0.01:
            return FetchError(
                f"timed out: no complete response within {s.total_timeout:g} s (total_timeout)"
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return FetchError(
                f"timed out connecting ({s.connect_timeout:g} s, connect_timeout): {exc}"
            )
        return FetchError(f"timed out waiting for data ({s.read_timeout:g} s, read_timeout)")

    def _finish(
        self,
        request: httpx.Request,
        response: httpx.Response,
        redirects: list[str],
        deadline: float,
    ) -> Response:
        status = response.status_code
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        result = Response(
            url=str(request.url),
            status=status,
            headers=response.headers,
            redirects=redirects,
            peer=str(peer[0]) if peer else None,
        )
        if status == 304:
            return result
        if status >= 300:
            retry = (
                parse_retry_after(response.headers.get("retry-after"))
                if status in RETRY_AFTER_CODES
                else None
            )
            reason = response.reason_phrase or ""
            raise HTTPStatusError(f"HTTP {status} {reason}".rstrip(), status, retry)
        result.content = self._read_body(response, deadline)
        return result

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BodyTooLargeError(
                f"body over {cap} bytes (max_body_bytes): Content-Length {declared}"
            )
        decoder = _Decoder(_content_encoding(response.headers))
        parts: list[bytes] = []
        size = 0
        try:
            for raw in response.iter_raw():
                if time.monotonic() > deadline:
                    raise self._timeout_error(httpx.ReadTimeout("total"), deadline)
                for piece in decoder.feed(raw):
                    size += len(piece)
                    if size > cap:
                        raise BodyTooLargeError(
                            f"body over {cap} bytes (max_body_bytes) after decompression"
                        )
                    parts.append(piece)
            tail = decoder.flush()
        except httpx.TimeoutException as exc:
            raise self._timeout_error(exc, deadline) from None
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc)) from None
        if size + len(tail) > cap:
            raise BodyTooLargeError(f"body over {cap} bytes (max_body_bytes) after decompression")
        parts.append(tail)
        return b"".join(parts)


def _describe(exc: httpx.HTTPError) -> str:
    """One line saying what went wrong, without httpx's class names."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return text if text.startswith("cannot resolve") else f"cannot connect: {text}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL: {text}"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return f"HTTP protocol error: {text}"
    if isinstance(exc, httpx.ReadError):
        return f"connection broken while reading: {text}"
    return text
