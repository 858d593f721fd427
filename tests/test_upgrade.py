"""What outlives a process is stored by name: an upgrade keeps every name, so nothing is stranded.

Queued jobs are stored with their task name, half-finished dialogs with their FSM state name,
and buttons already in operators' chats with their callback prefix. Moving code between modules
must change none of them; these are the names as they were released.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup

from predlagator.bot.accounts import login_notices
from predlagator.bot.accounts import notices as account_notices
from predlagator.bot.accounts.login_keys import AddTelegramAccount
from predlagator.bot.accounts.states import AccountInput
from predlagator.bot.actions import keyboards as action_keyboards
from predlagator.bot.actions import notices as action_notices
from predlagator.bot.actions.states import PostActionInput
from predlagator.bot.batches.answers import BatchInput
from predlagator.bot.campaigns import notices as campaign_notices
from predlagator.bot.campaigns.wizard.states import NewCampaign
from predlagator.bot.dispatcher import get_routers
from predlagator.bot.templates.edit import RenameTemplate
from predlagator.bot.testsend import notices as testsend_notices
from predlagator.delivery import tasks

RELEASED_TASKS = {
    "campaign_finished",
    "drain",
    "launch_campaign",
    "notify",
    "reconcile",
    "refresh_progress",
    "retention",
    "send_report",
    "test_expiry",
    "test_result",
    "test_send",
    # The account pool (2026-12-02).
    "account_alert",
    "login_send_code",
    "login_resend_code",
    "login_sign_in",
    "login_check_password",
    "login_result",
    "login_expiry",
    # Actions over a campaign's posts (issue 11).
    "action_finished",
    # Recurring campaigns (issue 11).
    "start_round",
}
RELEASED_PREFIXES = {
    "au", "be", "bl", "bv", "c", "ca", "ch", "cl", "co", "cp",
    "cr", "cx", "op", "rp", "ta", "tl", "tm", "to", "tp", "wz",
    "aa", "al", "ap", "av", "tf",  # the account pool (2026-12-02)
    "rt",  # Retry failed (issue 11)
    "pa",  # actions over a campaign's posts (issue 11)
}  # fmt: skip
RELEASED_STATES = {
    "NewCampaign:name",
    "NewCampaign:batch",
    "NewCampaign:template",
    "NewCampaign:account",
    "NewCampaign:rate",
    "NewCampaign:retry",
    "NewCampaign:start",
    "NewCampaign:confirm",
    "BatchInput:add",
    "BatchInput:remove",
    "BatchInput:rename",
    "RenameTemplate:name",
    "AccountInput:pace",
    "AccountInput:cap",
    "AccountInput:sim_name",
    "AccountInput:sim_options",
    "AddTelegramAccount:name",
    "AddTelegramAccount:phone",
    "AddTelegramAccount:login",
    "PostActionInput:new_version",
    # The start step's Repeat branch: recurring campaigns (issue 11).
    "NewCampaign:repeat",
    "NewCampaign:repeat_every",
    "NewCampaign:repeat_days",
    "NewCampaign:repeat_at",
    "NewCampaign:repeat_end",
    "NewCampaign:repeat_delete",
}


def _kinds(cls: type[CallbackData]) -> list[type[CallbackData]]:
    return [kind for sub in cls.__subclasses__() for kind in [sub, *_kinds(sub)]]


def test_every_released_task_name_is_still_registered() -> None:
    registered = set()
    blueprints = (
        tasks.blueprint,
        campaign_notices.blueprint,
        testsend_notices.blueprint,
        login_notices.blueprint,
        account_notices.blueprint,
        action_notices.blueprint,
    )
    for blueprint in blueprints:
        registered |= {task.name for task in blueprint.tasks.values()}
    assert registered >= RELEASED_TASKS


def test_every_released_button_prefix_still_has_its_kind() -> None:
    get_routers()  # imports every feature, so every button kind is defined
    assert {kind.__prefix__ for kind in _kinds(CallbackData)} >= RELEASED_PREFIXES


def test_every_released_dialog_state_still_exists() -> None:
    groups: list[type[StatesGroup]] = [
        NewCampaign,
        BatchInput,
        RenameTemplate,
        AccountInput,
        AddTelegramAccount,
        PostActionInput,
    ]
    assert {name for group in groups for name in group.__all_states_names__} >= RELEASED_STATES


# What a post-action button ("pa") asks, as packed into buttons already in operators' chats.
RELEASED_POST_ACTION_PRESSES = {
    "edit", "delete", "pin", "unpin", "pause", "resume", "cancel",
    "reach",  # Refresh reach (issue 11)
    "cancel_yes", "keep",  # the answers to an action's cancel question
}  # fmt: skip


def test_every_released_post_action_press_is_still_asked() -> None:
    asked = {
        *action_keyboards.START,
        *action_keyboards.CONTROLS,
        *action_keyboards.CANCEL_ANSWERS,
        action_keyboards.REACH,
    }
    assert asked >= RELEASED_POST_ACTION_PRESSES
