"""The reader in a real browser: Debian's headless Chromium, driven by Selenium through Debian's
chromedriver (its path given, so Selenium never looks for a driver on the network).

Every wait is on the page's state (an element, a text, a URL), never a fixed sleep. axe-core
(tests/browser/package.json, installed by scripts/test.sh) is injected into the pages to check
accessibility. Screenshots go to FOLIO_TEST_OUT (scripts/test.sh: $CARGO_TARGET_DIR/browser).
"""

import json
import os
import shutil
import tempfile
import urllib.request

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = os.environ.get("FOLIO_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FOLIO_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE = os.environ.get("FOLIO_AXE", "")
OUT = os.environ.get("FOLIO_TEST_OUT", os.path.join(tempfile.gettempdir(), "folio-browser"))


def missing_tools():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not os.path.isfile(AXE):
        missing.append(f"axe-core (FOLIO_AXE={AXE!r})")
    return missing


if missing_tools():
    if os.environ.get("CI"):
        raise RuntimeError(f"the browser tests need {missing_tools()}; scripts/test.sh installs them")
    pytest.skip(f"not installed: {missing_tools()} (scripts/test.sh installs them)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp()
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    os.makedirs(OUT, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, server):
    """The browser at a fresh home page; after the test, no console errors but those it expected."""
    browser.set_window_size(1280, 900)
    browser.get(server + "/")
    browser.get_log("browser")  # drop what came before this test
    expected = []
    yield browser, server, expected
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
              and not any(x in e["message"] for x in expected)]
    assert errors == [], f"console errors: {errors}"


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(condition)


def options_text(driver):
    """The titles the list offers, read in one step (the list is rebuilt on every answer)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#folio-results [role=option] .title'), o => o.textContent)")


def type_in_search(driver, text):
    box = driver.find_element(By.ID, "folio-q")
    box.clear()
    box.send_keys(text)
    return box


def axe_violations(driver):
    with open(AXE, encoding="utf-8") as f:
        driver.execute_script(f.read())
    result = driver.execute_async_script("const done = arguments[0]; axe.run(document).then(r => done(r.violations));")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["html"][:200] for n in v["nodes"][:3]]} for v in result]


def get_json(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def test_type_ahead_lists_titles_without_moving_the_page(page):
    driver, server, _ = page
    facts = driver.find_element(By.ID, "folio-facts")
    pages = get_json(server + "/stats")["dataset"]["pages"]
    assert f"Pages\n{pages:,}" in facts.text or f"{pages:,}" in facts.text
    before = facts.rect
    driver.execute_script("""
        window.folioShift = 0;
        new PerformanceObserver(l => l.getEntries().forEach(e => window.folioShift += e.value))
            .observe({type: 'layout-shift', buffered: false});""")
    driver.save_screenshot(os.path.join(OUT, "home.png"))
    type_in_search(driver, "Anar")
    wait(driver, lambda d: "Anarchism" in options_text(d))
    assert driver.find_element(By.ID, "folio-q").get_attribute("aria-expanded") == "true"
    assert facts.rect == before, "the results list moved the page"
    assert driver.execute_script("return window.folioShift") == 0, "a layout shift while the list filled"
    driver.save_screenshot(os.path.join(OUT, "results.png"))
    # Every keystroke asks again (the one before is cancelled); the list follows the last one.
    type_in_search(driver, "a")
    wait(driver, lambda d: len(options_text(d)) == 10)
    box = driver.find_element(By.ID, "folio-q")
    box.send_keys("nalysis of v")
    wait(driver, lambda d: options_text(d) and all(t.lower().startswith("analysis of v") for t in options_text(d)))


def test_enter_opens_the_article_as_text(page):
    driver, server, _ = page
    box = type_in_search(driver, "Anar")
    wait(driver, lambda d: "Anarchism" in options_text(d))
    box.send_keys(Keys.ENTER)
    wait(driver, EC.url_to_be(server + "/read/Anarchism"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Anarchism"
    first = driver.find_element(By.CSS_SELECTOR, "#folio-article > p").text
    assert first.startswith("Anarchism is a political philosophy"), first[:200]
    article = driver.find_element(By.ID, "folio-article").text
    for markup in ("'''", "[[", "]]", "{{", "&lt;", "&amp;"):
        assert markup not in article, f"{markup!r} visible in the article"
    driver.save_screenshot(os.path.join(OUT, "article.png"))


def test_links_lead_to_articles_and_missing_ones_are_marked(page):
    driver, server, expected = page
    driver.get(server + "/read/Anarchism")
    missing = driver.find_elements(By.CSS_SELECTOR, "#folio-article a.new")
    assert missing, "links to pages outside the dataset are marked"
    existing = [a for a in driver.find_elements(By.CSS_SELECTOR, "#folio-article a[href^='/read/']:not(.new)")
                if a.is_displayed()]
    assert existing, "links to pages of the dataset"
    target = existing[0]
    href = target.get_attribute("href")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    target.click()
    wait(driver, EC.url_to_be(href))
    landed = driver.find_element(By.TAG_NAME, "h1").text
    shown = get_json(server + "/pages/" + href.split("/read/", 1)[1])
    assert landed in (shown["title"], shown.get("redirect")), (landed, shown)
    # Back and forward are the browser's own: every view is a URL.
    driver.back()
    wait(driver, EC.url_to_be(server + "/read/Anarchism"))
    driver.forward()
    wait(driver, EC.url_to_be(href))
    # A red link opens a page that says there is no such page.
    expected.append("404")
    driver.get(server + "/read/Anarchism")
    red = driver.find_element(By.CSS_SELECTOR, "#folio-article a.new")
    driver.get(red.get_attribute("href"))
    assert "This dataset has no page titled" in driver.find_element(By.ID, "folio-missing").text


def test_the_xml_toggle_shows_the_dumps_bytes(page):
    driver, server, _ = page
    driver.get(server + "/read/Anarchism")
    driver.find_element(By.CSS_SELECTOR, "#folio-raw summary").click()
    pre = driver.find_element(By.ID, "folio-raw-xml")
    wait(driver, lambda d: pre.get_attribute("data-loaded") == "yes")
    with urllib.request.urlopen(server + "/wiki/Anarchism") as r:
        xml = r.read().decode("utf-8")
    assert driver.execute_script("return arguments[0].textContent", pre) == xml


def test_type_ahead_forgives_a_typo_and_shows_first_sentences(page):
    driver, _, _ = page
    type_in_search(driver, "anrachism")
    wait(driver, lambda d: any(t.startswith("Anarchism") for t in options_text(d)))
    first = driver.find_element(By.CSS_SELECTOR, "#folio-results [role=option] .excerpt")
    assert first.text.startswith("Anarchism is a political philosophy")


def test_a_search_with_no_result_says_so(page):
    driver, _, _ = page
    type_in_search(driver, "Zzqxj")
    status = driver.find_element(By.ID, "folio-status")
    wait(driver, lambda d: "No titles match" in status.text)
    assert options_text(driver) == []


def test_words_in_the_text_find_pages_with_marked_snippets(page):
    driver, server, _ = page
    box = type_in_search(driver, "political philosophy")
    containing = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#folio-results li.containing"))[0]
    assert containing.text == "Search for pages containing “political philosophy”"
    # The last option, reached with the arrow keys from the box.
    box.send_keys(Keys.ARROW_UP)
    assert driver.find_element(By.CSS_SELECTOR, "#folio-results [aria-selected=true]").text == containing.text
    box.send_keys(Keys.ENTER)
    hits = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#folio-hits li"))
    want = get_json(server + "/search?q=political+philosophy&limit=20&snippets=false")
    assert [h.find_element(By.TAG_NAME, "a").text for h in hits] == [i["title"] for i in want["items"]]
    assert "Anarchism" in [i["title"] for i in want["items"]]
    marks = [m.text.lower() for m in driver.find_elements(By.CSS_SELECTOR, "#folio-hits mark")]
    assert marks and all(m.startswith(("politic", "philosoph")) for m in marks), marks
    count = driver.find_element(By.ID, "folio-text-count").text
    assert count.startswith(f"{want['total']:,} pages") or count.startswith(f"{want['total']} pages"), count
    driver.save_screenshot(os.path.join(OUT, "search.png"))
    # The first hit opens its article.
    first = hits[0].find_element(By.TAG_NAME, "a")
    title = first.text
    first.click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == title)


def test_random_article_and_shareable_urls(page):
    driver, server, _ = page
    driver.find_element(By.ID, "folio-random").click()
    wait(driver, EC.url_contains("/read/"))
    title = driver.find_element(By.TAG_NAME, "h1").text
    meta = get_json(server + "/pages/" + driver.current_url.split("/read/", 1)[1])
    assert (meta["title"], meta["ns"], meta["redirect"]) == (title, 0, None)
    # A redirect's URL, opened directly, shows its target and says where it came from.
    driver.get(server + "/read/ANOVA")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Analysis of variance"
    assert "Redirected from ANOVA" in driver.find_element(By.CLASS_NAME, "redirected").text


def test_keyboard_only(page):
    driver, server, _ = page
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)  # the home link
    driver.switch_to.active_element.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.get_attribute("id") == "folio-q", "Tab reaches the search box second"
    focused.send_keys("Anar")
    wait(driver, lambda d: "Anarchism" in options_text(d))
    focused.send_keys(Keys.ARROW_DOWN)
    chosen = driver.find_element(By.CSS_SELECTOR, "#folio-results [aria-selected=true]")
    assert focused.get_attribute("aria-activedescendant") == chosen.get_attribute("id")
    want = server + chosen.get_attribute("data-href")
    focused.send_keys(Keys.ENTER)
    wait(driver, EC.url_to_be(want))
    # Tab on through the page to an internal link of the article and follow it with Enter.
    for _ in range(200):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        el = driver.switch_to.active_element
        href = el.get_attribute("href") or ""
        inside = driver.execute_script("return !!arguments[0].closest('#folio-article')", el)
        if inside and "/read/" in href and "new" not in (el.get_attribute("class") or ""):
            break
    else:
        pytest.fail("no article link reached with Tab")
    el.send_keys(Keys.ENTER)
    wait(driver, EC.url_to_be(href))


def test_a_reader_picks_a_dataset_and_stays_in_it(browser, two_datasets):
    driver, server = browser, two_datasets
    driver.get(server + "/")
    picker = driver.find_element(By.ID, "folio-datasets")
    assert [a.text for a in picker.find_elements(By.TAG_NAME, "a")] == ["first", "second"]
    assert axe_violations(driver) == []
    picker.find_element(By.LINK_TEXT, "second").click()
    wait(driver, EC.url_to_be(server + "/d/second/"))
    current = driver.find_element(By.CSS_SELECTOR, "#folio-datasets a[aria-current=page]")
    assert current.text == "second"
    # Type-ahead, the article, its links and the random button all stay in the dataset.
    box = type_in_search(driver, "Anar")
    wait(driver, lambda d: "Anarchism" in options_text(d))
    box.send_keys(Keys.ENTER)
    wait(driver, EC.url_to_be(server + "/d/second/read/Anarchism"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Anarchism"
    links = driver.find_elements(By.CSS_SELECTOR, "#folio-article a:not(.external)")
    assert links and all("/d/second/read/" in a.get_attribute("href") for a in links)
    driver.find_element(By.ID, "folio-random").click()
    wait(driver, EC.url_contains("/d/second/read/"))
    driver.find_element(By.CSS_SELECTOR, "a.home").click()
    wait(driver, EC.url_to_be(server + "/d/second/"))


@pytest.mark.parametrize("path", ["/", "/read/Anarchism", "/?q=ana", "/?q=political+philosophy&fulltext=1"])
def test_no_horizontal_scroll_on_a_phone(page, path):
    driver, server, _ = page
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    try:
        driver.get(server + path)
        wide = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert wide[0] <= wide[1], f"{path}: {wide[0]} px of content in a {wide[1]} px window"
        if path == "/read/Anarchism":
            driver.save_screenshot(os.path.join(OUT, "article-phone.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("path", ["/", "/read/Anarchism", "/read/Analysis_of_variance", "/?q=ana",
                                  "/?q=political+philosophy&fulltext=1"])
def test_axe_finds_no_violations(page, path):
    driver, server, _ = page
    driver.get(server + path)
    if path == "/":
        type_in_search(driver, "Ana")
        wait(driver, lambda d: options_text(d))
    assert axe_violations(driver) == []
