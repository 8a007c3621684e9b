"""The phone/TV page in a real browser: Debian's chromium, driven through chromium-driver.

`acetray serve --demo --lan --token T --playlist list.m3u` runs as a person runs it; the
page is opened as a phone would open it (a 390x844 screen, the link with `?token=`), and
every check is on what the person sees: the channel names in the list, the list narrowing as
they type, the picture playing (the video's clock moving), the star staying on after a reload
and /api/channels agreeing, the arrow keys of a TV remote, and the one-line refusal without
the token.

Every wait is on a condition, bounded (WebDriverWait): the first HLS segments take a few
seconds, longer on a loaded machine. Selenium Manager is never asked for anything: the
driver and the browser are named explicitly.

`ACETRAY_PAGE_SCREENSHOT=docs/screenshot-page-phone.png` also saves the phone screenshot
there (the README's picture); without it the screenshot goes to the test's temp folder.
"""

from __future__ import annotations

import colorsys
import contextlib
import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.logo_site import png
from tests.ports import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason=f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
        "apt-get install chromium chromium-driver",
    ),
]


TOKEN = "page-test-token_0123456789"
PHONE = (390, 844)
TV = (1920, 1080)
# Sport One plays the demo clip like any other; the long name is there to overflow a phone.
CHANNELS = [
    ("Sport One", "Sport", "94c2fd8fb9bc8f2fc71a2cbe9d4b866f227a0209"),
    ("Sport Two", "Sport", "1f0e5d3c2b4a69788796a5b4c3d2e1f001234567"),
    ("World News", "News", "2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"),
    ("Movie Channel", "Movies", "3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"),
    (
        "Eurosport 2 HD Extra with a very long channel name that does not fit",
        "Sport and more sport, all day",
        "4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
    ),
]
NAMES = [name for name, _group, _id in CHANNELS]
REFUSAL = "AceTray asks for its access token: use the links from Share with devices (they end in ?token=…)."
PLAY_TIMEOUT = 45.0  # the first segments: a few seconds, more on a busy 2-core machine


@dataclass(frozen=True)
class Proxy:
    base: str
    proc: subprocess.Popen

    def page(self, token: str | None = TOKEN) -> str:
        return f"{self.base}/?token={token}" if token else f"{self.base}/"

    def get_json(self, path: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


@pytest.fixture(scope="module")
def logo_server() -> Iterator[str]:
    """A logo site on 127.0.0.1 (a picture at any path): reachable by this computer only, as far
    as a phone is concerned; the page must get its logos through AceTray."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = png(rgb=(30, 150, 60))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, logo_server: str) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("page-browser")
    playlist = folder / "list.m3u"
    (folder / "two.png").write_bytes(png(rgb=(200, 60, 30)))
    logos = {0: f"{logo_server}/one.png", 1: "two.png"}  # a web logo; a file beside the playlist
    playlist.write_text(
        "#EXTM3U\n"
        + "".join(
            f'#EXTINF:-1 tvg-id="c{n}" tvg-logo="{logos.get(n, "")}" group-title="{group}",{name}\n'
            f"acestream://{content_id}\n"
            for n, (name, group, content_id) in enumerate(CHANNELS)
        ),
        encoding="utf-8",
    )
    port = free_port()
    env = dict(os.environ, ACETRAY_CONFIG_DIR=str(folder / "config"), XDG_CONFIG_HOME=str(folder / "xdg"))
    log = (folder / "serve.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop",
            "serve",
            "--demo",
            "--lan",
            "--token",
            TOKEN,
            "--port",
            str(port),
            "--playlist",
            str(playlist),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Proxy(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + 30
        while True:  # another process: nothing to wait on but its answers
            assert proc.poll() is None, f"acetray serve exited: {Path(log.name).read_text()}"
            try:
                if len(served.get_json("/api/channels")["channels"]) == len(CHANNELS):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the playlist never showed up: {Path(log.name).read_text()}"
            time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--mute-audio",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):
        options.add_argument(argument)
    # The driver's path is given, so Selenium Manager is skipped (nothing is downloaded).
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        # Headless chromium will not make a window narrower than 500 px: the phone's screen is
        # emulated instead (viewport, mobile layout), which is what the page sees on a phone.
        phone_screen(driver, *PHONE)
        yield driver
    finally:
        driver.quit()


def phone_screen(driver: webdriver.Chrome, width: int, height: int, *, mobile: bool = True) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


@contextlib.contextmanager
def tv_screen(driver: webdriver.Chrome) -> Iterator[None]:
    """A 1920x1080 TV browser for the test's length (then the phone again)."""
    phone_screen(driver, *TV, mobile=False)
    try:
        wait(driver).until(lambda d: d.execute_script("return window.innerWidth") == TV[0])
        yield
    finally:
        phone_screen(driver, *PHONE)


# ---- what the person sees -------------------------------------------------------------------


def wait(driver: webdriver.Chrome, timeout: float = 20.0) -> WebDriverWait:
    return WebDriverWait(driver, timeout, poll_frequency=0.2)


def open_page(driver: webdriver.Chrome, proxy: Proxy) -> None:
    driver.get(proxy.page())
    wait(driver).until(lambda d: shown_names(d) == NAMES, message=f"the list never showed {NAMES}")


def shown_names(driver: webdriver.Chrome) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#channels .channel .name')].map((e) => e.textContent)"
    )


