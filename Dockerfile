# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    APPEAL_DESK_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 appdesk

# Dependencies first (cached layer): names from pyproject.toml, exact versions from constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt

COPY . .
# collectstatic needs settings that load; the real SECRET_KEY comes from the environment at run time.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-used-at-run-time-0123456789abcdefghij \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private /app/var/outbox /app/var/broker \
    && chown -R appdesk /app/var

USER appdesk
EXPOSE 8000
# gthread workers sized from the cores; meant to run behind the buffering proxy (deploy/nginx/, docker-compose.yml).
CMD ["gunicorn", "core.wsgi", "-c", "deploy/gunicorn.conf.py"]
