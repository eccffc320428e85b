"""The workspace in a real browser (headless Chromium driven by Playwright).

Signs in, runs a round on the bundled territory, opens the agenda, records a refusal and
a lease, and sees the year's accounts change; every page is shot at 1,400 px and 400 px
(``build/web-screenshots/``) and none overflows horizontally at 400 px. Under ``CI=true``
a missing browser or Playwright fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from web_support import PASSWORD

CHROMIUM = os.environ.get("ATTRIBUTION_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "web-screenshots"


def _browser_or_skip():
    missing = []
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``attribution serve`` in a child process on the bundled territory, with a CIL
    account and a landlord account."""
    _browser_or_skip()
    from attribution.web.server import start_child

    folder = tmp_path_factory.mktemp("browser")
    ledger = str(folder / "ledger.sqlite")
    try:
        proc, base = start_child(ledger, folder / "server.log",
                                 {"equipe": ("cil", PASSWORD),
                                  "silene": ("landlord:Silène", PASSWORD)})
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield {"base": base, "folder": folder, "ledger": ledger}
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).is_file()
                              else shutil.which("chromium"),
                              args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _sign_in(page, base, name):
    page.goto(base + "/connexion")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _shoot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    if width <= 400:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name}: horizontal overflow at {width} px ({scroll} px)"


def _year_totals(page) -> tuple[int, int]:
    """Units let (sum of flows.csv) and refusals (rows of refusals.csv) on the year page."""
    let = sum(int(x) for x in page.eval_on_selector_all(
        "#table-flows tbody tr td:nth-child(3)", "tds => tds.map(t => t.textContent)"))
    refusals = page.eval_on_selector_all("#table-refusals tbody tr", "rows => rows.length")
    return let, refusals


def _content(page) -> str:
    """The page's HTML, waiting out a self-refresh in progress."""
    from playwright.sync_api import Error
    for _ in range(50):
        try:
            page.wait_for_load_state()
            return page.content()
        except Error:
            time.sleep(0.2)
    return page.content()


def _wait_text(page, text: str, timeout_s: float) -> None:
    """Wait for ``text`` on a page that refreshes itself (meta refresh)."""
    deadline = time.monotonic() + timeout_s
    while text not in (html := _content(page)):
        assert "n'a pas abouti" not in html and "Rien n'a été" not in html, html
        assert time.monotonic() < deadline, f"'{text}' never appeared on {page.url}"
        time.sleep(1)


