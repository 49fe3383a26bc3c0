"""``make run``'s set-up in one process: ``samvirke db upgrade``, ``tenants sync``, ``demo load``.

The same commands, run one after the other with one app (the app and its
imports take seconds to load: once, not three times). Stops at the first
that fails, with its exit code.
"""

from __future__ import annotations

import sys

from core.app import create_app

STEPS = (["db", "upgrade"], ["tenants", "sync"], ["demo", "load"])


def main() -> int:
    app = create_app()
    runner = app.test_cli_runner()  # Flask's way to invoke its commands from code
    for args in STEPS:
        result = runner.invoke(args=args, catch_exceptions=False)
        sys.stdout.write(result.output)
        if result.exit_code:
            print(f"samvirke {' '.join(args)} failed ({result.exit_code})", file=sys.stderr)
            return result.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
