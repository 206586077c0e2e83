import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { login } from '../session';
import { errorText } from './errors';

/** Login ID + password form; on success the session signal changes and the gate re-renders. */
export function LoginForm() {
  const [loginId, setLoginId] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
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
      await login(loginId.trim(), password);
    } catch (e) {
      setError(errorText(e));
      setSubmitting(false);
      passwordRef.current?.select();
    }
  };

  return (
    <form class="login-form" onSubmit={onSubmit} noValidate aria-busy={submitting}>
      <div class="field">
        <label for="login-id">{t('login.id')}</label>
        <input
          id="login-id"
          class="input"
          name="login_id"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={loginId}
          onInput={(e) => setLoginId(e.currentTarget.value)}
          data-testid="login-id"
        />
      </div>
      <div class="field">
        <label for="login-password">{t('login.password')}</label>
        <input
          id="login-password"
          ref={passwordRef}
          class="input"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="login-password"
        />
      </div>
      <div class="alert" role="alert" data-testid="login-error">
        {error}
      </div>
      <button type="submit" class="btn btn-primary login-form__submit" disabled={submitting} data-testid="login-submit">
        {submitting ? t('login.submitting') : t('login.submit')}
      </button>
    </form>
  );
}
