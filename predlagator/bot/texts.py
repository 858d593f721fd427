"""Every operator-facing string, in English and Russian, looked up by key."""

from __future__ import annotations

import html
import math

LANGUAGES = ("en", "ru")


class Html(str):
    """A parameter that is already HTML (rendered by us), so `t` does not escape it."""

    __slots__ = ()


def lang_of(language_code: str | None) -> str:
    """Pick the language for a Telegram user's `language_code`."""
    return "ru" if (language_code or "").lower().startswith("ru") else "en"


def t(lang: str, key: str, /, **params: object) -> str:
    """Return the text `key` in `lang` (English if missing) with params, HTML-escaped."""
    table = TEXTS.get(lang, TEXTS["en"])
    template = table.get(key) or TEXTS["en"][key]
    safe = {
        name: value if isinstance(value, Html | int | float) else html.escape(str(value))
        for name, value in params.items()
    }
    return template.format(**safe)


def duration(lang: str, minutes: float) -> Html:
    """Say a span of minutes in words: "<1 min", "12 min", "2 h 5 min" (as HTML)."""
    if minutes < 1:
        return Html(t(lang, "unit.under_minute"))
    hours, mins = divmod(math.ceil(minutes), 60)
    if not hours:
        return Html(t(lang, "unit.minutes", n=mins))
    return Html(t(lang, "unit.hours", h=hours, m=mins))