def channel_button(driver: webdriver.Chrome, name: str):
    (button,) = [
        b
        for b in driver.find_elements(By.CSS_SELECTOR, "#channels .channel")
        if b.find_element(By.CSS_SELECTOR, ".name").text == name
    ]
    return button


def star(driver: webdriver.Chrome, name: str):
    return driver.find_element(By.CSS_SELECTOR, f'#channels .star[aria-label="Favourite: {name}"]')


def starred(driver: webdriver.Chrome, name: str, on: bool) -> None:
    """The star fills (or empties: an outlined one is not a favourite); if not, the page's own message says why."""
    shown = ("true", "★") if on else ("false", "☆")
    try:
        wait(driver).until(lambda d: (star(d, name).get_attribute("aria-pressed"), star(d, name).text) == shown)
    except TimeoutException:
        said = driver.find_element(By.ID, "message").text
        raise AssertionError(f"the star of {name} did not turn {'on' if on else 'off'}: {said!r}") from None


def focused(driver: webdriver.Chrome) -> str:
    """What has the focus: a channel's name, "group: <its text>" for a group button, else the element's id."""
    return driver.execute_script(
        "const a = document.activeElement;"
        "if (a.classList.contains('channel')) return a.querySelector('.name').textContent;"
        "if (a.classList.contains('group-filter')) return 'group: ' + a.textContent;"
        "return a.id || a.tagName.toLowerCase();"
    )


def press(driver: webdriver.Chrome, key: str) -> None:
    """A key as the keyboard (or a remote that sends keyboard keys) sends it to the focused element."""
    ActionChains(driver).send_keys(key).perform()


VIDEO_STATE = """
const v = document.getElementById('video');
return {time: v.currentTime, paused: v.paused, ready: v.readyState, width: v.videoWidth,
        error: v.error && v.error.code, message: document.getElementById('player-message').textContent};
"""


def wait_until_playing(driver: webdriver.Chrome, name: str, seconds: float = 2.0) -> float:
    """The picture is there and the video's clock moves `seconds` on; returns how long that took."""
    started = time.monotonic()
    assert driver.find_element(By.ID, "player").is_displayed()
    assert driver.find_element(By.ID, "now-name").text == name
    last: dict = {}

    def moving_from(d):
        last.update(d.execute_script(VIDEO_STATE))
        return last["time"] if last["time"] > 0 and not last["paused"] and last["width"] > 0 else False

    def moved_to(target):
        def check(d):
            last.update(d.execute_script(VIDEO_STATE))
            return last["time"] >= target

        return check

    try:
        first = wait(driver, PLAY_TIMEOUT).until(moving_from)
        wait(driver, PLAY_TIMEOUT).until(moved_to(first + seconds))
    except TimeoutException:
        raise AssertionError(f"{name} did not play within {PLAY_TIMEOUT:.0f} s: the video was {last}") from None
    # Once it plays, the "Starting the channel…" line is gone.
    wait(driver).until(lambda d: d.find_element(By.ID, "player-message").text == "")
    return time.monotonic() - started


def no_sideways_scroll(driver: webdriver.Chrome) -> None:
    width, scroll_width = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width} px screen"


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


# ---- the tests ------------------------------------------------------------------------------


def test_with_the_token_the_page_lists_the_channels_and_search_narrows_them(browser, proxy) -> None:
    open_page(browser, proxy)
    assert browser.title == "AceTray"
    assert browser.find_element(By.ID, "message").text == ""
    no_sideways_scroll(browser)

    search = browser.find_element(By.ID, "search")
    search.send_keys("sport")  # names and groups both count
    sporty = [n for n, g, _ in CHANNELS if "sport" in f"{n} {g}".lower()]
    assert 1 < len(sporty) < len(CHANNELS)
    wait(browser).until(lambda d: shown_names(d) == sporty)
    search.send_keys(" two")
    wait(browser).until(lambda d: shown_names(d) == ["Sport Two"])
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys("no such channel")  # typed over the selection
    wait(browser).until(lambda d: shown_names(d) == [])
    assert browser.find_element(By.ID, "message").text == "No channel matches."
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACK_SPACE)
    wait(browser).until(lambda d: shown_names(d) == NAMES)


