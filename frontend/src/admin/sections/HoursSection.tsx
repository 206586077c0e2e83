import './hours.css';
import { useEffect, useState } from 'preact/hooks';
import type { HoursIn, HoursOut, PreviewDay } from '../../shared/api-types';
import { errorText } from '../../shared/components/errors';
import { formatWallTime } from '../../shared/hours';
import { locale, t } from '../../shared/i18n';
import { getHours, previewHours, putHours } from '../api';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import { parseRanges, rangesText } from '../lib/hours';
import { useLoad } from '../lib/useLoad';

type Range = [string, string];
interface Closure {
  start: string;
  end: string;
  label: string;
}
interface Special {
  date: string;
  ranges: string;
  label: string;
}
interface Draft {
  enabled: boolean;
  time_zone: string;
  holidays_closed: boolean;
  weekly: Range[][];
  closures: Closure[];
  special_days: Special[];
}

// Monday first, as the server's weekly list.
const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ZONES = ['Asia/Tokyo', 'Asia/Seoul', 'Asia/Shanghai', 'Asia/Taipei', 'Asia/Singapore', 'UTC', 'Europe/London', 'America/New_York', 'America/Los_Angeles'];
const PREVIEW_DELAY_MS = 400;

function toDraft(h: HoursOut): Draft {
  return {
    enabled: h.enabled,
    time_zone: h.time_zone,
    holidays_closed: h.holidays_closed,
    weekly: h.weekly.map((day) => day.map(([a, b]) => [a ?? '', b ?? ''] as Range)),
    closures: h.closures.map((c) => ({ ...c })),
    special_days: h.special_days.map((s) => ({ date: s.date, ranges: rangesText(s.ranges), label: s.label })),
  };
}

function toBody(d: Draft): HoursIn {
  return {
    enabled: d.enabled,
    time_zone: d.time_zone.trim(),
    holidays_closed: d.holidays_closed,
    weekly: d.weekly,
    closures: d.closures,
    special_days: d.special_days.map((s) => ({ date: s.date, ranges: parseRanges(s.ranges), label: s.label })),
  };
}

/** Issue 16: business hours (営業時間), holidays, closures, special days and the time zone. */
export function HoursSection() {
  const loaded = useLoad(getHours);
  return (
    <section class="admin-section" aria-labelledby="hours-heading">
      <h2 id="hours-heading" class="admin-section__title">
        {t('hours.title')}
      </h2>
      <p class="admin-muted">{t('hours.intro')}</p>
      <LoadState loaded={loaded}>{(hours) => <HoursEditor saved={hours} onSaved={loaded.set} />}</LoadState>
    </section>
  );
}

function HoursEditor({ saved, onSaved }: { saved: HoursOut; onSaved: (h: HoursOut) => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(saved));
  const [preview, setPreview] = useState<HoursOut>(saved);
  const [previewError, setPreviewError] = useState('');
  const action = useAction();
  const update = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));

  // The 14 days follow the form as it is typed (asked of the server, which saves nothing).
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      previewHours(toBody(draft))
        .then((p) => {
          if (!live) return;
          setPreview(p);
          setPreviewError('');
        })
        .catch((e: unknown) => live && setPreviewError(errorText(e)));
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [draft]);

  const save = async (e: Event) => {
    e.preventDefault();
    const result = await action.run(() => putHours(toBody(draft)), t('hours.saved'));
    if (result) {
      onSaved(result);
      setPreview(result);
      setPreviewError('');
      setDraft(toDraft(result));
    }
  };

  return (
    <form class="hours" onSubmit={(e) => void save(e)} data-testid="hours-form">
      <div class="admin-card">
        <label class="check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => update({ enabled: e.currentTarget.checked })} data-testid="hours-enabled" />
          {t('hours.enabled')}
        </label>
        <p class="admin-muted">{draft.enabled ? t('hours.enabled_hint') : t('hours.disabled_hint')}</p>
        <div class="field">
          <label for="hours-zone">{t('hours.time_zone')}</label>
          <input id="hours-zone" class="input hours__zone" list="hours-zones" maxLength={64} value={draft.time_zone}
            onInput={(e) => update({ time_zone: e.currentTarget.value })} data-testid="hours-zone" />
          <datalist id="hours-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
        <label class="check">
          <input type="checkbox" checked={draft.holidays_closed} onChange={(e) => update({ holidays_closed: e.currentTarget.checked })} data-testid="hours-holidays" />
          {t('hours.holidays_closed')}
        </label>
      </div>
      <Weekly draft={draft} update={update} />
      <Closures draft={draft} update={update} />
      <Specials draft={draft} update={update} />
      <div class="hours__actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="hours-save">
          {t('hours.save')}
        </button>
        <Feedback action={action} testid="hours" />
      </div>
      <Preview hours={preview} error={previewError} />
    </form>
  );
}

