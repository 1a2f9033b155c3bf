"""gunicorn's settings for this app: `gunicorn -c gunicorn.conf.py wsgi:app`
(`make serve` uses it). Every value can be overridden on the command line."""

import os

import gunicorn.http.wsgi

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Request lines and headers larger than any browser sends are refused by
# gunicorn itself, before the app; the body limit is the app's
# MAX_CONTENT_LENGTH.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# No product or version in the Server header of any answer, gunicorn's own
# error pages included (they are written before the app can add headers).
gunicorn.http.wsgi.SERVER = "awards"
