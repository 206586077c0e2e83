import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { finishLogin, login, loginSetup, loginWithCode, type Enrolment } from '../session';
import { errorText } from './errors';
import { Field } from './forms';
import { CodeField, EnrolmentView, RecoveryCodes } from './TwoFactorParts';

const STORE_KEY = 'chats:store';

/** The store code from a per-store login URL (?store=…), else the one used last time. */
function initialStore(): string {
  try {
    return new URLSearchParams(location.search).get('store') ?? localStorage.getItem(STORE_KEY) ?? '';
  } catch {
    return '';
  }
}

function rememberStore(code: string): void {
  try {
    if (code) localStorage.setItem(STORE_KEY, code);
  } catch {
    // private mode: the field is simply empty next time
  }
}

type Step =
  | { kind: 'password' }
  | { kind: 'totp'; challenge: string }
  | { kind: 'setup'; challenge: string; enrolment: Enrolment }
  | { kind: 'recovery'; answer: unknown; codes: string[] };

/** Login ID + password (+ store code), then the second factor when it is on. */
export function LoginForm() {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [error, setError] = useState('');
  const back = (message = '') => {
    setError(message);
    setStep({ kind: 'password' });
  };
  if (step.kind === 'password') {
    return <PasswordStep error={error} setError={setError} onStep={setStep} />;
  }
  if (step.kind === 'recovery') {
    return (
      <div class="login-form" data-testid="login-recovery">
        <RecoveryCodes codes={step.codes} />
        <button type="button" class="btn btn-primary login-form__submit" onClick={() => finishLogin(step.answer)} data-testid="recovery-done">
          {t('totp.recovery_done')}
        </button>
      </div>
    );
  }
  return <CodeStep step={step} onStep={setStep} onBack={back} />;
}

interface PasswordStepProps {
  error: string;
  setError: (e: string) => void;
  onStep: (s: Step) => void;
}

function PasswordStep({ error, setError, onStep }: PasswordStepProps) {
  const [loginId, setLoginId] = useState('');
  const [password, setPassword] = useState('');
  const [store, setStore] = useState(initialStore);
  const [submitting, setSubmitting] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (ev: Event) => {
    ev.preventDefault();
    if (submitting) return;
    if (!loginId.trim() || !password) {
      setError(t('login.required'));
      return;
    }
    setError('');
    setSubmitting(true);
    try {
      const next = await login(loginId.trim(), password, store.trim() || undefined);
      rememberStore(store.trim());
      if (next.kind === 'totp') onStep({ kind: 'totp', challenge: next.challenge });
      if (next.kind === 'setup') onStep({ kind: 'setup', challenge: next.challenge, enrolment: await loginSetup(next.challenge) });
    } catch (e) {
      setError(errorText(e));
      setSubmitting(false);
      passwordRef.current?.select();
    }
  };

  return (
    <form class="login-form" onSubmit={(ev) => void onSubmit(ev)} noValidate aria-busy={submitting}>
      <Field id="login-id" label={t('login.id')}>
        <input id="login-id" class="input" name="login_id" type="text" autocomplete="username" autocapitalize="none"
          spellcheck={false} required value={loginId} onInput={(e) => setLoginId(e.currentTarget.value)} data-testid="login-id" />
      </Field>
      <Field id="login-password" label={t('login.password')}>
        <input id="login-password" ref={passwordRef} class="input" name="password" type="password" autocomplete="current-password"
          required value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="login-password" />
      </Field>
      <details class="login-form__store" open={Boolean(store)}>
        <summary data-testid="login-store-toggle">{t('login.store_toggle')}</summary>
        <Field id="login-store" label={t('login.store')}>
          <input id="login-store" class="input" name="store" type="text" autocomplete="organization" autocapitalize="none"
            spellcheck={false} value={store} onInput={(e) => setStore(e.currentTarget.value)} aria-describedby="login-store-hint"
            data-testid="login-store" />
          <small id="login-store-hint" class="hint">
            {t('login.store_hint')}
          </small>
        </Field>
      </details>
      <ErrorAndSubmit error={error} submitting={submitting} label={t('login.submit')} testId="login-submit" />
    </form>
  );
}

interface CodeStepProps {
  step: Extract<Step, { kind: 'totp' | 'setup' }>;
  onStep: (s: Step) => void;
  onBack: (message?: string) => void;
}

/** The second login step: a code (after setting the app up, when the store requires it). */
function CodeStep({ step, onStep, onBack }: CodeStepProps) {
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = async (ev: Event) => {
    ev.preventDefault();
    if (submitting) return;
    if (!code.trim()) {
      setError(t('totp.code_required'));
      return;
    }
    setError('');
    setSubmitting(true);
    try {
      const { answer, recoveryCodes } = await loginWithCode(step.challenge, code);
      if (recoveryCodes.length) onStep({ kind: 'recovery', answer, codes: recoveryCodes });
      else finishLogin(answer);
    } catch (e) {
      // An expired challenge's message says to start again; the back button does that.
      setError(errorText(e));
      setSubmitting(false);
      setCode('');
    }
  };

  return (
    <form class="login-form" onSubmit={(ev) => void onSubmit(ev)} noValidate aria-busy={submitting} data-testid={`login-${step.kind}`}>
      <p class="login-card__muted">{step.kind === 'setup' ? t('totp.setup_required') : t('totp.asked')}</p>
      {step.kind === 'setup' && <EnrolmentView enrolment={step.enrolment} />}
      <CodeField id="login-code" value={code} onInput={setCode} recovery={step.kind === 'totp'} />
      <ErrorAndSubmit error={error} submitting={submitting} label={t('totp.verify')} testId="login-code-submit" />
      <button type="button" class="btn btn-ghost login-form__back" onClick={() => onBack()}>
        {t('totp.back')}
      </button>
    </form>
  );
}

/** A login step's last lines: what went wrong, and the button that says when it is busy. */
function ErrorAndSubmit({ error, submitting, label, testId }: { error: string; submitting: boolean; label: string; testId: string }) {
  return (
    <>
      <div class="alert" role="alert" data-testid="login-error">
        {error}
      </div>
      <button type="submit" class="btn btn-primary login-form__submit" disabled={submitting} data-testid={testId}>
        {submitting ? t('login.submitting') : label}
      </button>
    </>
  );
}
