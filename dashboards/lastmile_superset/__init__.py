"""Lastmile's extensions to Superset, loaded by dashboards/superset_config.py.

- ``access``: the security manager (an SQL Lab query and its results belong to who ran them);
- ``queries``: every query on the served DuckDB file runs under a time limit and can be
  stopped, with DuckDB's resource settings locked for the connection;
- ``errors``: API errors answer JSON with a 4xx status where the request was at fault;
- ``events``: Superset's action log as lines of the server log (not a metadata row per event);
- ``translations``: corrections to Superset's Chinese labels of the table chart (row count, page
  size), served to the login page too;
- ``login_page``: the login page's event-log beacon cannot undo the login it races.

Modules here import Superset; superset_config.py imports them only where Superset expects a
class (the security manager) or once the app exists (FLASK_APP_MUTATOR).
"""
