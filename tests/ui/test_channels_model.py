"""The channel list's model on its own: filters, sorting, and updates that keep the person's place."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from desktop.streaming.channels import Channel, ChannelsState, ChannelsView, PlaylistState
from desktop.ui.channels_model import GROUP, NAME, STAR, ChannelsModel

SOURCE = "/lists/tv.m3u"


def view_of(names_groups: list[tuple[str, str]], favourites: frozenset = frozenset(), at: float = 1.0) -> ChannelsView:
    channels = tuple(
        Channel(name, group, "", "", "id", f"{n:040x}", SOURCE) for n, (name, group) in enumerate(names_groups)
    )
    state = ChannelsState().with_playlist(SOURCE)
    state = state.with_update(PlaylistState(SOURCE, channels=channels, updated_at=at, checked_at=at))
    return ChannelsView(dataclasses.replace(state, starred=tuple(favourites)), frozenset(), True)


LIST = [("Sport One", "Sport"), ("World News", "News"), ("", "Misc"), ("Arena", "Sport")]


def titles(model: ChannelsModel) -> list[str]:
    return [model.data(model.index(row, NAME)) for row in range(model.rowCount())]


def test_a_nameless_channel_shows_its_id_elided_and_the_star_reads_as_a_favourite(qapp):
    model = ChannelsModel()
    model.set_view(view_of(LIST, favourites=frozenset({("id", f"{1:040x}")})))
    assert titles(model) == ["Sport One", "World News", "00000000…00000002", "Arena"]
    assert [model.data(model.index(r, STAR)) for r in range(4)] == ["☆", "★", "☆", "☆"]


def test_filters_combine_and_sorting_keeps_them(qapp):
    model = ChannelsModel()
    model.set_view(view_of(LIST))
    model.set_filter(group="Sport")
    assert titles(model) == ["Sport One", "Arena"]
    model.sort(NAME, Qt.SortOrder.AscendingOrder)
    assert titles(model) == ["Arena", "Sport One"]
    model.set_filter("one", group="Sport")
    assert titles(model) == ["Sport One"]
    model.set_filter()
    model.sort(GROUP, Qt.SortOrder.AscendingOrder)
    assert titles(model) == ["00000000…00000002", "World News", "Arena", "Sport One"]


def test_a_refresh_with_the_same_channels_and_a_new_star_do_not_reset_the_list(qapp):
    model = ChannelsModel()
    model.set_view(view_of(LIST))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    changed: list[int] = []
    model.dataChanged.connect(lambda first, last, roles: changed.append(first.column()))
    model.set_view(view_of(LIST, at=2.0))  # a new copy, the same channels
    model.set_view(view_of(LIST, favourites=frozenset({("id", f"{0:040x}")}), at=2.0))
    assert resets == [] and changed == [STAR]
    model.set_view(view_of([*LIST, ("New", "News")], at=3.0))
    assert resets == [1] and model.rowCount() == 5