EN: dict[str, str] = {
    "refusal": "This is a private bot. Ask its owner to add you.",
    "start": (
        "<b>Predlagator</b> posts your message into many Telegram channels at a safe pace.\n\n"
        "1. Send a list of channels (@name or t.me links, one per line): it becomes a batch.\n"
        "2. Send the post itself: it becomes a template.\n"
        "3. /new_campaign: pick a batch and a template, then start.\n\n"
        "/batches: your channel lists\n/templates: your posts\n"
        "/campaigns: campaigns and their status\n/new_campaign: prepare a campaign\n"
        "/start_campaign ID: start a prepared campaign\n"
        "/status: worker, accounts and queues\n/audit: latest changes\n"
        "/operators: who may use the bot (owners)\n/help: this message"
    ),
    "cmd.start": "What this bot does",
    "cmd.help": "Commands and how to use them",
    "cmd.batches": "Your channel lists",
    "cmd.templates": "Your posts",
    "cmd.campaigns": "Campaigns and their status",
    "cmd.new_campaign": "Prepare a campaign",
    "cmd.start_campaign": "Start a prepared campaign",
    "cmd.status": "Worker, accounts, queues",
    "cmd.audit": "Latest changes",
    "cmd.operators": "Who may use the bot (owners)",
    "operators.owners_only": "Only owners manage operators.",
    "operators.header": "<b>Operators</b>",
    "operators.row": "• {id}: {role}",
    "operators.row_by": "• {id}: {role}, added by {by}",
    "operators.hint": (
        "\nAdd: /operators add ID [viewer], or forward me a message from the person."
    ),
    "operators.usage": "Send /operators add ID, or /operators add ID viewer.",
    "operators.is_owner": "{id} is an owner (OWNER_IDS); owners are not managed here.",
    "operators.exists": "{id} is already listed as {role}.",
    "operators.added": "{id} added as {role}.",
    "operators.bot": "That is a bot; bots can't be operators.",
    "operators.offer": "Add {name} ({id})?",
    "operators.hidden": (
        "This person hides their account in forwards. Ask them for their id and send "
        "/operators add ID."
    ),
    "operators.role_set": "Now {role}",
    "operators.already": "Already {role}",
    "operators.gone": "Not in the list any more",
    "operators.owner_fixed": "Owners can't be changed here",
    "operators.confirm": "Remove {id}? They will lose access to the bot.",
    "operators.removed": "{id} removed",
    "role.owner": "owner",
    "role.operator": "operator",
    "role.viewer": "viewer",
    "btn.make_viewer": "👁 {id}: make viewer",
    "btn.make_operator": "🛠 {id}: make operator",
    "btn.remove": "🗑 Remove {id}",
    "btn.confirm_remove": "🗑 Yes, remove",
    "btn.cancel": "Cancel",
    "btn.add_operator": "Add as operator",
    "btn.add_viewer": "Add as viewer",
    "btn.older": "⬅️ Older",
    "status.header": "<b>Status</b>",
    "status.no_worker": "⚠️ No worker running.",
    "status.worker_alive": "✅ Worker alive ({n}), last heartbeat {age} ago.",
    "status.worker_silent": "⚠️ No worker heartbeat for {age}; it may be down.",
    "status.accounts": "<b>Accounts</b>",
    "status.account_active": "• {name}: active",
    "status.account_stopped": "• {name}: stopped ({reason})",
    "status.flood": ", waiting until {at} UTC",
    "status.queues": "<b>Queue</b>",
    "status.queue": "• {name}: {n} waiting",
    "status.queues_empty": "• empty",
    "status.campaigns": "<b>Campaigns sending</b>",
    "status.campaign": "• #{id} {name}: {status}, sent {sent} of {total}",
    "status.none": "• none",
    "audit.header": "<b>Latest changes</b> (UTC)",
    "audit.empty": "No changes recorded yet.",
    "audit.row": "{when} · {who} · {action} · {what}",
    "audit.details": " ({details})",
    "audit.system": "system",
    "viewer": "You can look, but viewers can't change anything.",
    "unknown_command": "I don't know that command. /help lists what I can do.",
    "unsupported": "Send a channel list or a text post. /help explains more.",
    "batch.created": (
        "Batch #{id} «{name}» saved: {count} channels ({new} new, {known} already known)."
    ),
    "batch.duplicates": "Duplicates merged: {n}.",
    "batch.invalid_line": "• {line}: {reason}",
    "batch.invalid": "Skipped {n} invalid lines:",
    "batch.none_valid": "No valid channels in this list, so nothing was saved.",
    "batch.too_big": (
        "This list has {n} entries; a batch holds at most {max}. Split it and send the parts."
    ),
    "batch.default_name": "Batch {n}",
    "list.more": "…and {n} more",
    "reason.not_a_reference": "not a channel reference",
    "reason.username_chars": "a username has only letters, digits and _",
    "reason.username_length": "a username is 5 to 32 characters",
    "reason.username_start": "a username starts with a letter",
    "reason.username_underscores": "a username has no double or trailing _",
    "reason.invite_invalid": "not a valid invite link",
    "reason.numeric_id": "channel ids start with -100",
    "batches.empty": "No batches yet. Send a list of channels to make one.",
    "batches.header": "<b>Batches</b>",
    "batches.row": "#{id} {name}: {count} channels",
    "template.saved": "Template #{id} «{name}» saved. This is how it will look:",
    "template.too_long": (
        "This post has {n} characters; Telegram allows {max}. Shorten it and send again."
    ),
    "template.media": (
        "Posts with photos, videos or files come later; for now send the post as text."
    ),
    "templates.empty": "No templates yet. Send me the post you want to publish.",
    "templates.header": "<b>Templates</b>",
    "templates.row": "#{id} {name}",
    "campaigns.empty": "No campaigns yet. /new_campaign prepares one.",
    "campaigns.header": "<b>Campaigns</b>",
    "campaigns.row": "#{id} {name}: {status}",
    "new.no_batches": "First send a list of channels: a campaign needs a batch.",
    "new.no_templates": "First send the post: a campaign needs a template.",
    "new.pick_batch": "Pick the channels (batch):",
    "new.pick_template": "Batch «{batch}». Now pick the post (template):",
    "new.gone": "That batch or template no longer exists. Try /new_campaign again.",
    "new.created": (
        "Campaign #{id} «{name}» is ready.\n{count} channels at {rate}/min, about {eta}.\n\n"
        "Start: /start_campaign {id}"
    ),
    "start.usage": (
        "Which campaign? Send /start_campaign ID, e.g. /start_campaign 5. /campaigns lists them."
    ),
    "start.started": "Campaign #{id} is starting.",
    "no_campaign": "No campaign #{id}.",
    "already_running": "Campaign #{id} is already running.",
    "already_finished": "Campaign #{id} has already finished.",
    "is_paused": "Campaign #{id} is paused; press Resume on its card.",
    "btn.start": "▶️ Start",
    "btn.pause": "⏸ Pause",
    "btn.resume": "▶️ Resume",
    "cb.paused": "Paused",
    "cb.resumed": "Resumed",
    "cb.already_paused": "Already paused",
    "cb.already_running": "Already running",
    "cb.finished": "Campaign is finished",
    "cb.not_started": "Campaign has not started",
    "cb.viewer": "Viewers can't change campaigns",
    "cb.stale": "This button is no longer valid",
    "status.draft": "📝 Draft",
    "status.scheduled": "🕐 Starting",
    "status.running": "🚀 Running",
    "status.paused": "⏸ Paused",
    "status.waiting": "⏳ Waiting (Telegram limit)",
    "status.completed": "✅ Completed",
    "status.cancelled": "⛔ Cancelled",
    "card.counts": "Sent {sent} · failed {failed} · queued {queued} of {total}",
    "card.pace": "{rate}/min · about {eta} left",
    "card.took": "Took {took}",
    "card.reason": "Reason: {reason}",
    "card.resume_at": "Resumes at {at} UTC",
    "card.preparing": "Preparing the channel list…",
    "done.completed": (
        "Campaign #{id} completed: {sent} sent, {failed} failed (of {total}), took {took}."
    ),
    "done.cancelled": (
        "Campaign #{id} cancelled: {sent} sent, {failed} failed (of {total}), took {took}."
    ),
    "event.flood_wait": (
        "Campaign #{id}: Telegram asked to wait {wait} (until {until} UTC). It resumes by itself."
    ),
    "event.resumed": "Campaign #{id} resumed after the wait.",
    "event.account_stopped": (
        "Campaign #{id} paused: the sending account stopped ({reason}). Fix it, then press Resume."
    ),
    "event.channels_deactivated": "Campaign #{id}: {n} channels switched off and skipped:",
    "unit.under_minute": "&lt;1 min",
    "unit.minutes": "{n} min",
    "unit.hours": "{h} h {m} min",
}

