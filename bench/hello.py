"""The framework's own limit: a hello-world Flask app, served by the load run under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
