"""Speech recognisers behind the :class:`hushscribe.core.ports.Engine` port."""
