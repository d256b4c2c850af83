"""The explorers as a user meets them: a real JupyterLab on 127.0.0.1, headless Debian Chromium driven by Playwright.

`make test` installs chromium (apt) and playwright (pip); elsewhere the test skips when either is missing. It opens
nbs/tutorials/explorers_tour.ipynb, runs all cells, checks that plotly figures and widgets rendered (no "Failed to
load view class", no error output), moves the graph explorer's level slider and checks that its figure changed.
Screenshots go to docs/images/ when LGMOT_SCREENSHOTS is set (that is how the README's pictures were made)."""
import os, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    "A JupyterLab serving a copy of the tour notebook on 127.0.0.1, without a token; yields its base URL."
    shutil.copy(ROOT / "nbs" / "tutorials" / "explorers_tour.ipynb", tmp_path / "tour.ipynb")
    # every cell stays in the page (JupyterLab 4 detaches cells scrolled out of view), and no news pop-up
    settings = tmp_path / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir()
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = _free_port()
    jupyter = Path(sys.executable).parent / "jupyter"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"), "LGMOT_PROGRESS": "0"}
    srv = subprocess.Popen([str(jupyter), "lab", "--allow-root", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                            "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                            f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(90):
            try: urllib.request.urlopen(f"{url}/lab", timeout=2); break
            except OSError: time.sleep(1)
        else: pytest.fail("JupyterLab did not start within 90 s")
        yield url
    finally:
        os.killpg(srv.pid, signal.SIGTERM)
        try: srv.wait(timeout=15)
        except subprocess.TimeoutExpired: os.killpg(srv.pid, signal.SIGKILL)


def _graph_titles(page) -> list[str]:
    return [t for t in page.locator(".js-plotly-plot .gtitle").all_text_contents() if " level " in t]


def test_tour_renders_and_a_slider_moves_the_figure(jupyterlab, tmp_path):
    shots = os.environ.get("LGMOT_SCREENSHOTS")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])   # playwright starts it with a fresh temporary profile
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{jupyterlab}/lab/tree/tour.ipynb")
        page.wait_for_selector(".jp-Notebook", timeout=60000)
        page.wait_for_timeout(3000)
        page.click("text=Run", timeout=20000); page.wait_for_timeout(300)
        page.click("text=Run All Cells", timeout=20000)
        page.wait_for_selector(".jp-OutputArea-output:has-text('tour done')", timeout=240000)   # the last cell's output, not its source
        page.wait_for_timeout(4000)
        page.screenshot(path=str(tmp_path / "after_run.png"), full_page=True)   # kept in pytest's tmp folder for a failure
        assert page.locator("text=Failed to load view class").count() == 0
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert page.locator(".jupyter-widgets").count() >= 10
        assert page.locator(".js-plotly-plot").count() >= 8, page.locator(".js-plotly-plot").count()
        before = _graph_titles(page)
        assert before and all("level 0" in t for t in before[:2]), before
        if shots: page.screenshot(path=str(ROOT / "docs" / "images" / "tour.png"), full_page=False)
        handle = page.locator(".widget-slider .noUi-handle").first   # the graph explorer's level slider
        handle.scroll_into_view_if_needed(); handle.click(); page.keyboard.press("ArrowRight")
        page.wait_for_timeout(3000)
        after = _graph_titles(page)
        assert after != before and any("level 1" in t for t in after), after
        if shots:
            for i, name in ((5, "graph_explorer"), (7, "track_viewer"), (11, "alignment")):
                cell = page.locator(".jp-Cell").nth(i)
                cell.scroll_into_view_if_needed(); page.wait_for_timeout(500)
                cell.screenshot(path=str(ROOT / "docs" / "images" / f"{name}.png"))
        browser.close()
