"""The page in a real browser (Debian's Chromium through Selenium): type a sentence, submit,
and the displaCy marks show the pipeline's mentions with their labels. With AIONER_SCREENSHOT
set to a path, the page is saved there as a PNG (the README's picture is made this way)."""
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.pipeline.conftest import TRAIN
from tests.conftest import free_port

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them where it can)",
)


@pytest.fixture
def server(service):
    import uvicorn

    from spacy_aioner.service.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(service, token="page-token"), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1000,760", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_the_page_shows_the_mentions_of_a_pasted_sentence(server, browser, service):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import Select, WebDriverWait

    text = TRAIN[0][0]  # "BRCA1 mutation causes breast cancer in human patients."
    browser.get(f"{server}/?token=page-token")
    assert browser.title == "spacy-aioner"
    options = [o.text for o in Select(browser.find_element(By.ID, "task")).options]
    assert options[0] == "ALL" and "CellLine" in options
    browser.find_element(By.ID, "text").send_keys(text)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#mentions tbody tr")))
    rows = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in browser.find_elements(By.CSS_SELECTOR, "#mentions tbody tr")]
    doc = service.nlp(text)
    group = doc.spans["aioner"]
    assert [(row[0], row[1]) for row in rows] == [(span.label_, span.text) for span in group]
    rendered = browser.find_element(By.ID, "result").text
    for span in group:  # displaCy writes each mention's label beside its marked tokens
        assert span.label_ in rendered and all(token.text in rendered for token in span)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result span[style]")) >= len(group)
    assert browser.find_element(By.ID, "status").text == ""
    screenshot = os.environ.get("AIONER_SCREENSHOT")
    if screenshot:
        Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(screenshot)


def test_the_page_reports_a_refused_request(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/?token=page-token")
    browser.execute_script("document.getElementById('min_score').value = '1'")  # still valid: 1.0
    browser.find_element(By.ID, "text").send_keys("x" * 10)
    browser.execute_script("headers['Authorization'] = 'Bearer wrong'")
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "status").text)
    assert browser.find_element(By.ID, "status").text.startswith("401: a bearer token is required")
