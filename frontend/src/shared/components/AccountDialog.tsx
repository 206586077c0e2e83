import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { api, loadSession, type Enrolment } from '../session';
import { Dialog } from './Dialog';
import { errorText } from './errors';
import { Field, hintId, submitted, TitledForm } from './forms';
import { CodeField, EnrolmentView, RecoveryCodes } from './TwoFactorParts';
import './account.css';

interface TwoFactorState {
  enabled: boolean;
  required: boolean;
  recovery_codes_left: number;
}

/** One's own account: change the password, turn the second factor on or off. */
export function AccountDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title={t('account.title')} onClose={onClose} class="account-dialog" testId="account-dialog">
      <PasswordChange />
      <TwoFactor />
    </Dialog>
  );
}

function PasswordChange() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const onSubmit = async () => {
    setError('');
    setDone(false);
    setBusy(true);
    try {
      await api.post('/api/auth/password', { current_password: current, new_password: next });
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <TitledForm class="account-section" onSubmit={onSubmit} title={t('account.password')} titleId="account-password-title"
      titleClass="account-section__title" testId="password-change">
      <Field id="account-current" label={t('account.current_password')}>
        <input id="account-current" class="input" type="password" autocomplete="current-password" required value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)} data-testid="password-current" />
      </Field>
      <Field id="account-new" label={t('account.new_password')} hint={t('account.password_hint')}>
        <input id="account-new" class="input" type="password" autocomplete="new-password" required value={next}
          aria-describedby={hintId('account-new')} onInput={(e) => setNext(e.currentTarget.value)} data-testid="password-new" />
      </Field>
      <div class="alert" role="alert" data-testid="password-error">
        {error}
      </div>
      {done && (
        <p class="account-ok" role="status" data-testid="password-done">
          {t('account.password_done')}
        </p>
      )}
      <div class="account-actions">
        <button type="submit" class="btn btn-primary" disabled={busy || !current || !next} data-testid="password-submit">
          {t('account.password_submit')}
        </button>
      </div>
    </TitledForm>
  );
}

type Phase = { kind: 'status' } | { kind: 'enrol'; enrolment: Enrolment } | { kind: 'codes'; codes: string[] };

function TwoFactor() {
  const [state, setState] = useState<TwoFactorState | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'status' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const reload = () => api.get<TwoFactorState>('/api/auth/two-factor').then(setState, (e: unknown) => setError(errorText(e)));
  useEffect(() => {
    void reload();
  }, []);

  const run = async (work: () => Promise<void>) => {
    setError('');
    setBusy(true);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const start = () => void run(async () => setPhase({ kind: 'enrol', enrolment: await api.post<Enrolment>('/api/auth/two-factor/setup') }));
  const confirm = submitted(() => run(async () => {
    const answer = await api.post<{ recovery_codes: string[] }>('/api/auth/two-factor/confirm', { code: code.trim() });
    setCode('');
    setPhase({ kind: 'codes', codes: answer.recovery_codes });
    await loadSession(); // the app bar knows the second factor is on
  }));
  const turnOff = submitted(() => run(async () => {
    await api.post('/api/auth/two-factor/disable', { password });
    setPassword('');
    await reload();
    await loadSession();
  }));

  return (
    <section class="account-section" aria-labelledby="account-totp-title" data-testid="two-factor">
      <h3 id="account-totp-title" class="account-section__title">
        {t('totp.title')}
      </h3>
      <p class="account-hint">{t('totp.intro')}</p>
      {phase.kind === 'enrol' && (
        <form class="account-section" onSubmit={confirm}>
          <EnrolmentView enrolment={phase.enrolment} />
          <CodeField id="account-code" value={code} onInput={setCode} />
          <div class="account-actions">
            <button type="button" class="btn btn-ghost" onClick={() => setPhase({ kind: 'status' })}>
              {t('totp.cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={busy || !code.trim()} data-testid="totp-confirm">
              {t('totp.confirm')}
            </button>
          </div>
        </form>
      )}
      {phase.kind === 'codes' && (
        <>
          <RecoveryCodes codes={phase.codes} />
          <div class="account-actions">
            <button type="button" class="btn btn-primary" data-testid="recovery-done" onClick={() => {
              setPhase({ kind: 'status' });
              void reload();
            }}>
              {t('totp.recovery_done')}
            </button>
          </div>
        </>
      )}
      {phase.kind === 'status' && state && <Status state={state} busy={busy} onStart={start} password={password} setPassword={setPassword} onTurnOff={turnOff} />}
      <div class="alert" role="alert" data-testid="two-factor-error">
        {error}
      </div>
    </section>
  );
}

interface StatusProps {
  state: TwoFactorState;
  busy: boolean;
  onStart: () => void;
  password: string;
  setPassword: (p: string) => void;
  onTurnOff: (ev: Event) => void;
}

function Status({ state, busy, onStart, password, setPassword, onTurnOff }: StatusProps) {
  if (!state.enabled) {
    return (
      <>
        <p class="account-status" data-testid="two-factor-state">
          {t('totp.off')}
        </p>
        {state.required && <p class="account-hint">{t('totp.required_note')}</p>}
        <div class="account-actions">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={onStart} data-testid="totp-start">
            {t('totp.start')}
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      <p class="account-status account-ok" data-testid="two-factor-state">
        {t('totp.on')}
      </p>
      <p class="account-hint">{t('totp.codes_left', { n: state.recovery_codes_left })}</p>
      {state.required ? (
        <p class="account-hint">{t('totp.required_note')}</p>
      ) : (
        <form class="account-section" onSubmit={onTurnOff}>
          <Field id="account-off-password" label={t('totp.off_password')}>
            <input id="account-off-password" class="input" type="password" autocomplete="current-password" value={password}
              onInput={(e) => setPassword(e.currentTarget.value)} data-testid="totp-off-password" />
          </Field>
          <div class="account-actions">
            <button type="submit" class="btn btn-ghost" disabled={busy || !password} data-testid="totp-off">
              {t('totp.turn_off')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
