"""One module per checked asset; each exposes ``ASSET`` (the asset key) and ``expectations()``."""
