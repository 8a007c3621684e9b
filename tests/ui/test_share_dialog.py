"""Share with devices: links and QR codes a phone can read, for the address other devices use."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication, QImage

from desktop.ui.links import LanAddress
from desktop.ui.qr import qr_image
from desktop.ui.share_dialog import ShareDialog, ShareTarget

zxingcpp = pytest.importorskip("zxingcpp")

TOKEN = "Tk3_x-9aQ"
HOME = LanAddress("192.168.1.20", "wlan0")
DOCKER = LanAddress("172.17.0.1", "docker0")


def decode(image: QImage) -> list[str]:
    """What a phone's camera would read: zxing-cpp on the image's grey pixels (no numpy needed)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())
    rows = b"".join(raw[y * stride : y * stride + width] for y in range(height))
    return [result.text for result in zxingcpp.read_barcodes(memoryview(rows).cast("B", (height, width)))]


@pytest.mark.parametrize(
    "text",
    [
        "http://192.168.1.20:6880/?token=Tk3_x-9aQ",
        "http://[fd00::2]:6880/playlist.m3u?token=" + "a" * 43,
    ],
)
def test_a_qr_code_decodes_back_to_its_url(text: str, qapp) -> None:
    assert decode(qr_image(text)) == [text]


def test_the_dialog_shows_both_links_with_the_token_and_codes_that_read_back(qtbot) -> None:
    dialog = ShareDialog(ShareTarget(port=6880, token=TOKEN, lan_sharing=True, addresses=(HOME, DOCKER)))
    qtbot.addWidget(dialog)
    assert dialog.page.url.text() == f"http://192.168.1.20:6880/?token={TOKEN}"
    assert dialog.playlist.url.text() == f"http://192.168.1.20:6880/playlist.m3u?token={TOKEN}"
    assert decode(dialog.page.qr.pixmap().toImage()) == [dialog.page.url.text()]
    assert decode(dialog.playlist.qr.pixmap().toImage()) == [dialog.playlist.url.text()]
    assert not dialog.off_note.isVisibleTo(dialog)

    dialog.address.setCurrentIndex(1)  # several interfaces: the user can pick another one
    assert dialog.playlist.url.text().startswith("http://172.17.0.1:6880/playlist.m3u")
    assert decode(dialog.playlist.qr.pixmap().toImage()) == [dialog.playlist.url.text()]

    dialog.page.copy.click()
    assert QGuiApplication.clipboard().text() == dialog.page.url.text()


def test_with_lan_sharing_off_the_dialog_says_so_and_offers_to_turn_it_on(qtbot) -> None:
    dialog = ShareDialog(ShareTarget(port=6880, token=None, lan_sharing=False, addresses=(HOME,)))
    qtbot.addWidget(dialog)
    assert dialog.off_note.isVisibleTo(dialog)
    assert not dialog.page.qr.isEnabled()
    with qtbot.waitSignal(dialog.lan_sharing_requested):
        dialog.turn_on.click()


def test_turning_lan_sharing_on_from_the_dialog_makes_a_token_that_every_link_carries(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    assert controller.saved_settings.access_token == ""  # nothing to protect on loopback
    dialog = controller.open_share_dialog()
    assert dialog.off_note.isVisibleTo(dialog)
    dialog.turn_on.click()
    # Saved once the core has applied it (the core's event may show the new address a moment before).
    qtbot.waitUntil(
        lambda: (
            controller.saved_settings.lan_sharing
            and controller.snapshot is not None
            and "0.0.0.0" in (controller.snapshot.listen_url or "")
        ),
        timeout=5000,
    )
    token = controller.saved_settings.access_token
    assert controller.saved_settings.lan_sharing and len(token) >= 16
    shown = controller.dialogs.find(ShareDialog)
    qtbot.waitUntil(
        lambda: controller.dialogs.find(ShareDialog) is not shown or shown.playlist.url.text().endswith(token),
        timeout=5000,
    )
    shown = controller.dialogs.find(ShareDialog)
    assert shown.playlist.url.text().endswith(f"/playlist.m3u?token={token}")
    assert not shown.off_note.isVisibleTo(shown)
    cid = "0123456789abcdef0123456789abcdef01234567"
    assert controller.links.stream_link_for(cid).endswith(f"/ace/getstream?id={cid}&token={token}")
