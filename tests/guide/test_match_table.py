"""The name matcher against a table of real-world-shaped pairs: what must match, what must not.

The guide below is shaped like the guides playlists point at (Spanish, British,
Russian, Polish, German, Italian channels, a timeshift, families of numbered
channels). Each row is a name as playlists write it and the guide channel it must
find — or None when the guide has no such channel and a near miss must not be
taken. SIMILARITY_THRESHOLD is justified by this table: the `threshold_*` tests
show that moving it either way breaks a row.
"""

from __future__ import annotations

import pytest

from desktop.streaming.channels.model import Channel
from desktop.streaming.channels.names import normalize_name
from desktop.streaming.guide import match as match_module
from desktop.streaming.guide.match import GuideChannel, GuideRef, NameIndex, match_channels

GUIDE_NAMES = {
    "La1.es": "La 1",
    "La2.es": "La 2",
    "Teledeporte.es": "Teledeporte",
    "Antena3.es": "Antena 3",
    "Cuatro.es": "Cuatro",
    "MLigaCampeones.es": "M+ Liga de Campeones",
    "MLigaCampeones2.es": "M+ Liga de Campeones 2",
    "DAZN1.es": "DAZN 1",
    "DAZN2.es": "DAZN 2",
    "Eurosport1.es": "Eurosport 1",
    "Eurosport2.es": "Eurosport 2",
    "CanalSurAndalucia.es": "Canal Sur Andalucía",
    "Sport1.de": "Sport 1",
    "BBCOne.uk": "BBC One",
    "BBCOnePlus1.uk": "BBC One +1",
    "BBCTwo.uk": "BBC Two",
    "SkySportsMainEvent.uk": "Sky Sports Main Event",
    "SkySportsF1.uk": "Sky Sports F1",
    "SkyCinema.uk": "Sky Cinema Premiere",
    "Cinemax.us": "Cinemax",
    "FoxSports.us": "Fox Sports",
    "DiscoveryChannel.us": "Discovery Channel",
    "NationalGeographic.us": "National Geographic",
    "PerviyKanal.ru": "Первый канал",
    "Rossiya1.ru": "Россия 1",
    "Rossiya24.ru": "Россия 24",
    "NTV.ru": "НТВ",
    "MatchTV.ru": "Матч ТВ",
    "TVP1.pl": "TVP 1",
    "TVPSport.pl": "TVP Sport",
    "Polsat.pl": "Polsat",
    "PolsatSport.pl": "Polsat Sport",
    "CTSport.cz": "ČT sport",
    "Rai1.it": "Rai 1",
    "SkySportUno.it": "Sky Sport Uno",
    "Nova.bg": "Nova",
}

# (how a playlist names the channel, the guide id it must match, or None: no match)
TABLE: list[tuple[str, str | None]] = [
    ("La 1 HD", "La1.es"),
    ("ES: La 2", "La2.es"),
    ("TELEDEPORTE (backup)", "Teledeporte.es"),
    ("Tele Deporte", "Teledeporte.es"),
    ("Antena 3 FHD", "Antena3.es"),
    ("ES| Cuatro HD", "Cuatro.es"),
    ("M+ Liga de Campeones HD", "MLigaCampeones.es"),
    ("M+ Liga De Campeones 2 1080p", "MLigaCampeones2.es"),
    ("M+ Liga de Campeones 3", None),  # a third one the guide does not have
    ("DAZN 1 HD", "DAZN1.es"),
    ("DAZN 3", None),
    ("Euro Sport 1", "Eurosport1.es"),
    ("Eurosport 2 HD (backup)", "Eurosport2.es"),
    ("Canal Sur Andalucia", "CanalSurAndalucia.es"),
    ("Sport 1", "Sport1.de"),
    ("Sport 2", None),  # must stay off "Sport 1"
    ("BBC One HD", "BBCOne.uk"),
    ("UK | BBC One +1", "BBCOnePlus1.uk"),
    ("BBC Two +1", None),  # a timeshift of BBC Two is not BBC Two
    ("Sky Sports Main Event UHD", "SkySportsMainEvent.uk"),
    ("Sky Sport Main Event", "SkySportsMainEvent.uk"),
    ("Sky Sports F1 4K", "SkySportsF1.uk"),
    ("Sky Comedy", None),
    ("Cinema", None),  # not Cinemax
    ("Fox Sport", "FoxSports.us"),
    ("Discovery Science", None),  # not Discovery Channel
    ("National Geographic Wild", None),
    ("Первый канал HD", "PerviyKanal.ru"),
    ("ПЕРВЫЙ КАНАЛ (резерв)", "PerviyKanal.ru"),
    ("Россия 1 HD", "Rossiya1.ru"),
    ("Россия 2", None),
    ("НТВ HD", "NTV.ru"),
    ("НТВ Мир", None),
    ("Матч! ТВ", "MatchTV.ru"),
    ("[PL] TVP 1 HD", "TVP1.pl"),
    ("TVP 2", None),
    ("Polsat Sport HD", "PolsatSport.pl"),
    ("Polsat Film", None),
    ("CT Sport", "CTSport.cz"),
    ("Rai 1 HD", "Rai1.it"),
    ("Rai 2", None),
    ("Sky Sport Uno", "SkySportUno.it"),
    ("Nova Sport", None),  # not Nova
]


