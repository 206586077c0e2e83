import { useState } from 'preact/hooks';
import type { TokenCreated, TokenOut } from '../../shared/api-types';
import { locale, t } from '../../shared/i18n';
import { AdminTable, ConfirmButtons } from '../components/AdminTable';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { createToken, listTokens, revokeToken } from '../tokensApi';
import { submitted } from '../../shared/components/forms';
import './tokens.css';

type Scope = 'read' | 'write';

function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** API tokens for the store's REST API (issue 17): make one (shown once), see use, revoke. */
export function TokensSection() {
  const loaded = useLoad(listTokens);
  const action = useAction();
  const [fresh, setFresh] = useState<TokenCreated | null>(null);

  const put = (list: TokenOut[], changed: TokenOut) => {
    const others = list.filter((x) => x.id !== changed.id);
    loaded.set({ tokens: changed.revoked_at ? [...others, changed] : [changed, ...others] });
  };

  return (
    <section class="admin-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading" class="admin-section__title">
        {t('tab.tokens')}
      </h2>
      <p class="admin-muted">{t('tokens.intro')}</p>
      <LoadState loaded={loaded}>
        {({ tokens }) => (
          <>
            {fresh && <FreshToken token={fresh} onDone={() => setFresh(null)} />}
            <TokenForm action={action} onCreated={(created) => {
              setFresh(created);
              put(tokens, created);
            }} />
            <Feedback action={action} testid="tokens" />
            <TokenTable tokens={tokens} action={action} onRevoked={(changed) => put(tokens, changed)} />
          </>
        )}
      </LoadState>
    </section>
  );
}

function TokenForm({ action, onCreated }: { action: Action; onCreated: (t: TokenCreated) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read');
  const submit = submitted(async () => {
    const created = await action.run(() => createToken({ name: name.trim(), scope }), t('tokens.created', { name: name.trim() }));
    if (created) {
      setName('');
      setScope('read');
      onCreated(created);
    }
  });
  return (
    <form class="admin-card" onSubmit={submit} aria-labelledby="token-new-heading" data-testid="token-form">
      <h3 id="token-new-heading" class="admin-card__title">
        {t('tokens.new')}
      </h3>
      <div class="field">
        <label for="token-name">{t('tokens.name')}</label>
        <input id="token-name" class="input" type="text" maxLength={100} autoComplete="off" required value={name}
          aria-describedby="token-name-hint" onInput={(e) => setName(e.currentTarget.value)} data-testid="token-name" />
        <small id="token-name-hint" class="hint">{t('tokens.name_hint')}</small>
      </div>
      <fieldset class="field token-scopes">
        <legend>{t('tokens.scope')}</legend>
        {(['read', 'write'] as const).map((s) => (
          <label key={s} class="token-scopes__option">
            <input type="radio" name="token-scope" value={s} checked={scope === s} onChange={() => setScope(s)} data-testid={`token-scope-${s}`} />
            {t(`tokens.scope_${s}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="btn btn-primary" disabled={action.busy || !name.trim()} data-testid="token-create">
        {t('tokens.create')}
      </button>
    </form>
  );
}

function FreshToken({ token, onDone }: { token: TokenCreated; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="notice-warn token-fresh" role="region" aria-labelledby="token-fresh-heading" data-testid="token-fresh">
      <strong id="token-fresh-heading" class="notice-warn__title">
        {t('tokens.shown_once_title', { name: token.name })}
      </strong>
      <p>{t('tokens.shown_once')}</p>
      <label for="token-value" class="visually-hidden">{t('tokens.value')}</label>
      <input id="token-value" class="input token-fresh__value" readOnly value={token.token}
        onFocus={(e) => e.currentTarget.select()} data-testid="token-value" />
      <div class="token-fresh__actions">
        <button type="button" class="btn btn-ghost btn-small" onClick={() => void copy()}>
          {t(copied ? 'tokens.copied' : 'tokens.copy')}
        </button>
        <button type="button" class="btn btn-primary btn-small" onClick={onDone} data-testid="token-fresh-done">
          {t('tokens.stored_it')}
        </button>
      </div>
    </div>
  );
}

interface TableProps {
  tokens: TokenOut[];
  action: Action;
  onRevoked: (t: TokenOut) => void;
}

function TokenTable({ tokens, action, onRevoked }: TableProps) {
  const [asking, setAsking] = useState<string | null>(null);
  if (tokens.length === 0) return <p class="admin-muted" data-testid="tokens-none">{t('tokens.none')}</p>;
  const revoke = async (token: TokenOut) => {
    const changed = await action.run(() => revokeToken(token.id), t('tokens.revoked_done', { name: token.name }));
    setAsking(null);
    if (changed) onRevoked(changed);
  };
  return (
    <AdminTable caption={t('tokens.caption')} testid="tokens-table" actions
      columns={[t('tokens.name'), t('tokens.scope'), t('tokens.hint'), t('tokens.created_at'), t('tokens.last_used'), t('tokens.state')]}>
          {tokens.map((token) => (
            <tr key={token.id} class={token.revoked_at ? 'is-disabled' : ''} data-testid="token-row">
              <th scope="row">{token.name}</th>
              <td>{t(token.scopes.includes('write') ? 'tokens.scope_write' : 'tokens.scope_read')}</td>
              <td>
                <code>{token.hint}…</code>
              </td>
              <td>{when(token.created_at)}</td>
              <td data-testid="token-last-used">{token.last_used_at ? when(token.last_used_at) : t('tokens.never')}</td>
              <td data-testid="token-state">
                {token.revoked_at ? (
                  <span class="state state--off">{t('tokens.revoked_at', { when: when(token.revoked_at) })}</span>
                ) : (
                  <span class="state state--on">{t('tokens.live')}</span>
                )}
              </td>
              <td>
                {!token.revoked_at && (
                  <span class="token-confirm">
                    <ConfirmButtons asking={asking === token.id} busy={action.busy} testid="token-revoke"
                      label={t('tokens.revoke')} name={t('tokens.revoke_who', { name: token.name })}
                      confirm={t('tokens.revoke_confirm')} keep={t('tokens.keep')}
                      onAsk={() => setAsking(token.id)} onConfirm={() => void revoke(token)} onKeep={() => setAsking(null)} />
                  </span>
                )}
              </td>
            </tr>
          ))}
    </AdminTable>
  );
}
