"""The outbox: actions the warehouse decides (task packs, lead tasks, flags), sent to WeCom once."""