interface Part {
  draft: Draft;
  update: (change: Partial<Draft>) => void;
}

function Weekly({ draft, update }: Part) {
  const setDay = (i: number, ranges: Range[]) => update({ weekly: draft.weekly.map((d, j) => (j === i ? ranges : d)) });
  return (
    <fieldset class="admin-card hours__week">
      <legend class="admin-card__title">{t('hours.weekly')}</legend>
      <p class="admin-muted">{t('hours.weekly_hint')}</p>
      {draft.weekly.map((ranges, i) => {
        const day = t(`hours.day.${WEEKDAY_KEYS[i]}`);
        return (
          <div class="hours__day" key={WEEKDAY_KEYS[i]} data-testid={`hours-day-${i}`}>
            <span class="hours__day-name">{day}</span>
            <div class="hours__ranges">
              {ranges.length === 0 && <span class="admin-muted">{t('hours.closed_day')}</span>}
              {ranges.map(([a, b], k) => (
                <span class="hours__range" key={k}>
                  <input class="input hours__time" aria-label={t('hours.from_label', { day, n: k + 1 })} inputMode="numeric" maxLength={5} placeholder="10:00"
                    value={a} onInput={(e) => setDay(i, ranges.map((r, m) => (m === k ? [e.currentTarget.value, r[1]] : r)))} data-testid="hours-start" />
                  <span aria-hidden="true">〜</span>
                  <input class="input hours__time" aria-label={t('hours.to_label', { day, n: k + 1 })} inputMode="numeric" maxLength={5} placeholder="18:00"
                    value={b} onInput={(e) => setDay(i, ranges.map((r, m) => (m === k ? [r[0], e.currentTarget.value] : r)))} data-testid="hours-end" />
                  <button type="button" class="btn btn-ghost btn-small" aria-label={t('hours.remove_range', { day, n: k + 1 })}
                    onClick={() => setDay(i, ranges.filter((_, m) => m !== k))}>
                    {t('hours.remove')}
                  </button>
                </span>
              ))}
            </div>
            <button type="button" class="btn btn-ghost btn-small" disabled={ranges.length >= 6} onClick={() => setDay(i, [...ranges, ['', '']])}
              aria-label={t('hours.add_range_to', { day })} data-testid="hours-add-range">
              {t('hours.add_range')}
            </button>
          </div>
        );
      })}
    </fieldset>
  );
}

