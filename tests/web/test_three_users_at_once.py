"""Three people at once in Chromium: an administrator, a salesperson and a sales manager sign in
at the same moment and click through the partner list, a search, a card and the export.

What is asserted is the absence of stalls, not speed: every navigation and every wait has a
2-second timeout (stretched on a machine busier than its cores, up to 10 s, still short of the
15-30 s a stalled server keeps a request waiting), and a timeout fails the test. Each user
is a separate browser context that, besides its clicks, fires six requests at once (the six
keep-alive connections a browser opens to one server), so the server has to answer many
connections of several people at the same time. The three days run concurrently with
Playwright's async API in a thread of their own (the live server answers from its threads).
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.models import User
from tandem.partners.models import Partner
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONNECTIONS = 6  # what a browser opens to one host


def allowed_wait_ms() -> int:
    """2 s, the bar of issue 21; longer only on a machine busier than its cores, and never past
    10 s, still well under the 15-30 s an exhausted server keeps a request waiting.

    Read when the test starts (not when the suite is collected, on a still idle machine), and
    counting one more runnable process than the load average shows: the three browser renderers
    and the live server this test is about to start, which the one-minute average has not seen.
    """
    busy = (os.getloadavg()[0] + 1) / (os.cpu_count() or 1)
    return int(min(10_000, 2_000 * max(1.0, busy)))


class Steps:
    """How long each step of a user's day took, to show with a failure, and the wait allowed."""

    def __init__(self, user: User, timeout_ms: int) -> None:
        self.user = user
        self.timeout_ms = timeout_ms
        self.taken: list[str] = []

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.taken.append(f"{name} {time.monotonic() - started:.2f} s")

    def __str__(self) -> str:
        return f"{self.user.username}: " + ", ".join(self.taken)


async def sign_in(page: Any, user: User, timeout_ms: int) -> None:
    from playwright.async_api import expect

    await page.goto("/login/")
    await page.fill("input[name=username]", user.username)
    await page.fill("input[name=password]", "secret-pass-123")
    await page.locator("main form [type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/$"), timeout=timeout_ms)


async def six_requests_at_once(page: Any, paths: list[str], timeout_ms: int) -> list[int]:
    """Statuses of ``fetch``es sent together from the page, each aborted after the timeout."""
    return list(
        await page.evaluate(
            """([paths, timeout]) => Promise.all(paths.map(
                (path) => fetch(path, {signal: AbortSignal.timeout(timeout)}).then((r) => r.status)))""",
            [paths, timeout_ms],
        )
    )


async def a_day_with_partners(browser: Any, base_url: str, steps: Steps, look_for: str) -> None:
    from playwright.async_api import expect

    timeout_ms = steps.timeout_ms
    context = await browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_ms)
    context.set_default_navigation_timeout(timeout_ms)
    page = await context.new_page()
    table = page.locator("#object-table")
    try:
        # Untimed: the browser starts the page's renderer and caches the stylesheets; what is
        # timed from here on is the server answering three people at once.
        await page.goto("/login/", timeout=30_000)
        async with steps.step("sign in"):
            await sign_in(page, steps.user, timeout_ms)
        async with steps.step("partner list"):
            await page.goto("/partners/")
            await expect(table).to_contain_text(look_for, timeout=timeout_ms)
        async with steps.step("search"):
            await page.fill("#list-search", look_for)
            await expect(page).to_have_url(re.compile(r"search="), timeout=timeout_ms)
            await expect(table).to_contain_text(look_for, timeout=timeout_ms)
        async with steps.step("card"):
            await table.get_by_role("link", name=look_for).first.click()
            await expect(page.locator("h1")).to_contain_text(look_for, timeout=timeout_ms)
        card = page.url
        async with steps.step("export"):
            await page.goto("/partners/")
            await page.get_by_role("button", name="Export").click()
            async with page.expect_download(timeout=timeout_ms) as download:
                await page.get_by_role("link", name="CSV", exact=True).click()
            assert look_for in (await (await download.value).path()).read_text(encoding="utf-8-sig")
        async with steps.step("six requests at once"):
            paths = ["/partners/", f"/partners/?search={look_for}", card, "/partners/export/?format=csv",
                     "/partners/export/?format=xlsx", "/"]  # fmt: skip
            assert len(paths) == CONNECTIONS
            assert await six_requests_at_once(page, paths, timeout_ms) == [200] * CONNECTIONS
        await page.screenshot(path=str(shot_path(steps.user)), full_page=True)
    finally:
        await context.close()


def shot_path(user: User) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"three-users-{user.username}.png"


def in_a_thread(work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread of its own and hand back its result or raise its error."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="three-users")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def three_days_at_once(base_url: str, days: list[tuple[Steps, str]]) -> list[Any]:
    from playwright.async_api import async_playwright

    async def main() -> list[Any]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return await asyncio.gather(
                    *(a_day_with_partners(browser, base_url, steps, name) for steps, name in days),
                    return_exceptions=True,
                )
            finally:
                await browser.close()

    return list(in_a_thread(lambda: asyncio.run(main())))


def test_three_people_sign_in_and_work_at_once_without_a_stall(
    live_server: Any, admin: User, salesperson: User, manager: User, make_partner: Callable[..., Partner]
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed; run scripts/setup.sh --test")
    for number in range(1, 9):
        make_partner(f"Stolarnia {number:02d}", owner=salesperson)
        make_partner(f"Tartak {number:02d}", owner=manager)
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=30).read()  # warm: templates, URLs
    warm = Client()  # and the first signed-in page: the modules its tiles and menus import on first use
    warm.force_login(admin)
    assert warm.get(reverse("home")).status_code == 200

    timeout_ms = allowed_wait_ms()
    days = [(Steps(user, timeout_ms), name) for user, name in
            [(admin, "Tartak 03"), (salesperson, "Stolarnia 05"), (manager, "Tartak 07")]]  # fmt: skip
    outcomes = three_days_at_once(live_server.url, days)

    timings = "\n".join(str(steps) for steps, _ in days)
    failures = [
        f"{steps}: {outcome!r}" for (steps, _), outcome in zip(days, outcomes, strict=True) if outcome
    ]
    assert not failures, f"waits allowed: {timeout_ms} ms\n" + "\n".join(failures) + f"\n{timings}"
    print(timings)
