"""The Flask application: pages, error pages, and the settings a server needs.

Every page escapes what a user typed (Jinja's autoescape), refuses bodies over ``MAX_BODY`` bytes,
refuses requests sent to a name that is not this server's and posts that another web site makes a
browser send (``sarcoma_sim.web.origin``), and turns a
malformed request into a 4xx page; an unexpected error is a 500 page without a traceback, and the
server keeps serving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, render_template, request
from werkzeug.exceptions import HTTPException

from sarcoma_sim.errors import SarcomaSimError
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.web.origin import cross_origin_reason, host_refusal
from sarcoma_sim.web.store import Store, StoreUnwritable

MAX_BODY = 256 * 1024


def create_app(db_path: str | Path, teacher_token: str | None = None, diagram_workers: int = 0,
               allowed_hosts=(), loopback_only: bool = True, lrs: tuple[str, str, str] | None = None,
               warm_layouts: bool = False) -> Flask:
    """The app storing attempts in ``db_path``; with ``teacher_token`` the teacher pages need it.

    ``diagram_workers`` processes draw the diagrams (0: drawn in the serving process); with
    ``warm_layouts`` each lays out the shipped pathways as it starts (``diagrams.warm_layouts``). Requests
    must name this server in ``Host``: a loopback name or address, one of ``allowed_hosts``, or
    (unless ``loopback_only``, the server bound to loopback) any IP address. With ``lrs`` (statements
    URL, user, password) each attempt's xAPI statements are queued and sent by a background thread.
    """
    import sarcoma_sim.web.views_case as views_case
    import sarcoma_sim.web.views_class as views_class
    import sarcoma_sim.web.views_drill as views_drill
    import sarcoma_sim.web.views_export as views_export
    import sarcoma_sim.web.views_pathways as views_pathways
    import sarcoma_sim.web.views_scenario as views_scenario
    import sarcoma_sim.web.views_teacher as views_teacher
    from sarcoma_sim.web.decisions import backfill
    from sarcoma_sim.web.diagrams import Drawer

    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, MAX_FORM_MEMORY_SIZE=MAX_BODY, TEACHER_TOKEN=teacher_token,
                      TEACHER_SESSIONS=views_teacher.Sessions(), STORE=Store(db_path),
                      DRAWER=Drawer(diagram_workers, warm=warm_layouts),
                      ALLOWED_HOSTS=frozenset(h.lower().rstrip(".") for h in allowed_hosts),
                      LOOPBACK_ONLY=loopback_only)
    backfill(app.config["STORE"])  # decision rows of attempts answered before schema version 3
    if lrs is not None:
        from sarcoma_sim.web.xapi import Sender

        app.config["LRS_SENDER"] = Sender(app.config["STORE"], *lrs).start()
    app.jinja_env.globals["NOTICE"] = NOT_FOR_CLINICAL_USE
    app.register_blueprint(views_case.blueprint)
    app.register_blueprint(views_scenario.blueprint)
    app.register_blueprint(views_teacher.blueprint)
    app.register_blueprint(views_class.blueprint)
    app.register_blueprint(views_export.blueprint)
    app.register_blueprint(views_drill.blueprint)
    app.register_blueprint(views_pathways.blueprint)

    @app.before_request
    def refuse_other_hosts():
        reason = host_refusal(request.host, app.config["ALLOWED_HOSTS"], app.config["LOOPBACK_ONLY"])
        if reason is not None:
            abort(400, f"refused: {reason}")

    @app.before_request
    def refuse_cross_origin_posts():
        reason = cross_origin_reason(request.method, request.headers, request.host)
        if reason is not None:
            abort(403, f"refused: {reason}; use the form on this site's own page")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", code=error.code, name=error.name,
                               lines=[error.description or ""]), error.code

    @app.errorhandler(SarcomaSimError)
    def input_error(error: SarcomaSimError):
        return render_template("error.html", code=422, name="The input cannot be used",
                               lines=error.error_lines()), 422

    @app.errorhandler(StoreUnwritable)
    def store_unwritable(error: StoreUnwritable):
        logging.getLogger("sarcoma_sim.web").error("%s", error)
        return render_template("error.html", code=error.status, name="The answer could not be stored",
                               lines=[f"Nothing was stored: {error.reason}.",
                                      "Tell the teacher; once the server can write again, send the form again."]), \
            error.status

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        logging.getLogger("sarcoma_sim.web").exception("unexpected error")
        return render_template("error.html", code=500, name="Something went wrong on the server",
                               lines=["The error was logged; the server keeps serving."]), 500

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                    "script-src 'none'; object-src 'self'; frame-ancestors 'self'")
        # same-origin: the app's own posts carry their real Origin (never "null"), other sites get nothing.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
