"""``make run``'s set-up in one process: ``samvirke db upgrade``, ``tenants sync``, ``demo load``, then ``serve``.

The same commands, run one after the other with one app (the app and its
imports take seconds to load: once, not four times). Stops at the first
that fails, with its exit code. With ``--serve`` the same process then
serves the app as ``samvirke serve --host HOST --port PORT`` does.
"""

from __future__ import annotations

import argparse
import sys

from flask.cli import ScriptInfo

from core.app import create_app

STEPS = (["db", "upgrade"], ["tenants", "sync"], ["demo", "load"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="then serve the app (samvirke serve)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    app = create_app()
    runner = app.test_cli_runner()  # Flask's way to invoke its commands from code
    for step in STEPS:
        result = runner.invoke(args=step, catch_exceptions=False)
        sys.stdout.write(result.output)
        if result.exit_code:
            print(f"samvirke {' '.join(step)} failed ({result.exit_code})", file=sys.stderr)
            return result.exit_code
    if args.serve:
        from core.cli import serve

        sys.stdout.flush()
        # The real command on this app, outside the test runner (whose captured output would hide the server's).
        serve.main(
            args=["--host", args.host, "--port", str(args.port)],
            prog_name="samvirke serve",
            obj=ScriptInfo(create_app=lambda: app),
            standalone_mode=False,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
