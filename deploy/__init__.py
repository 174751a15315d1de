"""Serving the page: ``deploy/serve`` (nginx in front of N Streamlit replicas) and the
helpers that start and stop the page's servers on localhost (:mod:`deploy.servers`).

Nothing in the app imports this package; tests, benchmarks and ``deploy/serve`` do.
"""
