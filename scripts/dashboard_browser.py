"""The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, selenium from PyPI).

Drives a running `herald serve` the way a person would: signs in, watches a message sent through the API appear in
the log and reach DELIVERED without a reload, opens its timeline and its callbacks, filters by reason, reads the
analytics by connector and by route, runs a campaign from a CSV upload, manages opt-outs, templates and settings
through their forms, reads the SMPP sessions on the connectors page as an operator, checks that another account sees
none of it, and that the pages fit a phone-width screen and start with a skip link. Saves a screenshot of each page
into docs/dashboard/. Exits non-zero on the first failed check, naming it.

usage: dashboard_browser.py BASE_URL KEY OTHER_KEY OPERATOR_KEY SCREENSHOT_DIR
"""
import json
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

base, key, other_key, operator_key, shots = sys.argv[1:6]
passed = 0


def check(name, condition):
    global passed
    if not condition:
        print(f"FAILED: {name}", file=sys.stderr)
        sys.exit(1)
    passed += 1
    print(f"ok: {name}")


def api(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
# Live pages swap their content while we look: an element read a moment ago may be gone; the wait reads it again.
# A page that navigates (a form's redirect, a live update) between finding an element and reading it answers
# "Node with given id does not belong to the document" (a plain WebDriverException): the wait reads it again.
wait = WebDriverWait(driver, 30, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, WebDriverException))


def sign_in(with_key):
    driver.get(base + "/sign-in")
    field = driver.find_element(By.ID, "key")
    field.send_keys(with_key)
    field.send_keys(Keys.ENTER)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.log")))


