"""Run the test OpenID provider on 127.0.0.1 and print its issuer URL, then serve until killed.

``python -m kaiku.testing.oidc_provider.server``; ``kaiku.testing.oidc_provider.start()``
does this for the tests.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    os.environ["OIDC_PROVIDER_ISSUER"] = f"http://127.0.0.1:{port}"
    os.environ["OIDC_PROVIDER_DB"] = os.path.join(tempfile.mkdtemp(prefix="kaiku-oidc-"), "provider.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.testing.oidc_provider.settings"

    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler)
    server.set_app(get_wsgi_application())
    print(os.environ["OIDC_PROVIDER_ISSUER"], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