function Closures({ draft, update }: Part) {
  const set = (i: number, change: Partial<Closure>) => update({ closures: draft.closures.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  return (
    <fieldset class="admin-card">
      <legend class="admin-card__title">{t('hours.closures')}</legend>
      <p class="admin-muted">{t('hours.closures_hint')}</p>
      {draft.closures.map((c, i) => (
        <div class="hours__dated" key={i} data-testid="hours-closure">
          <input class="input" type="date" aria-label={t('hours.closure_start')} value={c.start} onInput={(e) => set(i, { start: e.currentTarget.value })} />
          <span aria-hidden="true">〜</span>
          <input class="input" type="date" aria-label={t('hours.closure_end')} value={c.end} onInput={(e) => set(i, { end: e.currentTarget.value })} />
          <input class="input" maxLength={40} placeholder={t('hours.closure_placeholder')} aria-label={t('hours.label')} value={c.label}
            onInput={(e) => set(i, { label: e.currentTarget.value })} />
          <button type="button" class="btn btn-ghost btn-small" onClick={() => update({ closures: draft.closures.filter((_, j) => j !== i) })}>
            {t('hours.remove')}
          </button>
        </div>
      ))}
      <button type="button" class="btn btn-ghost btn-small hours__add" onClick={() => update({ closures: [...draft.closures, { start: '', end: '', label: '' }] })} data-testid="hours-add-closure">
        {t('hours.add_closure')}
      </button>
    </fieldset>
  );
}

function Specials({ draft, update }: Part) {
  const set = (i: number, change: Partial<Special>) => update({ special_days: draft.special_days.map((s, j) => (j === i ? { ...s, ...change } : s)) });
  return (
    <fieldset class="admin-card">
      <legend class="admin-card__title">{t('hours.specials')}</legend>
      <p class="admin-muted">{t('hours.specials_hint')}</p>
      {draft.special_days.map((s, i) => (
        <div class="hours__dated" key={i} data-testid="hours-special">
          <input class="input" type="date" aria-label={t('hours.special_date')} value={s.date} onInput={(e) => set(i, { date: e.currentTarget.value })} />
          <input class="input" placeholder="10:00-15:00" aria-label={t('hours.special_ranges')} value={s.ranges} onInput={(e) => set(i, { ranges: e.currentTarget.value })} />
          <input class="input" maxLength={40} placeholder={t('hours.special_placeholder')} aria-label={t('hours.label')} value={s.label}
            onInput={(e) => set(i, { label: e.currentTarget.value })} />
          <button type="button" class="btn btn-ghost btn-small" onClick={() => update({ special_days: draft.special_days.filter((_, j) => j !== i) })}>
            {t('hours.remove')}
          </button>
        </div>
      ))}
      <button type="button" class="btn btn-ghost btn-small hours__add" onClick={() => update({ special_days: [...draft.special_days, { date: '', ranges: '', label: '' }] })} data-testid="hours-add-special">
        {t('hours.add_special')}
      </button>
    </fieldset>
  );
}

function dayLine(day: PreviewDay): string {
  const ja = locale.value === 'ja';
  const ranges = day.ranges.length ? rangesText(day.ranges).replace(/-/g, ja ? '〜' : '–') : t('hours.closed_day');
  if (!day.label) return ranges;
  return ja ? `${ranges}（${day.label}）` : `${ranges} (${day.label})`;
}

function Preview({ hours, error }: { hours: HoursOut; error: string }) {
  return (
    <div class="admin-card" data-testid="hours-preview">
      <h3 class="admin-card__title">{t('hours.preview')}</h3>
      {!hours.enabled && <p class="admin-muted">{t('hours.preview_disabled')}</p>}
      {hours.enabled && (
        <p class="admin-muted" data-testid="hours-now">
          {hours.open_now ? t('hours.open_now') : hours.opens_at ? t('hours.closed_now', { when: formatWallTime(hours.opens_at, locale.value) }) : t('hours.never')}
        </p>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="hours-preview-error">
          {error}
        </p>
      )}
      <table class="hours__preview">
        <caption class="visually-hidden">{t('hours.preview')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('hours.date')}</th>
            <th scope="col">{t('hours.open_hours')}</th>
          </tr>
        </thead>
        <tbody>
          {hours.preview.map((day) => (
            <tr key={day.date} class={day.ranges.length ? '' : 'is-closed'}>
              <th scope="row">{formatWallTime(day.date, locale.value)}</th>
              <td>{dayLine(day)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
