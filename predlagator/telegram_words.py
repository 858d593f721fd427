"""The words for every Telegram error code of the taxonomy, in English and Russian.

Data only: `predlagator.telegram_errors` is the one place that reads it (`describe`,
`count_label`), for the worker and the bot alike. A code's *event* form says what happened once
("The account may not post in this channel"); its *count* form labels a number of them ("not
allowed to post", shown as "not allowed to post: 3").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """One code's words; `numbered_*` say the X of CODE_X: {wait} a span of time, {n} a number."""

    event_en: str
    event_ru: str
    count_en: str
    count_ru: str
    numbered_en: str = ""
    numbered_ru: str = ""


# Telegram lost or refused the post's file; the sender uploads it again and retries once, so
# these are seen only when that failed too.
_FILE_REFUSED = Words(
    "Telegram refused the post's file", "Telegram не принял файл поста",
    "file refused", "файл не принят",
)  # fmt: skip

WORDS: dict[str, Words] = {
    # Account flood
    "FLOOD_WAIT": Words(
        "Telegram asked the account to wait", "Telegram попросил аккаунт подождать",
        "flood waits", "flood-ожидания",
        "Telegram asked the account to wait {wait}", "Telegram попросил аккаунт подождать {wait}",
    ),
    "FLOOD_PREMIUM_WAIT": Words(
        "Telegram asked the account to wait (faster only with Premium)",
        "Telegram попросил аккаунт подождать (быстрее только с Premium)",
        "flood waits (Premium limit)", "flood-ожидания (лимит без Premium)",
        "Telegram asked the account to wait {wait} (faster only with Premium)",
        "Telegram попросил аккаунт подождать {wait} (быстрее только с Premium)",
    ),
    # Channel slow mode
    "SLOWMODE_WAIT": Words(
        "The chat is in slow mode: the post goes later", "В чате медленный режим: пост уйдёт позже",
        "slow mode", "медленный режим",
        "The chat is in slow mode: the next post can go in {wait}",
        "В чате медленный режим: следующий пост можно через {wait}",
    ),
    # Channel permanent
    "CHAT_WRITE_FORBIDDEN": Words(
        "The account may not post in this channel", "Аккаунту нельзя публиковать в этом канале",
        "not allowed to post", "нельзя публиковать",
    ),
    "CHANNEL_PRIVATE": Words(
        "The channel is private, or the account was removed from it",
        "Канал закрыт, или аккаунт из него удалён",
        "private, or the account removed", "канал закрыт, или аккаунт удалён",
    ),
    "USER_BANNED_IN_CHANNEL": Words(
        "The account is banned in this channel", "Аккаунт заблокирован в этом канале",
        "account banned there", "аккаунт заблокирован",
    ),
    "CHANNEL_INVALID": Words(
        "The account can't find this channel", "Аккаунт не может найти этот канал",
        "channel not found", "канал не найден",
    ),
    "PEER_ID_INVALID": Words(
        "The account doesn't know this chat (a wrong id, or never met)",
        "Аккаунт не знает этот чат (неверный id, или он его не встречал)",
        "unknown chat", "неизвестный чат",
    ),
    "USERNAME_NOT_OCCUPIED": Words(
        "Nobody has this username", "Такого имени ни у кого нет",
        "no such username", "нет такого имени",
    ),
    "USERNAME_INVALID": Words(
        "This username is not valid", "Это имя недопустимо",
        "invalid username", "недопустимое имя",
    ),
    "CHAT_RESTRICTED": Words(
        "Telegram restricted this chat", "Telegram ограничил этот чат",
        "restricted by Telegram", "ограничен Telegram",
    ),
    "INVITE_HASH_EXPIRED": Words(
        "The invite link has expired", "Ссылка-приглашение истекла",
        "invite link expired", "ссылка истекла",
    ),
    "INVITE_HASH_INVALID": Words(
        "The invite link is not valid", "Ссылка-приглашение недействительна",
        "invalid invite link", "недействительная ссылка",
    ),
    # Needs the operator
    "CHAT_ADMIN_REQUIRED": Words(
        "Only admins may post in this chat", "Публиковать в этом чате могут только админы",
        "admin rights needed", "нужны права админа",
    ),
    "CHAT_SEND_PLAIN_FORBIDDEN": Words(
        "The chat takes no text posts", "Чат не принимает текстовые посты",
        "no text posts allowed", "текст запрещён",
    ),
    "CHAT_SEND_MEDIA_FORBIDDEN": Words(
        "The chat takes no posts with media", "Чат не принимает посты с медиа",
        "no media allowed", "медиа запрещены",
    ),
    "CHAT_SEND_PHOTOS_FORBIDDEN": Words(
        "The chat takes no photos", "Чат не принимает фото",
        "no photos allowed", "фото запрещены",
    ),
    "CHAT_SEND_VIDEOS_FORBIDDEN": Words(
        "The chat takes no videos", "Чат не принимает видео",
        "no videos allowed", "видео запрещены",
    ),
    "CHAT_SEND_DOCS_FORBIDDEN": Words(
        "The chat takes no files", "Чат не принимает файлы",
        "no files allowed", "файлы запрещены",
    ),
    "MEDIA_CAPTION_TOO_LONG": Words(
        "The caption is too long for this account (1024 characters without Premium)",
        "Подпись слишком длинная для этого аккаунта (1024 символа без Premium)",
        "caption too long", "длинная подпись",
    ),
    "MEDIA_MISSING": Words(
        "The post's file is missing: send the post to the bot again",
        "Файла поста нет: пришлите пост боту заново",
        "file missing", "нет файла",
    ),
    "NO_ACTIVE_ACCOUNT": Words(
        "None of the campaign's accounts is active", "Ни один аккаунт кампании не активен",
        "no active account", "нет активного аккаунта",
    ),
    "ACCOUNT_PAUSED": Words(
        "The campaign's account is paused", "Аккаунт кампании приостановлен",
        "account paused", "аккаунт приостановлен",
    ),
    "ACCOUNTS_UNAVAILABLE": Words(
        "The posts left belong to accounts that are stopped or paused",
        "Оставшиеся посты закреплены за остановленными или приостановленными аккаунтами",
        "accounts unavailable", "аккаунты недоступны",
    ),
    "ALLOW_PAYMENT_REQUIRED": Words(
        "The chat charges Stars for each message", "Чат берёт звёзды за каждое сообщение",
        "paid chat", "платный чат",
        "The chat charges Stars for each message: {n} ⭐",
        "Чат берёт звёзды за каждое сообщение: {n} ⭐",
    ),
    "MESSAGE_TOO_LONG": Words(
        "The post is too long for Telegram", "Пост слишком длинный для Telegram",
        "post too long", "длинный пост",
    ),
    "ENTITY_BOUNDS_INVALID": Words(
        "The post's formatting is broken: send the post to the bot again",
        "Форматирование поста сломано: пришлите пост боту заново",
        "broken formatting", "сломанное форматирование",
    ),
    "INVITE_NOT_JOINED": Words(
        "The account has not joined this chat: join it from the account",
        "Аккаунт не вступил в этот чат: вступите в него с аккаунта",
        "not joined", "аккаунт не вступил",
    ),
    "CHAT_SEND_GIFS_FORBIDDEN": Words(
        "The chat takes no GIFs", "Чат не принимает GIF",
        "no GIFs allowed", "GIF запрещены",
    ),
    "TOPIC_CLOSED": Words(
        "The chat's topic is closed", "Тема чата закрыта",
        "topic closed", "тема закрыта",
    ),
    "CHAT_GUEST_SEND_FORBIDDEN": Words(
        "The chat takes posts from members only: join it from the account",
        "Чат принимает посты только от участников: вступите в него с аккаунта",
        "members only", "только для участников",
    ),
    # Needs the operator: answers to an action over a post already out (edit, delete, pin)
    "MESSAGE_NOT_MODIFIED": Words(
        "The post already reads so", "Пост уже такой",
        "already so", "уже такие",
    ),
    "MESSAGE_EDIT_TIME_EXPIRED": Words(
        "The post is too old to edit (Telegram allows 48 hours)",
        "Пост слишком старый для правки (Telegram даёт 48 часов)",
        "too old to edit", "слишком старые для правки",
    ),
    "MESSAGE_ID_INVALID": Words(
        "The post is no longer in the chat", "Поста больше нет в чате",
        "post gone", "поста нет",
    ),
    "MESSAGE_DELETE_FORBIDDEN": Words(
        "The account may not delete this post", "Аккаунту нельзя удалить этот пост",
        "may not delete", "нельзя удалить",
    ),
    "MESSAGE_AUTHOR_REQUIRED": Words(
        "Only the account that made the post may change it",
        "Изменить пост может только аккаунт, который его опубликовал",
        "not the post's author", "не автор поста",
    ),
    "CHAT_NOT_MODIFIED": Words(
        "The post was already pinned or unpinned", "Пост уже был закреплён или откреплён",
        "already so", "уже так",
    ),
    "PIN_RESTRICTED": Words(
        "The chat allows no pinning", "В чате нельзя закреплять",
        "pinning not allowed", "закреплять нельзя",
    ),
    # Ours: a post Telegram gave no message id for (sent before, a video still processing)
    "MESSAGE_ID_UNKNOWN": Words(
        "Telegram gave no message id for the post, so it cannot be reached",
        "Telegram не вернул номер сообщения поста, до него не добраться",
        "message id unknown", "номер сообщения неизвестен",
    ),
    # Account fatal
    "PEER_FLOOD": Words(
        "Telegram limited the account for spam (see @SpamBot)",
        "Telegram ограничил аккаунт за спам (см. @SpamBot)",
        "account limited for spam", "аккаунт ограничен за спам",
    ),
    "AUTH_KEY_UNREGISTERED": Words(
        "The account's session is logged out: log in again (predlagator login)",
        "Сессия аккаунта не действует: войдите снова (predlagator login)",
        "session logged out", "сессия не действует",
    ),
    "SESSION_REVOKED": Words(
        "The account's session was ended: log in again (predlagator login)",
        "Сессия аккаунта завершена: войдите снова (predlagator login)",
        "session ended", "сессия завершена",
    ),
    "USER_DEACTIVATED": Words(
        "The account was deleted", "Аккаунт удалён",
        "account deleted", "аккаунт удалён",
    ),
    "USER_DEACTIVATED_BAN": Words(
        "Telegram banned the account", "Telegram заблокировал аккаунт",
        "account banned by Telegram", "аккаунт заблокирован Telegram",
    ),
    "AUTH_KEY_DUPLICATED": Words(
        "The session was used from two places at once: log in again",
        "Сессию использовали из двух мест сразу: войдите снова",
        "session used twice", "сессия в двух местах",
    ),
    "USER_RESTRICTED": Words(
        "Telegram limited the account for spam: check @SpamBot",
        "Telegram ограничил аккаунт за спам: проверьте @SpamBot",
        "account limited for spam", "аккаунт ограничен за спам",
    ),
    # Ours: an operator stopped the account by hand (/accounts → Stop)
    "OPERATOR_STOPPED": Words(
        "Stopped by an operator", "Остановлен оператором",
        "stopped by an operator", "остановлен оператором",
    ),
    # Already sent
    "RANDOM_ID_DUPLICATE": Words(
        "The post had already gone out", "Пост уже был отправлен",
        "sent before", "отправлено раньше",
    ),
    # Transient: ours (the engine's names for what is not Telegram's answer), then Telegram's
    "TIMEOUT": Words(
        "Telegram did not answer in time", "Telegram не ответил вовремя",
        "no answer in time", "нет ответа вовремя",
    ),
    "NETWORK": Words(
        "The network failed on the way to Telegram", "Сбой сети на пути к Telegram",
        "network errors", "ошибки сети",
    ),
    "SERVER": Words(
        "Telegram's servers failed", "Сбой на серверах Telegram",
        "Telegram server errors", "ошибки серверов Telegram",
    ),
    "UNKNOWN": Words(
        "Something unexpected went wrong", "Произошла непредвиденная ошибка",
        "unexpected errors", "непредвиденные ошибки",
    ),
    "MSG_WAIT_FAILED": Words(
        "Telegram could not process the post in time", "Telegram не успел обработать пост",
        "not processed in time", "не обработано вовремя",
    ),
    "FILE_REFERENCE_EXPIRED": _FILE_REFUSED,
    "FILE_REFERENCE_INVALID": _FILE_REFUSED,
    "MEDIA_EMPTY": _FILE_REFUSED,
    "FILE_PARTS_INVALID": _FILE_REFUSED,
    "FILE_PART_MISSING": _FILE_REFUSED,
    # Logging an account in (predlagator login, and from the chat)
    "PHONE_NUMBER_INVALID": Words(
        "Telegram knows no account with this phone number",
        "В Telegram нет аккаунта с этим номером телефона",
        "unknown phone number", "неизвестный номер телефона",
    ),
    "PHONE_NUMBER_BANNED": Words(
        "Telegram has banned this phone number", "Telegram заблокировал этот номер телефона",
        "banned phone number", "заблокированный номер",
    ),
    "PHONE_NUMBER_FLOOD": Words(
        "Too many login codes were asked for this number; try again later",
        "Для этого номера запрошено слишком много кодов; попробуйте позже",
        "too many codes asked", "слишком много запросов кода",
    ),
    "PHONE_CODE_INVALID": Words(
        "The login code is wrong", "Код входа неверный",
        "wrong login codes", "неверные коды входа",
    ),
    "PHONE_CODE_EXPIRED": Words(
        "The login code has expired", "Срок действия кода входа истёк",
        "expired login codes", "просроченные коды входа",
    ),
    "SESSION_PASSWORD_NEEDED": Words(
        "The account has two-step verification: its password is needed",
        "У аккаунта двухэтапная проверка: нужен его пароль",
        "password needed", "нужен пароль",
    ),
    "PASSWORD_HASH_INVALID": Words(
        "The two-step verification password is wrong", "Пароль двухэтапной проверки неверный",
        "wrong passwords", "неверные пароли",
    ),
}  # fmt: skip

