import { useEffect, useState } from 'preact/hooks';
import type { StatsOut } from '../../shared/api-types';
import { Field } from '../../shared/components/forms';
import { useLatestCallback } from '../../shared/hooks';
import { t } from '../../shared/i18n';
import { session } from '../../shared/session';
import { getStats, statsCsvUrl } from '../api';
import { Feedback } from '../components/Feedback';
import { dayInZone, PRESETS, presetRange, rangeProblem, type Granularity, type Range } from '../lib/dates';
import { useAction } from '../lib/useAction';
import { BarChart } from './BarChart';
import { CsatChart } from './CsatChart';
import { StatsTable } from './StatsTable';
import './stats.css';

/** A5: form shown / executed and the chat figures per day or month, chart, table and CSV. */
export function StatsSection() {
  const zone = session.value?.store?.time_zone ?? 'UTC';
  const today = dayInZone(new Date(), zone);
  const [range, setRange] = useState<Range>(() => presetRange('last30', today));
  const [shown, setShown] = useState<{ range: Range; stats: StatsOut } | null>(null);
  const action = useAction();
  const problem = rangeProblem(range);

  const show = async (wanted: Range) => {
    if (rangeProblem(wanted)) return;
    const stats = await action.run(() => getStats(wanted));
    if (stats) setShown({ range: wanted, stats });
  };
  // The first look needs no click: once, on opening the tab, for the range shown then.
  const firstLook = useLatestCallback(() => void show(range));
  useEffect(() => firstLook(), [firstLook]);

  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    void show(range);
  };

  return (
    <section class="admin-section" aria-labelledby="stats-heading">
      <h2 id="stats-heading" class="admin-section__title">
        {t('tab.stats')}
      </h2>
      <p class="admin-muted">{t('stats.intro')}</p>
      <form class="admin-card stats-controls" onSubmit={onSubmit} aria-label={t('stats.range')} data-testid="stats-form">
        <div class="stats-controls__presets" role="group" aria-label={t('stats.presets')}>
          {PRESETS.map((p) => (
            <button key={p} type="button" class="btn btn-ghost btn-small" onClick={() => {
              const next = presetRange(p, today);
              setRange(next);
              void show(next);
            }}>
              {t(`stats.preset_${p}`)}
            </button>
          ))}
        </div>
        <div class="stats-controls__range">
          <Field id="stats-from" label={t('stats.from')}>
            <input id="stats-from" class="input" type="date" required value={range.from} max={range.to}
              onInput={(e) => setRange({ ...range, from: e.currentTarget.value })} data-testid="stats-from" />
          </Field>
          <Field id="stats-to" label={t('stats.to')}>
            <input id="stats-to" class="input" type="date" required value={range.to} min={range.from}
              onInput={(e) => setRange({ ...range, to: e.currentTarget.value })} data-testid="stats-to" />
          </Field>
          <fieldset class="stats-by">
            <legend>{t('stats.by')}</legend>
            <div class="stats-by__options">
              {(['day', 'month'] as Granularity[]).map((by) => (
                <label key={by} class="check">
                  <input type="radio" name="stats-by" value={by} checked={range.by === by} onChange={() => setRange({ ...range, by })}
                    data-testid={`stats-by-${by}`} />
                  <span>{t(`stats.by_${by}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" class="btn btn-primary" disabled={action.busy || problem !== null} data-testid="stats-show">
            {t('stats.show')}
          </button>
        </div>
        <p class={problem ? 'hint hint--error' : 'hint'} role={problem ? 'alert' : undefined} data-testid="stats-time-zone">
          {problem ? t(problem) : t('stats.time_zone', { zone })}
        </p>
      </form>
      <Feedback action={action} testid="stats" />
      {shown && <StatsResult range={shown.range} stats={shown.stats} />}
    </section>
  );
}

function StatsResult({ range, stats }: { range: Range; stats: StatsOut }) {
  return (
    <div class="admin-stack" data-testid="stats-result">
      <div class="stats-result__head">
        <h3 class="admin-card__title">{t('stats.result_title', { from: stats.from, to: stats.to, by: t(`stats.by_${stats.by}`) })}</h3>
        <a class="btn btn-ghost btn-small" href={statsCsvUrl(range)} download data-testid="stats-csv">
          {t('stats.csv')}
        </a>
      </div>

      <div class="admin-card">
        <BarChart rows={stats.rows} />
      </div>
      <CsatChart stats={stats} />
      <StatsTable stats={stats} />
    </div>
  );
}
