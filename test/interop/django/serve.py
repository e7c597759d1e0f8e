# Runs the Django peer for one test suite: migrate a fresh SQLite file, create the users, serve.
#
# Usage: DJANGO_PEER_DB=... DJANGO_PEER_SIGNING_KEY=... DJANGO_PEER_USERS='[{"username":..,
#   "email":..,"password":..,"is_active":true}]' /usr/bin/python3 serve.py
# Prints one JSON line {"ready":true,"port":N,"users":[{"username":..,"id":..}]} once it listens,
# then serves until killed or until stdin closes (so a crashed test run cannot leave it behind).
# By hand, from this directory, any Django command works with the same env vars, e.g.
#   DJANGO_PEER_DB=/tmp/p.sqlite3 DJANGO_PEER_SIGNING_KEY=k /usr/bin/python3 -m django migrate \
#     --settings peer_settings --pythonpath .
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


def create_users(specs):
    """Creates users in the given order, so their ids are 1, 2, ... on a fresh database."""
    created = []
    for spec in specs:
        user = get_user_model().objects.create_user(
            username=spec["username"],
            email=spec.get("email", ""),
            password=spec["password"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
            is_active=spec.get("is_active", True),
            is_staff=spec.get("is_staff", False),
        )
        created.append({"username": user.username, "id": user.pk})
    return created


class RequestHandler(WSGIRequestHandler):
    # runserver's handler writes headers and body in separate sends; with Nagle on, every answer
    # waited ~40 ms for the client's delayed ACK. Bytes on the wire are unchanged.
    disable_nagle_algorithm = True


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def main():
    # run_syncdb: the sign-up app's table is made from its model, it has no migrations of its own.
    call_command("migrate", interactive=False, verbosity=0, run_syncdb=True)
    users = create_users(json.loads(os.environ.get("DJANGO_PEER_USERS", "[]")))
    # The same server class and handler as `manage.py runserver` (threaded by default), but
    # bound here so the kernel picks a free port and we can report the one it chose.
    server = ThreadedWSGIServer(("127.0.0.1", 0), RequestHandler, ipv6=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(json.dumps({"ready": True, "port": server.server_address[1], "users": users}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
