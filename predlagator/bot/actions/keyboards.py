"""Buttons of post actions: the card's rows, the delete and pin questions, an action's controls."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from predlagator.bot.texts import N_, t
from predlagator.models import PostAction

K = PostAction


class PostActionButton(CallbackData, prefix="pa"):
    """A press about a campaign's posts.

    `do` is a PostAction's value (edit, delete, pin, unpin: start it, asking first where it
    asks), or an answer: delete_yes, pin_yes, no (keep the posts as they are), loud (the pin
    question with the other notification setting), or a control of the open action `action`:
    pause, resume, cancel (which asks first: cancel_yes cancels, keep lets it go on); or reach
    (Refresh reach: read the posts' views again now).
    """

    do: str
    campaign: int
    action: int = 0
    loud: bool = False


START = (K.EDIT.value, K.DELETE.value, K.PIN.value, K.UNPIN.value)
CONTROLS = ("pause", "resume", "cancel")
CANCEL_ANSWERS = ("cancel_yes", "keep")
REACH = "reach"

LABEL = {
    K.EDIT: N_("✏️ Edit"),
    K.DELETE: N_("🗑 Delete"),
    K.PIN: N_("📌 Pin"),
    K.UNPIN: N_("📍 Unpin"),
}
# An open action's controls, by what it does: an operator reads which action a button stops.
CONTROL_LABEL = {
    ("pause", K.EDIT): N_("⏸ Pause editing"),
    ("pause", K.DELETE): N_("⏸ Pause deleting"),
    ("pause", K.PIN): N_("⏸ Pause pinning"),
    ("pause", K.UNPIN): N_("⏸ Pause unpinning"),
    ("resume", K.EDIT): N_("▶️ Resume editing"),
    ("resume", K.DELETE): N_("▶️ Resume deleting"),
    ("resume", K.PIN): N_("▶️ Resume pinning"),
    ("resume", K.UNPIN): N_("▶️ Resume unpinning"),
    ("cancel", K.EDIT): N_("✖️ Cancel editing"),
    ("cancel", K.DELETE): N_("✖️ Cancel deleting"),
    ("cancel", K.PIN): N_("✖️ Cancel pinning"),
    ("cancel", K.UNPIN): N_("✖️ Cancel unpinning"),
}


def _button(
    text: str, do: str, campaign: int, *, action: int = 0, loud: bool = False
) -> InlineKeyboardButton:
    data = PostActionButton(do=do, campaign=campaign, action=action, loud=loud)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def start_row(campaign_id: int, lang: str, *, pinned: bool) -> list[InlineKeyboardButton]:
    """Edit, Delete, and Pin (Unpin once the posts are pinned)."""
    pin = K.UNPIN if pinned else K.PIN
    return [
        _button(t(lang, LABEL[kind]), kind.value, campaign_id) for kind in (K.EDIT, K.DELETE, pin)
    ]


def control_row(
    campaign_id: int, action_id: int, kind: PostAction, *, paused: bool, lang: str
) -> list[InlineKeyboardButton]:
    """Pause (Resume while paused) and Cancel of one open action."""
    first = "resume" if paused else "pause"
    return [
        _button(t(lang, CONTROL_LABEL[do, kind]), do, campaign_id, action=action_id)
        for do in (first, "cancel")
    ]


def reach_row(campaign_id: int, lang: str) -> list[InlineKeyboardButton]:
    """The card's Refresh reach button."""
    return [_button(t(lang, "📊 Refresh reach"), REACH, campaign_id)]


def confirm_delete(campaign_id: int, lang: str) -> InlineKeyboardMarkup:
    """Yes and No under "Delete N posts from their channels?"."""
    yes = _button(t(lang, "🗑 Yes, delete them"), "delete_yes", campaign_id)
    no = _button(t(lang, "No, keep them"), "no", campaign_id)
    return InlineKeyboardMarkup(inline_keyboard=[[yes, no]])


def confirm_cancel(campaign_id: int, action_id: int, lang: str) -> InlineKeyboardMarkup:
    """Yes and No under "Cancel the edit of campaign X's posts?"."""
    yes = _button(t(lang, "✖️ Yes, cancel it"), "cancel_yes", campaign_id, action=action_id)
    no = _button(t(lang, "No, let it go on"), "keep", campaign_id, action=action_id)
    return InlineKeyboardMarkup(inline_keyboard=[[yes, no]])


def confirm_pin(campaign_id: int, lang: str, *, loud: bool) -> InlineKeyboardMarkup:
    """Pin, the notification toggle (showing the setting it switches to), and No."""
    pin = _button(t(lang, "📌 Pin them"), "pin_yes", campaign_id, loud=loud)
    toggle_text = t(lang, "🔕 Pin silently") if loud else t(lang, "🔔 Notify members")
    toggle = _button(toggle_text, "loud", campaign_id, loud=not loud)
    no = _button(t(lang, "No, leave them"), "no", campaign_id)
    return InlineKeyboardMarkup(inline_keyboard=[[pin, toggle], [no]])
