import { useState } from 'preact/hooks';
import type { DeliveryOut, WebhookCreated, WebhookEvent, WebhookOut } from '../../shared/api-types';
import { locale, t } from '../../shared/i18n';
import { AdminTable, ConfirmButtons } from '../components/AdminTable';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, patchWebhook, resendDelivery } from '../webhooksApi';
import { submitted } from '../../shared/components/forms';
import './tokens.css';
import './webhooks.css';

function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

/** Outgoing webhooks (issue 17): endpoints with their events, the secret shown once, the delivery log. */
export function WebhooksSection() {
  const loaded = useLoad(listWebhooks);
  const action = useAction();
  const [fresh, setFresh] = useState<WebhookCreated | null>(null);

  return (
    <section class="admin-section" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading" class="admin-section__title">
        {t('tab.webhooks')}
      </h2>
      <p class="admin-muted">{t('webhooks.intro')}</p>
      <LoadState loaded={loaded}>
        {({ webhooks, events }) => {
          const put = (changed: WebhookOut) => loaded.set({ events, webhooks: webhooks.map((w) => (w.id === changed.id ? changed : w)) });
          const drop = (gone: WebhookOut) => loaded.set({ events, webhooks: webhooks.filter((w) => w.id !== gone.id) });
          return (
            <>
              {fresh && <FreshSecret hook={fresh} onDone={() => setFresh(null)} />}
              <WebhookForm action={action} events={events} onCreated={(created) => {
                setFresh(created);
                loaded.set({ events, webhooks: [...webhooks, created] });
              }} />
              <Feedback action={action} testid="webhooks" />
              {webhooks.length === 0 ? (
                <p class="admin-muted" data-testid="webhooks-none">{t('webhooks.none')}</p>
              ) : (
                webhooks.map((hook) => <WebhookCard key={hook.id} hook={hook} action={action} onChanged={put} onDeleted={drop} />)
              )}
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

function EventChoices({ events, chosen, onChange, name }: { events: WebhookEvent[]; chosen: WebhookEvent[]; onChange: (e: WebhookEvent[]) => void; name: string }) {
  return (
    <fieldset class="field webhook-events">
      <legend>{t('webhooks.events')}</legend>
      {events.map((event) => (
        <label key={event} class="webhook-events__option">
          <input type="checkbox" name={name} value={event} checked={chosen.includes(event)}
            onChange={(e) => onChange(e.currentTarget.checked ? [...chosen, event] : chosen.filter((x) => x !== event))}
            data-testid={`${name}-${event}`} />
          {t(`webhooks.event_${event}`)}
        </label>
      ))}
    </fieldset>
  );
}

function WebhookForm({ action, events, onCreated }: { action: Action; events: WebhookEvent[]; onCreated: (w: WebhookCreated) => void }) {
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<WebhookEvent[]>([]);
  const submit = submitted(async () => {
    const created = await action.run(() => createWebhook({ url: url.trim(), events: chosen, active: true }), t('webhooks.created'));
    if (created) {
      setUrl('');
      setChosen([]);
      onCreated(created);
    }
  });
  return (
    <form class="admin-card" onSubmit={submit} aria-labelledby="webhook-new-heading" data-testid="webhook-form">
      <h3 id="webhook-new-heading" class="admin-card__title">
        {t('webhooks.new')}
      </h3>
      <div class="field">
        <label for="webhook-url">{t('webhooks.url')}</label>
        <input id="webhook-url" class="input" type="url" maxLength={2000} autoComplete="off" required value={url}
          aria-describedby="webhook-url-hint" onInput={(e) => setUrl(e.currentTarget.value)} data-testid="webhook-url" />
        <small id="webhook-url-hint" class="hint">{t('webhooks.url_hint')}</small>
      </div>
      <EventChoices events={events} chosen={chosen} onChange={setChosen} name="webhook-event" />
      <button type="submit" class="btn btn-primary" disabled={action.busy || !url.trim() || chosen.length === 0} data-testid="webhook-create">
        {t('webhooks.create')}
      </button>
    </form>
  );
}

function FreshSecret({ hook, onDone }: { hook: WebhookCreated; onDone: () => void }) {
  return (
    <div class="notice-warn token-fresh" role="region" aria-labelledby="webhook-fresh-heading" data-testid="webhook-fresh">
      <strong id="webhook-fresh-heading" class="notice-warn__title">
        {t('webhooks.secret_title')}
      </strong>
      <p>{t('webhooks.secret_once')}</p>
      <label for="webhook-secret" class="visually-hidden">{t('webhooks.secret')}</label>
      <input id="webhook-secret" class="input token-fresh__value" readOnly value={hook.secret}
        onFocus={(e) => e.currentTarget.select()} data-testid="webhook-secret" />
      <div class="token-fresh__actions">
        <button type="button" class="btn btn-primary btn-small" onClick={onDone} data-testid="webhook-fresh-done">
          {t('tokens.stored_it')}
        </button>
      </div>
    </div>
  );
}

function stateOf(hook: WebhookOut): { key: string; on: boolean } {
  if (hook.disabled_at) return { key: 'webhooks.state_disabled', on: false };
  if (!hook.active) return { key: 'webhooks.state_off', on: false };
  if (hook.failing_since) return { key: 'webhooks.state_failing', on: false };
  return { key: 'webhooks.state_on', on: true };
}

interface CardProps {
  hook: WebhookOut;
  action: Action;
  onChanged: (w: WebhookOut) => void;
  onDeleted: (w: WebhookOut) => void;
}

function WebhookCard({ hook, action, onChanged, onDeleted }: CardProps) {
  const [asking, setAsking] = useState(false);
  const [log, setLog] = useState(false);
  const state = stateOf(hook);
  const toggle = async () => {
    const changed = await action.run(() => patchWebhook(hook.id, { active: !hook.active }), t(hook.active ? 'webhooks.switched_off' : 'webhooks.switched_on'));
    if (changed) onChanged(changed);
  };
  const remove = async () => {
    const done = await action.run(async () => {
      await deleteWebhook(hook.id);
      return true;
    }, t('webhooks.deleted'));
    setAsking(false);
    if (done) onDeleted(hook);
  };
  return (
    <article class="admin-card webhook-card" aria-label={hook.url} data-testid="webhook-row">
      <p class="webhook-card__url">
        <code>{hook.url}</code>
      </p>
      <p>
        <span class={`state ${state.on ? 'state--on' : 'state--off'}`} data-testid="webhook-state">
          {t(state.key, { when: when(hook.disabled_at ?? hook.failing_since) })}
        </span>
      </p>
      <p class="admin-muted">{hook.events.map((e) => t(`webhooks.event_${e}`)).join('・')}</p>
      <div class="token-confirm">
        <button type="button" class="btn btn-ghost btn-small" disabled={action.busy} onClick={() => void toggle()} data-testid="webhook-toggle">
          {t(hook.active ? 'webhooks.switch_off' : 'webhooks.switch_on')}
        </button>
        <button type="button" class="btn btn-ghost btn-small" aria-expanded={log} onClick={() => setLog(!log)} data-testid="webhook-log-toggle">
          {t('webhooks.log')}
        </button>
        <ConfirmButtons asking={asking} busy={action.busy} testid="webhook-delete"
          label={t('webhooks.delete')} confirm={t('webhooks.delete_confirm')} keep={t('tokens.keep')}
          onAsk={() => setAsking(true)} onConfirm={() => void remove()} onKeep={() => setAsking(false)} />
      </div>
      {log && <DeliveryLog hook={hook} action={action} />}
    </article>
  );
}

function DeliveryLog({ hook, action }: { hook: WebhookOut; action: Action }) {
  const loaded = useLoad(() => listDeliveries(hook.id));
  const resend = async (delivery: DeliveryOut, all: DeliveryOut[]) => {
    const changed = await action.run(() => resendDelivery(hook.id, delivery.id), t('webhooks.resent'));
    if (changed) loaded.set({ deliveries: all.map((d) => (d.id === changed.id ? changed : d)) });
  };
  return (
    <LoadState loaded={loaded}>
      {({ deliveries }) =>
        deliveries.length === 0 ? (
          <p class="admin-muted" data-testid="webhook-log-none">{t('webhooks.log_none')}</p>
        ) : (
          <AdminTable caption={t('webhooks.log')} testid="webhook-log" actions
            columns={[t('webhooks.log_time'), t('webhooks.events'), t('webhooks.log_status'), t('webhooks.log_code'), t('webhooks.log_answer')]}>
                {deliveries.map((d) => (
                  <tr key={d.id} data-testid="webhook-log-row">
                    <td>{when(d.last_attempt_at ?? d.created_at)}</td>
                    <td>{t(`webhooks.event_${d.event}`)}</td>
                    <td data-testid="webhook-log-status">{t(`webhooks.status_${d.status}`, { n: String(d.attempts) })}</td>
                    <td>{d.response_code ?? '—'}</td>
                    <td class="webhook-log__answer">{d.response_excerpt ?? d.error ?? ''}</td>
                    <td>
                      {d.status !== 'pending' && (
                        <button type="button" class="btn btn-ghost btn-small" disabled={action.busy} onClick={() => void resend(d, deliveries)} data-testid="webhook-resend">
                          {t('webhooks.resend')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
          </AdminTable>
        )
      }
    </LoadState>
  );
}