def test_tapping_a_channel_plays_it_in_the_page(browser, proxy, tmp_path: Path) -> None:
    open_page(browser, proxy)
    channel_button(browser, "Sport One").click()
    took = wait_until_playing(browser, "Sport One")
    print(f"Sport One played 2 s of picture {took:.1f} s after the tap")
    # AceTray saw it as an HLS player, through the token the page passed on.
    kinds = [c["kind"] for s in proxy.get_json("/api/streams")["streams"] for c in s["clients"]]
    assert "HLS" in kinds
    no_sideways_scroll(browser)

    # The phone screenshot, with the picture playing.
    browser.execute_script("window.scrollTo(0, 0)")
    shot = Path(os.environ.get("ACETRAY_PAGE_SCREENSHOT") or tmp_path / "page-phone.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot))
    assert png_size(shot) == PHONE

    # On the narrowest common phone nothing sticks out either (the long name is cut with "…").
    phone_screen(browser, 360, 740)
    try:
        wait(browser).until(lambda d: d.execute_script("return window.innerWidth") == 360)
        no_sideways_scroll(browser)
        long_name = browser.find_element(By.CSS_SELECTOR, "#channels li:last-child .name")
        assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", long_name)
        for control in ("close-player", "open-vlc"):
            box = browser.find_element(By.ID, control).rect
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{control} is off screen: {box}"
    finally:
        phone_screen(browser, *PHONE)

    browser.find_element(By.ID, "close-player").click()
    wait(browser).until(lambda d: not d.find_element(By.ID, "player").is_displayed())


def test_the_star_marks_a_favourite_that_the_api_and_a_reload_keep(browser, proxy) -> None:
    content_id = {n: i for n, _g, i in CHANNELS}["World News"]

    def api_favourite() -> bool:
        (channel,) = [c for c in proxy.get_json("/api/channels")["channels"] if c["id"] == content_id]
        return channel["favourite"]

    open_page(browser, proxy)
    assert star(browser, "World News").get_attribute("aria-pressed") == "false"
    assert not api_favourite()

    star(browser, "World News").click()
    starred(browser, "World News", True)
    assert api_favourite()
    browser.find_element(By.ID, "only-favourites").click()
    wait(browser).until(lambda d: shown_names(d) == ["World News"])

    open_page(browser, proxy)  # a reload keeps it
    assert star(browser, "World News").get_attribute("aria-pressed") == "true"
    assert [s.get_attribute("aria-pressed") for s in browser.find_elements(By.CSS_SELECTOR, "#channels .star")] == [
        str(n == "World News").lower() for n in NAMES
    ]

    star(browser, "World News").click()
    starred(browser, "World News", False)
    assert not api_favourite()


def test_a_tv_remote_moves_down_the_list_with_the_arrows_and_plays_with_enter(browser, proxy) -> None:
    open_page(browser, proxy)
    browser.find_element(By.ID, "search").click()
    assert focused(browser) == "search"

    def press(key: str) -> None:
        ActionChains(browser).send_keys(key).perform()

    press(Keys.ARROW_DOWN)
    wait(browser).until(lambda d: focused(d) == NAMES[0])
    press(Keys.ARROW_DOWN)
    wait(browser).until(lambda d: focused(d) == NAMES[1])
    press(Keys.ARROW_UP)
    wait(browser).until(lambda d: focused(d) == NAMES[0])
    press(Keys.ARROW_DOWN)
    wait(browser).until(lambda d: focused(d) == NAMES[1])
    press(Keys.ENTER)
    took = wait_until_playing(browser, NAMES[1])
    print(f"{NAMES[1]} played 2 s of picture {took:.1f} s after Enter")
    assert focused(browser) == "video"

    # Down from the video: back to the channel playing, visible (not under the sticky video).
    press(Keys.ARROW_DOWN)
    wait(browser).until(lambda d: focused(d) == NAMES[1])
    top, player_bottom = browser.execute_script(
        "return [document.activeElement.getBoundingClientRect().top,"
        " document.getElementById('player').getBoundingClientRect().bottom]"
    )
    assert top >= player_bottom - 1
    press(Keys.ARROW_UP)
    press(Keys.ARROW_UP)  # above the first channel: the group buttons, then the search box
    wait(browser).until(lambda d: focused(d) == "group: All")
    press(Keys.ARROW_UP)
    wait(browser).until(lambda d: focused(d) == "search")
    browser.find_element(By.ID, "close-player").click()


LOGOS = """
return [...document.querySelectorAll('#channels .channel')].map((b) => {
  const img = b.querySelector('img');
  return img ? {src: img.getAttribute('src'), width: img.naturalWidth, done: img.complete} : null;
});
"""


def test_the_page_shows_the_logos_through_acetray(browser, proxy) -> None:
    open_page(browser, proxy)
    wait(browser).until(lambda d: all(logo is None or logo["done"] for logo in d.execute_script(LOGOS)))
    logos = browser.execute_script(LOGOS)
    channels = {c["name"]: c for c in proxy.get_json("/api/channels")["channels"]}
    # The first two have logos (the web one and the playlist's file), shown; the rest show none.
    assert [logo is not None for logo in logos] == [True, True, False, False, False]
    for name, logo in zip(NAMES, logos[:2], strict=False):
        assert logo["src"] == f"{channels[name]['logo_url']}?token={TOKEN}"  # AceTray's, never the playlist's
        assert logo["width"] == 64, f"the logo of {name} did not load: {logo}"
    assert browser.find_elements(By.CSS_SELECTOR, "#channels .nologo")  # the others keep their place holder


def test_without_the_token_a_player_gets_one_line_and_a_browser_a_page_that_says_where_the_link_is(
    browser, proxy, tmp_path: Path
) -> None:
    for url in (proxy.page(token=None), proxy.page(token="wrong-token-0123456789")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 401
        assert refused.value.read().decode("utf-8").strip() == REFUSAL

    # A browser opening the link gets a page that has a title and says where the right link is.
    browser.get(proxy.page(token=None))
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").text.strip() != "")
    assert browser.title == "AceTray: this link needs its access token"
    said = browser.find_element(By.TAG_NAME, "body").text
    assert "links that carry its access token: they end in ?token=…" in said
    assert "On the computer running AceTray, choose Share with devices…" in said
    assert browser.find_elements(By.ID, "channels") == []
    with tv_screen(browser):
        shot = tmp_path / "page-tv-refused.png"
        assert browser.save_screenshot(str(shot))
        assert png_size(shot) == TV


# ---- a TV across the room: 1920x1080, a remote's keys only -----------------------------------


def test_on_a_tv_focus_starts_on_the_first_channel_and_down_moves_from_there(browser, proxy, tmp_path: Path) -> None:
    with tv_screen(browser):
        open_page(browser, proxy)  # no click anywhere: a remote has no pointer
        wait(browser).until(lambda d: focused(d) == NAMES[0], message="nothing has the focus")
        press(browser, Keys.ARROW_DOWN)
        wait(browser).until(lambda d: focused(d) == NAMES[1])
        assert browser.execute_script("return window.scrollY") == 0  # Down moved the focus, not the page
        shot = tmp_path / "page-tv-list.png"
        assert browser.save_screenshot(str(shot))
        assert png_size(shot) == TV


def dispatch_key(driver: webdriver.Chrome, key: str, code: int) -> None:
    """A key a TV's remote sends that no keyboard has (webOS 461, Tizen 10009, "GoBack")."""
    driver.execute_script(
        "const e = new KeyboardEvent('keydown', {key: arguments[0], bubbles: true, cancelable: true});"
        "Object.defineProperty(e, 'keyCode', {get: () => arguments[1]});"
        "document.activeElement.dispatchEvent(e);",
        key,
        code,
    )


BACK_KEYS = [("GoBack", 0), ("BrowserBack", 166), ("Unidentified", 461), ("Unidentified", 10009), ("Esc", 27)]


@pytest.mark.parametrize(("key", "code"), BACK_KEYS, ids=["GoBack", "BrowserBack", "webOS-461", "Tizen-10009", "27"])
def test_a_remotes_back_key_closes_the_player_and_focus_returns_to_the_channel(browser, proxy, key, code) -> None:
    with tv_screen(browser):
        open_page(browser, proxy)
        wait(browser).until(lambda d: focused(d) == NAMES[0])
        press(browser, Keys.ARROW_DOWN)
        press(browser, Keys.ARROW_DOWN)
        wait(browser).until(lambda d: focused(d) == NAMES[2])
        press(browser, Keys.ENTER)
        wait(browser).until(lambda d: d.find_element(By.ID, "player").is_displayed())
        assert browser.find_element(By.ID, "now-name").text == NAMES[2]
        dispatch_key(browser, key, code)
        wait(browser).until(lambda d: not d.find_element(By.ID, "player").is_displayed())
        assert focused(browser) == NAMES[2]
        assert browser.execute_script("return document.getElementById('video').getAttribute('src')") is None
        assert browser.current_url == proxy.page()  # Back closed the player; the page stayed


def test_escape_closes_a_playing_channel_and_the_arrows_go_on_from_it(browser, proxy, tmp_path: Path) -> None:
    with tv_screen(browser):
        open_page(browser, proxy)
        wait(browser).until(lambda d: focused(d) == NAMES[0])
        press(browser, Keys.ENTER)
        wait_until_playing(browser, NAMES[0])
        shot = tmp_path / "page-tv-playing.png"
        browser.execute_script("window.scrollTo(0, 0)")
        assert browser.save_screenshot(str(shot))
        press(browser, Keys.ESCAPE)
        wait(browser).until(lambda d: not d.find_element(By.ID, "player").is_displayed())
        assert focused(browser) == NAMES[0]
        press(browser, Keys.ARROW_DOWN)
        wait(browser).until(lambda d: focused(d) == NAMES[1])


def test_the_groups_are_a_filter_the_remotes_arrows_reach(browser, proxy, tmp_path: Path) -> None:
    with tv_screen(browser):
        open_page(browser, proxy)
        wait(browser).until(lambda d: focused(d) == NAMES[0])
        groups = browser.execute_script(
            "return [...document.querySelectorAll('#groups .group-filter')].map((b) => b.textContent)"
        )
        assert groups == ["All", "Sport", "News", "Movies", "Sport and more sport, all day"]
        press(browser, Keys.ARROW_UP)  # above the first channel: the group buttons
        wait(browser).until(lambda d: focused(d) == "group: All")
        press(browser, Keys.ARROW_RIGHT)
        wait(browser).until(lambda d: focused(d) == "group: Sport")
        press(browser, Keys.ENTER)
        wait(browser).until(lambda d: shown_names(d) == ["Sport One", "Sport Two"])
        shot = tmp_path / "page-tv-group.png"
        assert browser.save_screenshot(str(shot))
        press(browser, Keys.ARROW_DOWN)
        wait(browser).until(lambda d: focused(d) == "Sport One")
        press(browser, Keys.ARROW_UP)  # back up to the group that is chosen
        wait(browser).until(lambda d: focused(d) == "group: Sport")
        press(browser, Keys.ARROW_RIGHT)
        press(browser, Keys.ARROW_RIGHT)
        wait(browser).until(lambda d: focused(d) == "group: Movies")
        press(browser, Keys.ENTER)
        wait(browser).until(lambda d: shown_names(d) == ["Movie Channel"])
        press(browser, Keys.ARROW_LEFT)
        press(browser, Keys.ARROW_LEFT)
        press(browser, Keys.ARROW_LEFT)
        wait(browser).until(lambda d: focused(d) == "group: All")
        press(browser, Keys.ENTER)
        wait(browser).until(lambda d: shown_names(d) == NAMES)
        press(browser, Keys.ARROW_UP)
        wait(browser).until(lambda d: focused(d) == "search")


PLACEHOLDERS = """
return [...document.querySelectorAll('#channels .channel')].map((b) => {
  const p = b.querySelector('.nologo');
  return p ? {text: p.textContent, background: getComputedStyle(p).backgroundColor} : null;
});
"""


def desktop_placeholder(name: str) -> tuple[str, tuple[int, int, int]]:
    """What the desktop's LogoProvider.placeholder draws: the first letter or digit, on
    QColor.fromHsl(crc32(name) % 360, 70, 210)."""
    letter = next((ch for ch in name if ch.isalnum()), "?").upper()
    hue = zlib.crc32(name.encode("utf-8")) % 360
    rgb = colorsys.hls_to_rgb(hue / 360, 210 / 255, 70 / 255)
    return letter, tuple(round(c * 255) for c in rgb)


def test_a_channel_without_a_logo_shows_its_initial_as_the_desktop_does(browser, proxy) -> None:
    open_page(browser, proxy)
    shown = browser.execute_script(PLACEHOLDERS)
    assert [p is not None for p in shown] == [False, False, True, True, True]  # the first two have logos
    for name, placeholder in zip(NAMES[2:], shown[2:], strict=True):
        letter, rgb = desktop_placeholder(name)
        assert placeholder["text"] == letter
        got = tuple(int(v) for v in re.findall(r"\d+", placeholder["background"])[:3])
        assert all(abs(a - b) <= 1 for a, b in zip(got, rgb, strict=True)), (name, got, rgb)
