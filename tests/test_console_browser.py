"""The console in a real browser: Debian's chromium, headless, driven by Selenium through Debian's chromedriver,
against uvicorn serving the real app on 127.0.0.1. Screenshots of the queue, claim, audit and dashboard pages are
saved under $CLAIMFLOW_SCREENSHOTS (``make screenshots`` sets docs/screenshots) or the test's temp dir."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from console_helpers import Console, make_console
from sqlalchemy import Engine

import db.audit as audit
from db.audit import checkpoint as checkpoints
from db.engine import transaction

CHROMEDRIVER = Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(not CHROMEDRIVER.exists() or shutil.which("chromium") is None,
                                reason="needs Debian's chromium and chromium-driver (make setup installs them)")

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


HISTORY = ["clinic-scan.png", "clinic-digital.pdf", "clinic-photo.jpg", "clinic-lapsed.jpg", "hospital-digital.pdf",
           "pharmacy-scan.png", "lab-skew.png", "lab-late.pdf", "dental-scan.png", "clinic-300dpi.png",
           "pharmacy-digital.pdf", "clinic-nonmember.tif"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(sqlite_engine: Engine, tmp_path: Path) -> Iterator[tuple[Console, str]]:
    console = make_console(sqlite_engine, tmp_path, four_eyes_above="100")
    checkpoints.keygen(console.settings.signing_key)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(console.app(), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield console, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
                f"--user-data-dir={tmp_path / 'chromium-profile'}", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(1280, 800)
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("CLAIMFLOW_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _login(driver: webdriver.Chrome, base: str, key: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/console/login")
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/console/login" not in d.current_url)


def _wait(driver: webdriver.Chrome, by: str, what: str, timeout: float = 15):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((by, what)))


def test_review_and_audit_in_the_browser(served: tuple[Console, str], browser: webdriver.Chrome,
                                         tmp_path: Path) -> None:
    console, base = served
    shots = _shots(tmp_path)
    for i, name in enumerate(HISTORY):  # two weeks of decided claims for the dashboard
        done = console.pend_sample("acme", name, ocr_confidence=0.93 - 0.02 * (i % 5),
                                   confidence={"total": 0.97 - 0.01 * i})
        console.backdate(done, hours=24 * (1 + i % 7) + i, waited_hours=0.5 + i % 4)
    # pays nothing once approved (deductible); a total read with low confidence, a date to check
    gbp = console.pend_sample("acme", "clinic-mismatch.png", confidence={"total": 0.62, "service_dates[0]": 0.86})
    eur = console.pend_sample("acme", "clinic-eur-negated.pdf")  # pays 231.64: over the four-eyes threshold
    console.backdate(gbp, hours=30, waited_hours=2)  # past the 24 h SLA
    console.backdate(eur, hours=5, waited_hours=1)
    with transaction(console.sessions) as s:
        audit.maybe_checkpoint(s, settings=console.settings, log="acme", force=True)
    d = browser

    # A reviewer signs in, sees the queue, opens the claim.
    _login(d, base, console.keys[("acme", "reviewer")])
    assert d.current_url.endswith("/console/queue")
    links = {a.text: a for a in d.find_elements(By.CSS_SELECTOR, "a.claim-link")}
    assert list(links) == [gbp[:8], eur[:8]]  # the longest waiting first
    assert "overdue" in d.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")[0].get_attribute("class")
    d.save_screenshot(str(shots / "queue.png"))
    links[gbp[:8]].click()
    _wait(d, By.ID, "fields")
    assert f"/console/claims/{gbp}" in d.current_url

    # Clicking the total highlights its evidence box (and scrolls the page image to it).
    total = d.find_element(By.CSS_SELECTOR, 'button.field[data-field="total"]')
    box = d.find_element(By.ID, total.get_attribute("data-box"))
    assert "active" not in box.get_attribute("class")
    total.click()
    assert "active" in box.get_attribute("class") and total.get_attribute("aria-pressed") == "true"
    assert d.execute_script("return document.querySelectorAll('rect.box.active').length") == 1
    d.save_screenshot(str(shots / "claim.png"))
    unlabelled = d.execute_script(
        "return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))"
        ".filter(e => e.labels.length === 0).map(e => e.name)")
    assert unlabelled == []  # every control has a label
    ActionChains(d).move_to_element(d.find_element(By.TAG_NAME, "h1")).click().send_keys("f").perform()
    first = d.switch_to.active_element
    assert first.get_attribute("data-field") == "total"  # lowest confidence first
    ActionChains(d).send_keys("j").perform()
    second = d.switch_to.active_element
    assert second.get_attribute("data-field") == "service_dates[0]"
    assert d.find_element(By.ID, second.get_attribute("data-box")).get_attribute("class").endswith("active")
    total.click()
    d.set_window_size(820, 1100)  # tablet width: the pages above the fields, nothing cut off sideways
    assert d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    d.find_element(By.CSS_SELECTOR, 'button.field[data-field="service_dates[0]"]').click()
    d.save_screenshot(str(shots / "claim-tablet.png"))
    d.set_window_size(1280, 800)

    # Approve with a note: a new decision, the machine's kept, and claim.reviewed on the claim's audit list.
    d.find_element(By.ID, "approve-note").send_keys("checked against the scan")
    d.find_element(By.ID, "approve").click()
    _wait(d, By.CSS_SELECTOR, 'p.ok[role="status"]')
    assert d.find_elements(By.CSS_SELECTOR, '#audit-entries tr[data-type="claim.reviewed"]')
    history = d.find_element(By.CSS_SELECTOR, "ol.history").text
    assert "machine" in history and "review approve" in history and "checked against the scan" in history

    # Over the threshold: the approval is a proposal; the same reviewer cannot confirm; a second one does.
    ActionChains(d).move_to_element(d.find_element(By.TAG_NAME, "h1")).click().send_keys("n").perform()
    WebDriverWait(d, 10).until(lambda x: f"/console/claims/{eur}" in x.current_url)  # n: the next claim
    d.find_element(By.ID, "approve").click()
    _wait(d, By.ID, "confirm")
    assert "awaiting confirmation" in d.find_element(By.TAG_NAME, "h1").text
    d.find_element(By.ID, "confirm").click()
    assert "four" in _wait(d, By.ID, "action-error").text.lower() or "confirm" in d.find_element(
        By.ID, "action-error").text
    _login(d, base, console.keys[("acme", "second")])
    d.get(f"{base}/console/claims/{eur}")
    d.find_element(By.ID, "confirm").click()
    _wait(d, By.CSS_SELECTOR, 'p.ok[role="status"]')
    assert "approved" in d.find_element(By.TAG_NAME, "h1").text

    # The auditor verifies the chain from the audit page.
    _login(d, base, console.keys[("acme", "auditor")])
    assert d.current_url.endswith("/console/audit")
    d.find_element(By.ID, "verify").click()
    WebDriverWait(d, 30).until(lambda x: x.find_element(By.ID, "verification").get_attribute("data-state")
                               != "running")
    assert d.find_element(By.ID, "verification").get_attribute("data-state") == "verified"
    assert "Verified" in d.find_element(By.ID, "verify-state").text
    d.save_screenshot(str(shots / "audit.png"))
    d.get(f"{base}/console/dashboard")
    _wait(d, By.CSS_SELECTOR, "svg.chart")
    d.save_screenshot(str(shots / "dashboard.png"))

    # A reviewer of another tenant opening this tenant's claim gets a 404 page.
    _login(d, base, console.keys[("globex", "reviewer")])
    d.get(f"{base}/console/claims/{gbp}")
    assert d.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "Donna" not in d.page_source and gbp[:8] not in d.find_element(By.TAG_NAME, "main").text.split("claim")[0]
