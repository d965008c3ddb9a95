"""``hushscribe`` command line: serve, stream, transcribe, dev-key, settings, models, bench."""

from __future__ import annotations

import argparse
import sys

from .. import settings as st
from ..server.app import create_app
from ..server.logs import configure
from ..server.serving import DrainingServer, uvicorn_config
from .bench import add_bench_parser
from .models import add_models_parser
from .stream import add_stream_parser
from .transcribe import add_transcribe_parser


def _serve(args: argparse.Namespace) -> int:
    try:
        config = st.config_from(args)
    except ValueError as exc:
        print(f"hushscribe serve: {exc}", file=sys.stderr)
        return 2
    configure(config.log_level, config.log_format)
    keys = config.api_keys
    if not keys and config.auth_mode == "keys":
        key = st.dev_key(config.home)
        keys = (key,)
        print(f"hushscribe: no API keys configured; using the local dev key {key}", file=sys.stderr)
        print("hushscribe:   (print it any time with 'hushscribe dev-key'; set HUSHSCRIBE_API_KEYS for production)",
              file=sys.stderr)
    app = create_app(config, api_keys=keys)
    scheme = "wss" if config.ssl_certfile else "ws"
    print(f"hushscribe: listening on {scheme}://{config.host}:{config.port}/v3/ws", file=sys.stderr)
    if config.demo_page_enabled:
        host = f"[{config.host}]" if ":" in config.host else config.host
        print(f"hushscribe: browser page at {'https' if config.ssl_certfile else 'http'}://{host}:{config.port}/ "
              f"(--demo-page {config.demo_page}; anyone who can open it can start sessions)", file=sys.stderr)
    server = DrainingServer(uvicorn_config(app, config), app.state.hs, config.shutdown_grace_s)
    server.run()
    return 0 if server.started else 1


def _dev_key(args: argparse.Namespace) -> int:
    config = st.config_from(args)
    print(st.dev_key(config.home))
    return 0


def _settings(args: argparse.Namespace) -> int:
    print(st.settings_table_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hushscribe", description="Offline AssemblyAI-compatible streaming STT server")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the server")
    st.add_arguments(p)
    p.set_defaults(func=_serve)
    p = sub.add_parser("dev-key", help="print (and create on first use) the local development API key")
    p.add_argument("--home", dest="home", default=None)
    p.set_defaults(func=_dev_key)
    p = sub.add_parser("settings", help="print the settings table (flags and HUSHSCRIBE_* variables)")
    p.set_defaults(func=_settings)
    add_stream_parser(sub)
    add_transcribe_parser(sub)
    add_models_parser(sub)
    add_bench_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
