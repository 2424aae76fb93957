"""Named exceptions raised by library code; the CLI turns each into a one-line message."""


class NewsmonError(Exception):
    """Base class: an error a user can act on (the message says how)."""

    exit_code = 1


class ConfigError(NewsmonError):
    """A settings value or a configuration file (feeds.yaml, programs.yaml) is invalid."""

    exit_code = 2


class FeedsFileError(ConfigError):
    """feeds.yaml is missing or an entry is invalid."""


class StorageError(NewsmonError):
    """The database cannot be opened or migrated."""


class FetchError(NewsmonError):
    """One fetch failed (the message says why); recorded per feed, never fatal for the run."""


class BlockedAddressError(FetchError):
    """A URL resolves to a private, loopback, link-local or multicast address."""


class InputError(NewsmonError):
    """A user-supplied input file or value is invalid."""

    exit_code = 2


class DateRangeError(InputError):
    """A date outside the supported range (query.MIN_DAY … query.MAX_DAY); the web answers 422."""


class GazetteerError(InputError):
    """A gazetteer file is missing or malformed."""


class NotFoundError(NewsmonError):
    """A named thing (feed, territory, entity) does not exist; the message suggests close names."""
