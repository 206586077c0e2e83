import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { loadSession, logout, session, type Role, type Staff } from '../session';
import { errorText } from './errors';
import { LangSwitch } from './LangSwitch';
import { LoginForm } from './LoginForm';
import './login.css';

interface Props {
  /** the surface's name under the product name, e.g. 担当者コンソール */
  subtitle: string;
  /** refuse staff without this role (the admin menu) */
  requireRole?: Role;
  children: (staff: Staff) => ComponentChildren;
}

/** Shows the login card until a staff member is logged in, then the surface. */
export function LoginGate({ subtitle, requireRole, children }: Props) {
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setLoadError(null);
    loadSession().catch((e: unknown) => setLoadError(e));
  }, [attempt]);

  const staff = session.value;
  if (staff === undefined) {
    return (
      <LoginCard subtitle={subtitle}>
        {loadError ? (
          <div class="login-card__stack">
            <div class="alert" role="alert">
              {errorText(loadError)}
            </div>
            <button type="button" class="btn btn-primary" onClick={() => setAttempt(attempt + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <p class="login-card__muted" role="status">
            {t('common.loading')}
          </p>
        )}
      </LoginCard>
    );
  }
  if (staff === null) {
    return (
      <LoginCard subtitle={subtitle}>
        <LoginForm />
      </LoginCard>
    );
  }
  if (requireRole && staff.role !== requireRole) {
    return (
      <LoginCard subtitle={subtitle}>
        <div class="login-card__stack">
          <div class="alert" role="alert">
            {t('login.forbidden')}
          </div>
          <button type="button" class="btn btn-ghost" data-testid="logout" onClick={() => void logout().catch(() => {})}>
            {t('logout')}
          </button>
        </div>
      </LoginCard>
    );
  }
  return <>{children(staff)}</>;
}


function LoginCard({ subtitle, children }: { subtitle: string; children: ComponentChildren }) {
  return (
    <main class="login-page">
      <section class="login-card" aria-labelledby="login-heading">
        <header class="login-card__header">
          <p class="login-card__brand">{t('app.name')}</p>
          <h1 id="login-heading" class="login-card__title">
            {subtitle}
          </h1>
        </header>
        {children}
        <footer class="login-card__footer">
          <LangSwitch />
        </footer>
      </section>
    </main>
  );
}