def guide() -> NameIndex:
    return NameIndex(GuideChannel("g.xml", gid, (name,)) for gid, name in GUIDE_NAMES.items())


def channel(name: str, tvg_id: str = "", n: int = 1) -> Channel:
    return Channel(name, "", "", tvg_id, "id", f"{n:040x}")


def found(name: str, index: NameIndex | None = None) -> str | None:
    match = (index or guide()).by_name(name)
    return match.ref.channel_id if match is not None and match.ref is not None else None


def test_short_names_match_only_when_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert found("Cinema") is None
    monkeypatch.setattr(match_module, "SHORT_NAME", 0)
    assert found("Cinema") == "Cinemax.us"  # what the guard is for


def test_the_table_is_big_enough_and_holds_both_outcomes() -> None:
    assert len(TABLE) >= 30
    assert sum(expected is None for _, expected in TABLE) >= 10
    assert sum(expected is not None for _, expected in TABLE) >= 20


@pytest.mark.parametrize(("name", "expected"), TABLE, ids=[name for name, _ in TABLE])
def test_a_playlist_name_finds_its_guide_channel_or_none(name: str, expected: str | None) -> None:
    assert found(name) == expected


def _table_mistakes() -> list[str]:
    index = guide()
    return [f"{name} → {found(name, index)}" for name, expected in TABLE if found(name, index) != expected]


@pytest.mark.parametrize("threshold", [85.0, 88.0])
def test_threshold_lower_pairs_up_channels_that_differ(monkeypatch: pytest.MonkeyPatch, threshold: float) -> None:
    monkeypatch.setattr(match_module, "SIMILARITY_THRESHOLD", threshold)
    assert _table_mistakes() != []


@pytest.mark.parametrize("threshold", [95.0, 98.0])
def test_threshold_higher_loses_spellings_of_one_channel(monkeypatch: pytest.MonkeyPatch, threshold: float) -> None:
    monkeypatch.setattr(match_module, "SIMILARITY_THRESHOLD", threshold)
    assert _table_mistakes() != []


def test_normalising_keeps_numbers_and_timeshifts_and_drops_quality_words() -> None:
    assert normalize_name("ES: Teledeporte HD") == normalize_name("TELEDEPORTE (backup)") == "teledeporte"
    assert normalize_name("Téléfoot FHD") == "telefoot"
    assert normalize_name("BBC One+1") == normalize_name("UK | BBC One +1") == "bbc one +1"
    assert normalize_name("Canal+ Sport 2") == "canal plus sport 2"
    assert normalize_name("Россия 24 HD") == "россия 24"


def test_tvg_id_comes_before_the_name_and_a_pick_before_both() -> None:
    index = guide()
    by_id = channel("BBC One HD", tvg_id="bbctwo.uk", n=1)  # the id says BBC Two, whatever the name
    by_name = channel("Rai 1", n=2)
    picked = channel("Sport 1", n=3)
    none = channel("Cuatro", n=4)
    picks = {picked.key: GuideRef("g.xml", "Nova.bg"), none.key: None}
    matches = match_channels([by_id, by_name, picked, none], index, picks)
    assert matches[by_id.key].ref == GuideRef("g.xml", "BBCTwo.uk") and matches[by_id.key].how == "tvg-id"
    assert matches[by_name.key].ref == GuideRef("g.xml", "Rai1.it")
    assert matches[picked.key].ref == GuideRef("g.xml", "Nova.bg") and matches[picked.key].how == "picked"
    assert matches[none.key].ref is None  # "no guide": placeholders, though the name would match


def test_a_pick_of_a_guide_channel_that_is_gone_falls_back_to_matching() -> None:
    sport = channel("Sport 1")
    matches = match_channels([sport], guide(), {sport.key: GuideRef("gone.xml", "Nowhere.tv")})
    assert matches[sport.key].ref == GuideRef("g.xml", "Sport1.de")


def test_the_first_guide_wins_a_channel_both_know() -> None:
    first = GuideChannel("first.xml", "one.first", ("Rai 1",))
    second = GuideChannel("second.xml", "one.second", ("Rai 1",))
    rai = channel("Rai 1 HD")
    assert match_channels([rai], NameIndex([first, second]))[rai.key].ref == first.ref
