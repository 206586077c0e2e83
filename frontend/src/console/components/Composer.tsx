import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './Icon';
import type { CannedOut } from '../../shared/api-types';
import { Tag } from '../../shared/components/Tag';
import { locale, t } from '../../shared/i18n';
import { canned, matchCanned, stamps } from '../data';
import { enterDecision, slashQuery } from '../keys';
import { COUNTER_FROM, MAX_TEXT, textLength, type Chat } from '../model';
import { drafts, model, sendStamp, sendText, setDraft } from '../store';
import { fillVariables, todayText, type VariableValues } from '../variables';
import { CannedDialog } from './CannedDialog';

type Popover = 'none' | 'stamps' | 'canned';

const count = (n: number) => n.toLocaleString('en-US'); // 3,600: the same digits in both languages

/** S4: the guest's live draft, the text area, Send, stamps and canned responses. */
export function Composer({ chat }: { chat: Chat }) {
  const text = drafts.value[chat.id] ?? '';
  const area = useRef<HTMLTextAreaElement>(null);
  const stampButton = useRef<HTMLButtonElement>(null);
  const cannedButton = useRef<HTMLButtonElement>(null);
  const popoverBox = useRef<HTMLDivElement>(null);
  const compositionEndRef = useRef(-Infinity);
  const [popover, setPopover] = useState<Popover>('none');
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  const [managing, setManaging] = useState(false);
  const closed = chat.status !== 'active';
  const length = textLength(text);
  const tooLong = length > MAX_TEXT;

  useEffect(() => {
    setPopover('none');
    area.current?.focus();
  }, [chat.id]);

  // An opened palette or list takes the focus to its first item, so arrows and Tab work in it.
  useEffect(() => {
    if (popover !== 'none') popoverBox.current?.querySelector<HTMLElement>('button')?.focus();
  }, [popover]);

  /** Close the palette or list and give the focus back to the button that opened it. */
  const closePopover = () => {
    const opener = popover === 'stamps' ? stampButton.current : cannedButton.current;
    setPopover('none');
    opener?.focus();
  };
  const onPopoverKey = (ev: KeyboardEvent) => {
    if (ev.key !== 'Escape' || ev.isComposing) return;
    ev.preventDefault();
    ev.stopPropagation();
    closePopover();
  };

  const slash = popover === 'none' ? slashQuery(text, caret) : null;
  const suggestions = slash ? matchCanned(canned.value, slash.query).slice(0, 8) : [];
  useEffect(() => setPick(0), [slash?.query]);

  const insert = (item: CannedOut, replaceSlash: boolean) => {
    const el = area.current;
    let start = el?.selectionStart ?? text.length;
    let end = el?.selectionEnd ?? text.length;
    if (replaceSlash && slash) {
      start = slash.start;
      end = caret;
    }
    const filled = fillVariables(item.text, variableValues(chat));
    const next = text.slice(0, start) + filled + text.slice(end);
    setDraft(chat.id, next);
    setPopover('none');
    const pos = start + filled.length;
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(pos, pos);
      setCaret(pos);
    });
  };

  const submit = () => {
    if (closed || tooLong) return;
    if (sendText(chat.id)) setCaret(0);
    area.current?.focus();
  };

  const onKeyDown = (ev: KeyboardEvent) => {
    if (suggestions.length && !ev.isComposing && ev.keyCode !== 229) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        setPick((p) => (p + (ev.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (ev.key === 'Tab' || (ev.key === 'Enter' && enterDecision(ev, compositionEndRef.current) === 'send')) {
        ev.preventDefault();
        const chosen = suggestions[pick];
        if (chosen) insert(chosen, true);
        return;
      }
    }
    if (ev.key === 'Escape') setPopover('none');
    if (enterDecision(ev, compositionEndRef.current) === 'send') {
      ev.preventDefault();
      submit();
    }
  };

  return (
    <div class="composer">
      {/* Not a live region: a screen reader would read out every keystroke of the guest. */}
      <div class="keylogger" data-testid="guest-draft">
        <span class="keylogger__label">{t('console.guest_typing')}</span>
        <span class="keylogger__text">{chat.guestDraft || <span class="keylogger__idle">{t('console.guest_not_typing')}</span>}</span>
      </div>
      {suggestions.length > 0 && (
        <ul class="slash-list float-card" role="listbox" aria-label={t('console.canned')} data-testid="slash-suggestions">
          {suggestions.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === pick}>
              <button type="button" class={`slash-list__item${i === pick ? ' is-active' : ''}`} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(c, true)}>
                <code>/{c.shortcut}</code> <strong>{c.title}</strong> <span>{c.text}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer__row">
        <label class="visually-hidden" for={`input-${chat.id}`}>
          {t('console.input_label')}
        </label>
        <textarea
          id={`input-${chat.id}`}
          ref={area}
          class="input composer__input"
          rows={3}
          value={text}
          disabled={closed}
          placeholder={closed ? t('console.chat_closed') : t('console.input_placeholder')}
          data-testid="message-input"
          aria-invalid={tooLong}
          aria-describedby={length >= COUNTER_FROM ? `count-${chat.id}` : undefined}
          onInput={(e) => {
            setDraft(chat.id, e.currentTarget.value);
            setCaret(e.currentTarget.selectionStart);
          }}
          onKeyUp={(e) => setCaret(e.currentTarget.selectionStart)}
          onClick={(e) => setCaret(e.currentTarget.selectionStart)}
          onCompositionEnd={(e) => {
            compositionEndRef.current = e.timeStamp;
          }}
          onKeyDown={onKeyDown}
        />
        <button type="button" class="btn btn-primary composer__send" disabled={closed || !text.trim() || tooLong} onClick={submit} data-testid="send">
          {t('console.send')}
        </button>
      </div>
      <div class="composer__tools">
        <button ref={stampButton} type="button" class="tool-btn" aria-expanded={popover === 'stamps'} disabled={closed} data-testid="stamp-button" onClick={() => setPopover(popover === 'stamps' ? 'none' : 'stamps')}>
          <Icon name="smile" /> {t('console.stamps')}
        </button>
        <button ref={cannedButton} type="button" class="tool-btn" aria-expanded={popover === 'canned'} data-testid="canned-button" onClick={() => setPopover(popover === 'canned' ? 'none' : 'canned')}>
          <Icon name="clipboard" /> {t('console.canned')}
        </button>
        {length >= COUNTER_FROM ? (
          <span id={`count-${chat.id}`} class={`composer__count${tooLong ? ' is-over' : ''}`} role={tooLong ? 'alert' : 'status'} data-testid="char-count">
            {tooLong ? t('console.too_long', { n: count(length), max: count(MAX_TEXT) }) : t('console.char_count', { n: count(length), max: count(MAX_TEXT) })}
          </span>
        ) : (
          <span class="composer__hint">{t('console.enter_hint')}</span>
        )}
      </div>
      {popover === 'stamps' && (
        <div ref={popoverBox} class="popover float-card stamp-palette" role="dialog" aria-label={t('console.stamps')} data-testid="stamp-palette" onKeyDown={onPopoverKey}>
          {stamps.value.map((s) => (
            <button
              key={s.code}
              type="button"
              class="stamp-palette__item"
              title={s.label}
              data-stamp={s.code}
              onClick={() => {
                sendStamp(chat.id, s.code);
                setPopover('none');
                area.current?.focus(); // the palette goes away: back to writing, not to the page
              }}
            >
              <img src={s.url} alt={s.label} width={64} height={64} />
            </button>
          ))}
        </div>
      )}
      {popover === 'canned' && (
        <div ref={popoverBox} class="popover float-card canned-list" role="dialog" aria-label={t('console.canned')} data-testid="canned-list" onKeyDown={onPopoverKey}>
          {canned.value.length === 0 && <p class="panel__empty">{t('console.canned_empty')}</p>}
          <ul>
            {canned.value.map((c) => (
              <li key={c.id}>
                <button type="button" class="canned-list__item" data-testid="canned-item" onClick={() => insert(c, false)}>
                  <span class="canned-list__title">
                    {c.title} {c.shortcut && <code>/{c.shortcut}</code>}
                    {c.scope === 'store' && <Tag>{t('console.canned_store')}</Tag>}
                  </span>
                  <span class="canned-list__text">{c.text}</span>
                </button>
              </li>
            ))}
          </ul>
          <button type="button" class="link-btn" data-testid="canned-manage" onClick={() => { setManaging(true); setPopover('none'); }}>
            {t('console.canned_manage')}
          </button>
        </div>
      )}
      {managing && <CannedDialog onClose={() => setManaging(false)} />}
    </div>
  );
}

/** What `{ゲスト名}`, `{担当者名}`, `{店舗名}` and `{今日}` stand for in this chat (issue 16). */
function variableValues(chat: Chat): VariableValues {
  const { me, store } = model.value;
  return {
    guest_name: chat.nickname.trim() || t('console.guest_fallback'),
    staff_name: me?.name ?? '',
    store_name: store?.name ?? '',
    today: todayText(new Date(), locale.value),
  };
}
