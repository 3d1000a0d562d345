"""Stand-in servers for counterparts that cannot be reached from a development machine. Each is a
separate process implementing a published standard; production code never imports them (the
import contracts of pyproject.toml) and production settings never point at them."""