def test_a_round_the_agenda_a_refusal_and_the_year(server, browser):
    base = server["base"]
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    _sign_in(page, base, "equipe")
    _shoot(page, "accueil", 1400)

    # run a round from the form; the progress page updates itself
    page.goto(base + "/tours")
    page.fill("input[name=time_limit]", "30")
    page.select_option("select[name=shortlists]", "bound")
    page.select_option("select[name=quota_prices]", "never")
    with page.expect_navigation():
        page.click("button:has-text('Lancer le tour')")
    page.wait_for_url(re.compile(r".*/tours/\d+$"))
    assert "Calcul en cours" in _content(page) or "Synthèse" in _content(page)
    _shoot(page, "tour-en-cours", 1400)
    _wait_text(page, "Synthèse", 600)
    assert "logements attribués" in _content(page)
    round_url = page.url
    # report.html itself, in its sandboxed frame
    heading = page.frame_locator("iframe.report").locator("h1")
    heading.wait_for(timeout=60_000)
    assert heading.inner_text().startswith("Attributions")
    _shoot(page, "tour-resultat", 1400)

    # the year before any decision (the round is in the ledger): a bilan on demand
    page.goto(base + "/annee")
    with page.expect_navigation():
        page.click("button:has-text('Recalculer le bilan')")
    _wait_text(page, "Page complète du bilan", 180)
    let_before, refusals_before = _year_totals(page)

    page.goto(round_url)

    # the agenda, one unit, its ranked candidates
    page.click("text=Ordre du jour de la commission")
    page.wait_for_url(re.compile(r".*/agenda$"))
    _shoot(page, "ordre-du-jour", 1400)
    unit_link = page.locator("section.unit h2 a").first
    unit_id = unit_link.inner_text()
    unit_link.click()
    page.wait_for_url(re.compile(rf".*/logements/{unit_id}$"))
    candidates = page.eval_on_selector_all("ol.cands li > a", "as => as.map(a => a.textContent)")
    proposed = page.eval_on_selector_all("ol.cands li:has(strong) > a",
                                         "as => as.map(a => a.textContent)")
    assert proposed and len(candidates) >= 2
    refuser = next(c for c in candidates if c not in proposed)

    # a refusal, not justified, then the lease of the proposed household
    page.fill("input[name=demand_id]", refuser)
    page.select_option("select[name=event]", "offer_refused")
    page.fill("input[name=date]", "2025-03-10")
    page.check("input[name=justified][value=non]")
    page.fill("input[name=reason]", "logement trop éloigné du travail")
    with page.expect_navigation():
        page.click("button:has-text('Enregistrer')")
    assert "Décision enregistrée" in page.content(), page.content()
    page.fill("input[name=demand_id]", proposed[0])
    page.select_option("select[name=event]", "lease_signed")
    page.fill("input[name=date]", "2025-03-20")
    page.check("input[name=justified][value='']")
    page.fill("input[name=reason]", "")
    with page.expect_navigation():
        page.click("button:has-text('Enregistrer')")
    assert "Décision enregistrée" in page.content(), page.content()
    _shoot(page, "logement-decision", 1400)

    # the year's accounts change (the bilan is recomputed in the background)
    page.goto(base + "/annee")
    deadline = time.monotonic() + 240
    while True:
        if "Bilan en cours" not in _content(page) and page.locator("#table-flows").count():
            let_after, refusals_after = _year_totals(page)
            if (let_after, refusals_after) != (let_before, refusals_before):
                break
        assert time.monotonic() < deadline, "the year's accounts did not change"
        time.sleep(2)
        page.reload()
    assert let_after == let_before + 1
    assert refusals_after >= refusals_before + 1
    assert "logement trop éloigné" in _content(page)  # refusals by reason
    _shoot(page, "annee", 1400)

    # the applicant's explanation and letter
    page.goto(f"{round_url}/demandes/{proposed[0]}")
    assert proposed[0] in page.content() and "Cotation" in page.content()
    _shoot(page, "demande", 1400)
    page.click("text=Courrier au demandeur")
    assert "Votre demande de logement" in page.content()   # the letter `letters` writes
    _shoot(page, "courrier", 1400)

    # every page at 400 px: no horizontal overflow
    small = browser.new_page(viewport={"width": 400, "height": 800}, locale="fr-FR")
    _sign_in(small, base, "equipe")
    _shoot(small, "accueil", 400)
    for name, path in [("territoire", "/territoire"), ("tours", "/tours"),
                       ("tour-resultat", round_url[len(base):]),
                       ("ordre-du-jour", round_url[len(base):] + "/agenda"),
                       ("logement-decision", f"{round_url[len(base):]}/logements/{unit_id}"),
                       ("demande", f"{round_url[len(base):]}/demandes/{proposed[0]}"),
                       ("courrier", f"{round_url[len(base):]}/demandes/{proposed[0]}/courrier"),
                       ("annee", "/annee"), ("scenarios", "/scenarios")]:
        small.goto(base + path)
        _shoot(small, name, 400)
    small.goto(base + "/connexion")
    _shoot(small, "connexion", 400)

    # the landlord sees its own units only, and a 403 for another landlord's
    landlord = browser.new_page(viewport={"width": 1400, "height": 900})
    _sign_in(landlord, base, "silene")
    landlord.goto(round_url + "/agenda")
    subs = landlord.eval_on_selector_all("section.unit p.sub",
                                         "ps => ps.map(p => p.textContent)")
    assert subs and all(s.startswith("Silène") for s in subs)
    page.goto(round_url + "/agenda?bailleur=Habitat%2044")
    other = page.locator("section.unit h2 a").first.inner_text()
    response = landlord.goto(f"{round_url}/logements/{other}")
    assert response.status == 403 and other not in landlord.content()
