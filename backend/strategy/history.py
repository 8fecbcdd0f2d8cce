"""The changelog of a strategy and the difference between two of its revisions, read from ``ItemVersion``.

A revision's state is, for every item, its latest version at or before that revision; both views read the
strategy's versions in one query (their number grows with the strategy and its revisions, not with projects).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from backend.strategy.models import ItemKind, ItemVersion, Revision, Strategy

FIELD_LABELS = {
    "code": _("code"),
    "title": _("title"),
    "description": _("description"),
    "parent": _("parent goal"),
    "goal": _("goal"),
    "department": _("responsible department"),
    "unit": _("unit"),
    "baseline": _("baseline"),
    "target": _("target"),
    "target_year": _("target year"),
    "kind": _("kind"),
}
_KIND_ORDER = {ItemKind.GOAL: 0, ItemKind.MEASURE: 1, ItemKind.INDICATOR: 2}


class ChangeKind:
    ADDED = "added"
    CHANGED = "changed"
    RETIRED = "retired"
    RESTORED = "restored"


CHANGE_LABELS = {
    ChangeKind.ADDED: _("added"),
    ChangeKind.CHANGED: _("changed"),
    ChangeKind.RETIRED: _("retired"),
    ChangeKind.RESTORED: _("restored"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemChange:
    kind: str
    kind_label: str
    code: str
    title: str
    change: str
    fields: tuple[FieldChange, ...]

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS[self.change]


@dataclass(frozen=True)
class ChangelogEntry:
    revision: Revision
    changes: tuple[ItemChange, ...]


def _compare(kind: str, before: dict | None, after: dict) -> ItemChange | None:
    if before is None:
        change = ChangeKind.RETIRED if after.get("retired") else ChangeKind.ADDED
        fields = ()
    else:
        if after.get("retired") and not before.get("retired"):
            change = ChangeKind.RETIRED
        elif before.get("retired") and not after.get("retired"):
            change = ChangeKind.RESTORED
        else:
            change = ChangeKind.CHANGED
        fields = tuple(
            FieldChange(label=str(label), before=str(before.get(name, "")), after=str(after.get(name, "")))
            for name, label in FIELD_LABELS.items()
            if str(before.get(name, "")) != str(after.get(name, ""))
        )
        if change == ChangeKind.CHANGED and not fields:
            return None
    return ItemChange(
        kind=kind,
        kind_label=str(ItemKind(kind).label),
        code=after.get("code", ""),
        title=after.get("title", ""),
        change=change,
        fields=fields,
    )


def _sorted(changes: list[ItemChange]) -> tuple[ItemChange, ...]:
    return tuple(sorted(changes, key=lambda c: (_KIND_ORDER[c.kind], c.code, c.title)))


def strategy_changelog(*, strategy: Strategy) -> list[ChangelogEntry]:
    """Every revision, newest first, with what it added, changed or retired."""
    revisions = {r.number: r for r in Revision.objects.filter(strategy=strategy).select_related("created_by")}
    state: dict[tuple[str, int], dict] = {}
    changes: dict[int, list[ItemChange]] = {number: [] for number in revisions}
    for version in ItemVersion.objects.filter(strategy=strategy).order_by("revision", "id"):
        key = (version.kind, version.item_id)
        # The adoption lists everything as added; the changelog says so in one line per item.
        change = _compare(version.kind, state.get(key), version.data)
        state[key] = version.data
        if change is not None:
            changes.setdefault(version.revision, []).append(change)
    return [
        ChangelogEntry(revision=revisions[number], changes=_sorted(changes.get(number, [])))
        for number in sorted(revisions, reverse=True)
    ]


def strategy_diff(*, strategy: Strategy, before: int, after: int) -> list[ItemChange]:
    """What differs between the strategy as of revision ``before`` and as of revision ``after``."""
    older, newer = sorted((before, after))
    state_before: dict[tuple[str, int], dict] = {}
    state_after: dict[tuple[str, int], dict] = {}
    versions = ItemVersion.objects.filter(strategy=strategy, revision__lte=newer).order_by("revision", "id")
    for version in versions:
        key = (version.kind, version.item_id)
        if version.revision <= older:
            state_before[key] = version.data
        state_after[key] = version.data
    changes = []
    for key, data in state_after.items():
        if state_before.get(key) == data:
            continue
        change = _compare(key[0], state_before.get(key), data)
        if change is not None:
            changes.append(change)
    return list(_sorted(changes))
