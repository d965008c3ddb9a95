"""One engine port over several loaded models: each request goes to the model its session asked for.

Why a router rather than a scheduler per model: the decode workers and their priority queue stay shared,
so finals of any model still beat partials of any model, and a server with one model pays nothing. The
same loaded model may serve several names (``--model base`` decodes English sessions with the
multilingual base model, loaded once).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core.ports import DecodeRequest, DecodeResult, Engine


class ModelRouter:
    def __init__(self, engines: Mapping[str, Engine], unavailable: Mapping[str, str] | None = None):
        if "english" not in engines:
            raise ValueError("the English model is required")
        self.engines = dict(engines)
        #: why a model is missing, by name: the text a refused session is sent
        self.unavailable = dict(unavailable or {})
        self.name = ", ".join(f"{k}={getattr(e, 'name', '?')}" for k, e in self.engines.items())

    def has(self, model: str) -> bool:
        return model in self.engines

    def why_unavailable(self, model: str) -> str:
        return self.unavailable.get(model, f"the {model} model is not loaded on this server")

    def transcribe(self, request: DecodeRequest) -> DecodeResult:
        engine = self.engines.get(request.model)
        if engine is None:
            # Sessions are refused at connect time (server.ws), so this is a programming error.
            raise LookupError(f"no {request.model} model loaded")
        return engine.transcribe(request)


def model_unavailable(engine: Engine | None, model: str) -> str | None:
    """Why sessions asking for ``model`` cannot be served, or None when they can. An injected engine that is
    not a router (tests, custom adapters) serves English only."""
    if engine is None:
        return None
    if isinstance(engine, ModelRouter):
        return None if engine.has(model) else engine.why_unavailable(model)
    return None if model == "english" else f"the {model} model is not loaded on this server"