# An action's own words for a code, where a post's would mislead ("Only admins may post" for a
# delete), by (action, code); the actions are predlagator.models.PostAction's values.
ACTION_WORDS: dict[tuple[str, str], Words] = {
    ("edit", "CHAT_ADMIN_REQUIRED"): Words(
        "Only admins may edit posts in this chat", "Править посты в этом чате могут только админы",
        "only admins may edit", "править могут только админы",
    ),
    ("delete", "CHAT_ADMIN_REQUIRED"): Words(
        "Only admins may delete posts in this chat",
        "Удалять посты в этом чате могут только админы",
        "only admins may delete", "удалять могут только админы",
    ),
    ("pin", "CHAT_ADMIN_REQUIRED"): Words(
        "Only admins may pin posts in this chat",
        "Закреплять посты в этом чате могут только админы",
        "only admins may pin", "закреплять могут только админы",
    ),
    ("unpin", "CHAT_ADMIN_REQUIRED"): Words(
        "Only admins may unpin posts in this chat",
        "Откреплять посты в этом чате могут только админы",
        "only admins may unpin", "откреплять могут только админы",
    ),
    # Done, with a note: the post was already as the action wanted it.
    ("delete", "MESSAGE_ID_INVALID"): Words(
        "The post was already gone", "Поста уже не было",
        "already gone", "уже не было",
    ),
    ("unpin", "MESSAGE_ID_INVALID"): Words(
        "The post was already gone", "Поста уже не было",
        "already gone", "уже не было",
    ),
    ("pin", "CHAT_NOT_MODIFIED"): Words(
        "The post was already pinned", "Пост уже был закреплён",
        "already pinned", "уже закреплены",
    ),
    ("unpin", "CHAT_NOT_MODIFIED"): Words(
        "The post was not pinned", "Пост не был закреплён",
        "not pinned", "не были закреплены",
    ),
    ("reach", "MESSAGE_ID_INVALID"): Words(
        "The post is no longer in the chat: no reach to read",
        "Поста больше нет в чате: охват не прочитать",
        "post gone", "поста нет",
    ),
}  # fmt: skip

# A code without words of its own: the only place a raw code is shown, next to words.
UNKNOWN_CODE = Words(
    "Telegram refused it ({code})", "Telegram отказал ({code})",
    "refused by Telegram ({code})", "отказ Telegram ({code})",
)  # fmt: skip

# A span of time in a numbered code's words ({wait}).
SPAN = {
    "en": ("{s} s", "{m} min", "{h} h {m} min"),
    "ru": ("{s} с", "{m} мин", "{h} ч {m} мин"),
}