RU: dict[str, str] = {
    "refusal": "Это частный бот. Попросите владельца добавить вас.",
    "start": (
        "<b>Predlagator</b> публикует ваш пост во многих каналах Telegram в безопасном темпе.\n\n"
        "1. Пришлите список каналов (@name или ссылки t.me, по одному в строке): это пакет.\n"
        "2. Пришлите сам пост: это шаблон.\n"
        "3. /new_campaign: выберите пакет и шаблон, затем запустите.\n\n"
        "/batches: ваши списки каналов\n/templates: ваши посты\n"
        "/campaigns: кампании и их состояние\n/new_campaign: подготовить кампанию\n"
        "/start_campaign ID: запустить подготовленную кампанию\n"
        "/status: воркер, аккаунты и очереди\n/audit: последние изменения\n"
        "/operators: кто может пользоваться ботом (владельцы)\n/help: это сообщение"
    ),
    "cmd.start": "Что умеет этот бот",
    "cmd.help": "Команды и как ими пользоваться",
    "cmd.batches": "Ваши списки каналов",
    "cmd.templates": "Ваши посты",
    "cmd.campaigns": "Кампании и их состояние",
    "cmd.new_campaign": "Подготовить кампанию",
    "cmd.start_campaign": "Запустить подготовленную кампанию",
    "cmd.status": "Воркер, аккаунты, очереди",
    "cmd.audit": "Последние изменения",
    "cmd.operators": "Кто может пользоваться ботом (владельцы)",
    "operators.owners_only": "Операторами управляют только владельцы.",
    "operators.header": "<b>Операторы</b>",
    "operators.row": "• {id}: {role}",
    "operators.row_by": "• {id}: {role}, добавил {by}",
    "operators.hint": (
        "\nДобавить: /operators add ID [viewer] или перешлите мне сообщение этого человека."
    ),
    "operators.usage": "Пришлите /operators add ID или /operators add ID viewer.",
    "operators.is_owner": "{id} — владелец (OWNER_IDS); владельцы здесь не меняются.",
    "operators.exists": "{id} уже в списке: {role}.",
    "operators.added": "{id} добавлен: {role}.",
    "operators.bot": "Это бот; боты не бывают операторами.",
    "operators.offer": "Добавить {name} ({id})?",
    "operators.hidden": (
        "Этот человек скрывает аккаунт в пересылках. Узнайте его id и пришлите /operators add ID."
    ),
    "operators.role_set": "Теперь {role}",
    "operators.already": "Уже {role}",
    "operators.gone": "Его больше нет в списке",
    "operators.owner_fixed": "Владельцев здесь не изменить",
    "operators.confirm": "Удалить {id}? Он потеряет доступ к боту.",
    "operators.removed": "{id} удалён",
    "role.owner": "владелец",
    "role.operator": "оператор",
    "role.viewer": "наблюдатель",
    "btn.make_viewer": "👁 {id}: сделать наблюдателем",
    "btn.make_operator": "🛠 {id}: сделать оператором",
    "btn.remove": "🗑 Удалить {id}",
    "btn.confirm_remove": "🗑 Да, удалить",
    "btn.cancel": "Отмена",
    "btn.add_operator": "Добавить оператором",
    "btn.add_viewer": "Добавить наблюдателем",
    "btn.older": "⬅️ Раньше",
    "status.header": "<b>Состояние</b>",
    "status.no_worker": "⚠️ Воркер не запущен.",
    "status.worker_alive": "✅ Воркер работает ({n}), последний сигнал {age} назад.",
    "status.worker_silent": "⚠️ От воркера нет сигнала {age}; возможно, он остановлен.",
    "status.accounts": "<b>Аккаунты</b>",
    "status.account_active": "• {name}: активен",
    "status.account_stopped": "• {name}: остановлен ({reason})",
    "status.flood": ", ждёт до {at} UTC",
    "status.queues": "<b>Очередь</b>",
    "status.queue": "• {name}: ждут {n}",
    "status.queues_empty": "• пусто",
    "status.campaigns": "<b>Идущие кампании</b>",
    "status.campaign": "• #{id} {name}: {status}, отправлено {sent} из {total}",
    "status.none": "• нет",
    "audit.header": "<b>Последние изменения</b> (UTC)",
    "audit.empty": "Изменений пока нет.",
    "audit.row": "{when} · {who} · {action} · {what}",
    "audit.details": " ({details})",
    "audit.system": "система",
    "viewer": "Вы можете смотреть, но наблюдатели ничего не меняют.",
    "unknown_command": "Такой команды нет. /help покажет, что я умею.",
    "unsupported": "Пришлите список каналов или текст поста. Подробнее: /help.",
    "batch.created": (
        "Пакет #{id} «{name}» сохранён: каналов {count} (новых {new}, уже известных {known})."
    ),
    "batch.duplicates": "Повторы объединены: {n}.",
    "batch.invalid_line": "• {line}: {reason}",
    "batch.invalid": "Пропущено неверных строк: {n}:",
    "batch.none_valid": "В списке нет ни одного верного канала, ничего не сохранено.",
    "batch.too_big": "В списке {n} строк, а в пакете не больше {max}. Разбейте список на части.",
    "batch.default_name": "Пакет {n}",
    "list.more": "…и ещё {n}",
    "reason.not_a_reference": "это не ссылка на канал",
    "reason.username_chars": "в имени только буквы, цифры и _",
    "reason.username_length": "имя длиной от 5 до 32 символов",
    "reason.username_start": "имя начинается с буквы",
    "reason.username_underscores": "в имени нет двойного или конечного _",
    "reason.invite_invalid": "неверная ссылка-приглашение",
    "reason.numeric_id": "id канала начинается с -100",
    "batches.empty": "Пакетов пока нет. Пришлите список каналов, чтобы создать пакет.",
    "batches.header": "<b>Пакеты</b>",
    "batches.row": "#{id} {name}: каналов {count}",
    "template.saved": "Шаблон #{id} «{name}» сохранён. Вот как он будет выглядеть:",
    "template.too_long": (
        "В посте {n} символов, а Telegram разрешает {max}. Сократите и пришлите снова."
    ),
    "template.media": "Посты с фото, видео и файлами появятся позже; пока пришлите пост текстом.",
    "templates.empty": "Шаблонов пока нет. Пришлите пост, который хотите опубликовать.",
    "templates.header": "<b>Шаблоны</b>",
    "templates.row": "#{id} {name}",
    "campaigns.empty": "Кампаний пока нет. /new_campaign подготовит новую.",
    "campaigns.header": "<b>Кампании</b>",
    "campaigns.row": "#{id} {name}: {status}",
    "new.no_batches": "Сначала пришлите список каналов: кампании нужен пакет.",
    "new.no_templates": "Сначала пришлите пост: кампании нужен шаблон.",
    "new.pick_batch": "Выберите каналы (пакет):",
    "new.pick_template": "Пакет «{batch}». Теперь выберите пост (шаблон):",
    "new.gone": "Этого пакета или шаблона больше нет. Начните заново: /new_campaign.",
    "new.created": (
        "Кампания #{id} «{name}» готова.\nКаналов {count}, {rate} в минуту, примерно {eta}.\n\n"
        "Запуск: /start_campaign {id}"
    ),
    "start.usage": (
        "Какую кампанию? Пришлите /start_campaign ID, например /start_campaign 5. Список: "
        "/campaigns."
    ),
    "start.started": "Кампания #{id} запускается.",
    "no_campaign": "Кампании #{id} нет.",
    "already_running": "Кампания #{id} уже идёт.",
    "already_finished": "Кампания #{id} уже завершена.",
    "is_paused": "Кампания #{id} на паузе; нажмите «Продолжить» на её карточке.",
    "btn.start": "▶️ Запустить",
    "btn.pause": "⏸ Пауза",
    "btn.resume": "▶️ Продолжить",
    "cb.paused": "Пауза",
    "cb.resumed": "Продолжаем",
    "cb.already_paused": "Уже на паузе",
    "cb.already_running": "Уже идёт",
    "cb.finished": "Кампания завершена",
    "cb.not_started": "Кампания ещё не запущена",
    "cb.viewer": "Наблюдатели не могут менять кампании",
    "cb.stale": "Эта кнопка больше не действует",
    "status.draft": "📝 Черновик",
    "status.scheduled": "🕐 Запускается",
    "status.running": "🚀 Идёт",
    "status.paused": "⏸ Пауза",
    "status.waiting": "⏳ Ожидание (лимит Telegram)",
    "status.completed": "✅ Завершена",
    "status.cancelled": "⛔ Отменена",
    "card.counts": "Отправлено {sent} · ошибок {failed} · в очереди {queued} из {total}",
    "card.pace": "{rate} в минуту · осталось примерно {eta}",
    "card.took": "Заняло {took}",
    "card.reason": "Причина: {reason}",
    "card.resume_at": "Продолжится в {at} UTC",
    "card.preparing": "Готовлю список каналов…",
    "done.completed": (
        "Кампания #{id} завершена: отправлено {sent}, ошибок {failed} (из {total}), заняло {took}."
    ),
    "done.cancelled": (
        "Кампания #{id} отменена: отправлено {sent}, ошибок {failed} (из {total}), заняло {took}."
    ),
    "event.flood_wait": (
        "Кампания #{id}: Telegram просит подождать {wait} (до {until} UTC). Продолжится сама."
    ),
    "event.resumed": "Кампания #{id} продолжается после ожидания.",
    "event.account_stopped": (
        "Кампания #{id} на паузе: аккаунт-отправитель остановлен ({reason}). Исправьте и "
        "нажмите «Продолжить»."
    ),
    "event.channels_deactivated": "Кампания #{id}: отключено каналов: {n}, они пропускаются:",
    "unit.under_minute": "&lt;1 мин",
    "unit.minutes": "{n} мин",
    "unit.hours": "{h} ч {m} мин",
}

TEXTS: dict[str, dict[str, str]] = {"en": EN, "ru": RU}
