"""What the tests and the benchmarks both drive the page with.

* :mod:`harness.page`: the page through Streamlit's AppTest (opened with a link,
  a screen, a panel), its component elements and the charts they carry, and the
  lecture scene as the page computes it;
* :mod:`harness.st_client`: a visitor speaking Streamlit's websocket protocol to a
  real server, without a browser;
* :mod:`harness.browser`: Debian's headless Chromium through Playwright, and when
  the page's chart is drawn in it;
* :mod:`harness.processes`: a server's processes, read from ``/proc``.

Below ``tests/`` and ``bench/``, which import it; above the app and ``deploy/``,
which it uses. It imports neither ``tests`` nor ``bench`` (``tests/test_layers.py``).
"""