try:
    # A webhook that answers nothing: every event owes it a callback the message's page lists with its attempts.
    api("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/nobody-listens"})
    driver.get(base + "/")
    check("signed out, / leads to the sign-in page", driver.current_url.endswith("/sign-in"))
    driver.save_screenshot(f"{shots}/sign-in.png")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    check("the first Tab reaches the skip link", driver.switch_to.active_element.get_attribute("class") == "skip")

    sign_in(key)
    check("signing in opens the message log", driver.find_element(By.TAG_NAME, "h1").text == "Messages")
    wait.until(lambda d: d.execute_script("return document.documentElement.dataset.live") == "connected")
    driver.execute_script("window.heraldNoReload = true")

    # A message sent through the API appears and reaches DELIVERED on the open page, without a reload.
    message = api("POST", "/v1/messages", {"channel": "sms", "to": "+14155550100", "text": "<b>Your code is 123456</b>", "tag": "otp"})
    row = f"tr[data-id='{message['id']}']"
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, row)))
    check("a new message appears in the open log", True)
    wait.until(lambda d: "DELIVERED" in d.find_element(By.CSS_SELECTOR, row + " .status").text)
    check("its status changes to DELIVERED live", True)
    check("...without a reload", driver.execute_script("return window.heraldNoReload === true"))
    undelivered = api("POST", "/v1/messages", {"channel": "sms", "to": "+14155550105", "text": "promo"})
    wait.until(lambda d: "UNDELIVERED" in d.find_element(By.CSS_SELECTOR, f"tr[data-id='{undelivered['id']}'] .status").text)
    driver.save_screenshot(f"{shots}/messages.png")

    # One message's story.
    driver.find_element(By.CSS_SELECTOR, f"a[href='/messages/{message['id']}']").click()
    wait.until(EC.presence_of_element_located((By.ID, "timeline-heading")))
    timeline = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "ol.timeline").text)
    check("the timeline lists QUEUED, SENT and DELIVERED", all(word in timeline for word in ["QUEUED", "SENT", "DELIVERED"]))
    check("the text shows as text, not markup", "<b>Your code is 123456</b>" in wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "dd.text").text))
    callbacks = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "table.callbacks").text)
    check("its callbacks to the webhook are listed by event", "DELIVERED" in callbacks and "http://127.0.0.1:9/nobody-listens" in callbacks)
    driver.set_window_size(1280, 1600)
    driver.save_screenshot(f"{shots}/message.png")
    driver.set_window_size(1280, 900)

    # Filter by reason, through the form.
    reason = api("GET", f"/v1/messages/{undelivered['id']}")["reason"]["code"]
    driver.get(base + "/")
    driver.find_element(By.ID, "f-reason").send_keys(reason)
    driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait.until(lambda d: f"reason={reason}" in d.current_url)
    rows = wait.until(lambda d: [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#log-rows tr[data-id]")])
    check(f"filtering by reason {reason} shows only that message", rows == [undelivered["id"]])
    driver.save_screenshot(f"{shots}/messages-filtered.png")

    # Delivery analytics with the two connectors: send a few more, then read the table by connector.
    more = [api("POST", "/v1/messages", {"channel": "sms", "to": f"+1415555{2000 + i}", "text": "stats"})["id"] for i in range(12)]
    for sent in more:
        for _ in range(150):
            if api("GET", f"/v1/messages/{sent}")["final"]:
                break
            time.sleep(0.1)
    driver.get(base + "/analytics")
    rows = {r.find_element(By.TAG_NAME, "th").text: r for r in driver.find_elements(By.CSS_SELECTOR, "#analytics tbody tr") if r.find_elements(By.TAG_NAME, "th")}
    check("the analytics page compares both connectors", set(rows) == {"sim", "carrier"})
    ended = sum(int(r.find_elements(By.TAG_NAME, "td")[0].text) for r in rows.values())
    check("their messages add up to every message that ended", ended == 2 + len(more))
    driver.save_screenshot(f"{shots}/analytics.png")
    Select(driver.find_element(By.ID, "a-by")).select_by_value("route")
    driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait.until(lambda d: "by=route" in d.current_url)
    routes = {r.find_element(By.TAG_NAME, "th").text for r in driver.find_elements(By.CSS_SELECTOR, "#analytics tbody tr") if r.find_elements(By.TAG_NAME, "th")}
    check("by route, each row names its routing rule", routes == {"sms +141555501 → sim", "sms any destination → carrier"})

    # Campaigns: a CSV uploaded through the page (with its progress bar), started paused; its report shows the
    # queued messages; resumed from the page, its counts reach 8 of 8 final.
    api("POST", "/v1/templates", {"name": "promo", "channel": "sms", "body": "Hi {{name}}"})
    import os
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("phone,name\n" + "".join(f"+1415555{3000 + i},N{i}\n" for i in range(8)))
        csv_path = f.name
    driver.get(base + "/campaigns")
    driver.find_element(By.ID, "c-name").send_keys("spring")
    driver.find_element(By.ID, "c-from").send_keys("Shop")
    driver.find_element(By.ID, "c-csv").send_keys(os.path.abspath(csv_path))
    driver.find_element(By.NAME, "paused").click()
    driver.find_element(By.CSS_SELECTOR, "#new-campaign button[type=submit]").click()
    wait.until(lambda d: "/campaigns/cmp_" in d.current_url)
    os.remove(csv_path)
    check("the CSV uploaded through the page made a campaign (its report opened)", driver.find_element(By.TAG_NAME, "h1").text == "spring")
    check("the paused campaign's report shows its 8 queued messages", ">QUEUED</text>" in driver.page_source and ">8</text>" in driver.page_source)
    driver.find_element(By.XPATH, "//button[text()='Resume']").click()
    wait.until(lambda d: ">DELIVERED</text>" in d.page_source and "8 of 8 final" in d.page_source)
    check("resumed from the page, its counts reach 8 of 8 final", True)
    driver.save_screenshot(f"{shots}/campaign.png")

    # Opt-outs, templates and settings through their forms (the API's own rules).
    driver.get(base + "/lists")
    driver.find_element(By.ID, "s-recipient").send_keys("+14155550199")
    driver.find_element(By.CSS_SELECTOR, "form[action='/suppressions'] button[type=submit]").click()
    wait.until(lambda d: "+14155550199" in d.find_element(By.TAG_NAME, "main").text)
    check("a suppression added on the page is the API's", api("GET", "/v1/suppressions")["data"][0]["recipient"] == "+14155550199")
    driver.find_element(By.ID, "d-numbers").send_keys("+447400123456\n+447400123457")
    driver.find_element(By.CSS_SELECTOR, "form[action='/dnd'] button[type=submit]").click()
    wait.until(lambda d: "+447400123457" in d.find_element(By.TAG_NAME, "main").text)
    check("numbers added to the DND list on the page are listed", "+447400123456" in driver.find_element(By.TAG_NAME, "main").text)
    driver.save_screenshot(f"{shots}/lists.png")
    driver.get(base + "/templates")
    check("the templates page lists the campaign's template", "Hi {{name}}" in driver.find_element(By.TAG_NAME, "main").text)
    driver.save_screenshot(f"{shots}/templates.png")
    driver.get(base + "/settings")
    typed = driver.find_element(By.ID, "a-country")
    typed.send_keys("GB")
    driver.find_element(By.CSS_SELECTOR, "form[action='/settings'] button[type=submit]").click()
    # The field holds "GB" as soon as it is typed: wait for the page the POST redirects to, then read it there.
    wait.until(EC.staleness_of(typed))
    wait.until(lambda d: d.find_element(By.ID, "a-country").get_attribute("value") == "GB")
    check("a setting saved on the page is the account's", api("GET", "/v1/account")["settings"].get("default_country") == "GB")
    driver.save_screenshot(f"{shots}/settings.png")

    # A phone-width screen: nothing wider than the screen but the table, which scrolls in its box.
    driver.set_window_size(390, 844)
    driver.get(base + "/")
    check("the log fits a phone-width screen", driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
    driver.save_screenshot(f"{shots}/messages-phone.png")
    driver.set_window_size(1280, 900)

    # Sign out; another account sees none of this account's messages.
    driver.get(base + "/")
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()
    wait.until(EC.presence_of_element_located((By.ID, "key")))
    check("signing out returns to the sign-in page", driver.current_url.endswith("/sign-in"))
    sign_in(other_key)
    page = driver.page_source
    check("another account's log shows none of these messages", message["id"] not in page and undelivered["id"] not in page)
    driver.get(base + f"/messages/{message['id']}")
    check("another account cannot open the message", "No such message" in driver.page_source)
    driver.get(base + "/connectors")
    check("an account key does not see the connectors", "Operators only" in driver.page_source)

    # An operator: the connectors with the SMPP sessions to `herald smsc`.
    driver.get(base + "/")
    driver.find_element(By.CSS_SELECTOR, ".signout button").click()
    wait.until(EC.presence_of_element_located((By.ID, "key")))
    sign_in(operator_key)
    driver.get(base + "/connectors")
    sessions = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "table.sessions").text)
    check("the connectors page shows the carrier's SMPP session bound", "transceiver#0" in sessions and "bound" in sessions)
    driver.save_screenshot(f"{shots}/connectors.png")
finally:
    driver.quit()
print(f"dashboard browser checks: {passed} passed")
