import { useState } from 'preact/hooks';
import type { CannedOut } from '../../shared/api-types';
import { Field, TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { createCanned, deleteCanned, listCanned, patchCanned } from '../api';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import './canned.css';

interface Draft {
  shortcut: string;
  title: string;
  text: string;
}
const EMPTY: Draft = { shortcut: '', title: '', text: '' };

/** A6: the store-wide canned responses every staff member can insert (S8). */
export function CannedSection() {
  const loaded = useLoad(listCanned);
  const action = useAction();
  return (
    <section class="admin-subsection" aria-labelledby="canned-heading">
      <h3 id="canned-heading" class="admin-subsection__title">
        {t('canned.title')}
      </h3>
      <p class="admin-muted">{t('canned.intro')}</p>
      <LoadState loaded={loaded}>
        {({ canned_responses: all }) => {
          const store = all.filter((c) => c.scope === 'store');
          const set = (next: CannedOut[]) => loaded.set({ canned_responses: [...next, ...all.filter((c) => c.scope !== 'store')] });
          return (
            <>
              <Feedback action={action} testid="canned" />
              {store.length === 0 && <p class="admin-muted">{t('canned.none')}</p>}
              <ul class="canned-list">
                {store.map((c) => (
                  <CannedItem key={c.id} item={c} action={action}
                    onSaved={(s) => set(store.map((x) => (x.id === s.id ? s : x)))}
                    onDeleted={() => set(store.filter((x) => x.id !== c.id))} />
                ))}
              </ul>
              <div class="admin-card" data-testid="canned-add">
                <CannedForm idPrefix="canned-add" title={t('canned.add')} submit={t('canned.add_submit')} initial={EMPTY} action={action}
                  onSubmit={async (d) => {
                    const created = await action.run(() => createCanned({ scope: 'store', ...d }), t('canned.added', { title: d.title }));
                    if (created) set([...store, created]);
                    return Boolean(created);
                  }} />
              </div>
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

function CannedItem({ item, action, onSaved, onDeleted }: { item: CannedOut; action: Action; onSaved: (c: CannedOut) => void; onDeleted: () => void }) {
  const [open, setOpen] = useState(false);
  const remove = async () => {
    if (!globalThis.confirm(t('canned.delete_confirm', { title: item.title }))) return;
    const gone = async () => {
      await deleteCanned(item.id);
      return true;
    };
    if (await action.run(gone, t('canned.deleted', { title: item.title }))) onDeleted();
  };
  return (
    <li class="admin-card canned-item" data-testid="canned-item">
      <div class="canned-item__head">
        <strong>{item.title}</strong>
        {item.shortcut && <code>/{item.shortcut}</code>}
        <span class="canned-item__actions">
          <button type="button" class="btn btn-ghost btn-small" aria-expanded={open} onClick={() => setOpen(!open)}>
            {t('act.edit')}
          </button>
          <button type="button" class="btn btn-danger btn-small" disabled={action.busy} onClick={() => void remove()}>
            {t('act.delete')}
          </button>
        </span>
      </div>
      {open ? (
        <CannedForm idPrefix={`canned-${item.id}`} title={t('canned.edit', { title: item.title })} submit={t('act.save')}
          initial={item} action={action} onSubmit={async (d) => {
            const saved = await action.run(() => patchCanned(item.id, d), t('canned.saved', { title: d.title }));
            if (saved) {
              onSaved(saved);
              setOpen(false);
            }
            return Boolean(saved);
          }} />
      ) : (
        <p class="canned-item__text">{item.text}</p>
      )}
    </li>
  );
}

interface FormProps {
  idPrefix: string;
  title: string;
  submit: string;
  initial: Draft;
  action: Action;
  /** resolves true when saved (the add form then empties itself) */
  onSubmit: (d: Draft) => Promise<boolean>;
}

function CannedForm({ idPrefix: p, title, submit, initial, action, onSubmit }: FormProps) {
  const [draft, setDraft] = useState<Draft>({ shortcut: initial.shortcut, title: initial.title, text: initial.text });
  const send = async () => {
    if (await onSubmit({ shortcut: draft.shortcut.trim(), title: draft.title.trim(), text: draft.text })) setDraft(EMPTY);
  };
  return (
    <TitledForm class="canned-form" onSubmit={send} level={4} title={title} titleId={`${p}-heading`} titleClass="admin-card__subtitle">
      <div class="form-grid">
        <Field id={`${p}-title`} label={t('canned.title_label')}>
          <input id={`${p}-title`} class="input" required maxLength={200} value={draft.title}
            onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })} data-testid={`${p}-title`} />
        </Field>
        <Field id={`${p}-shortcut`} label={t('canned.shortcut')} hint={t('canned.shortcut_hint')}>
          <input id={`${p}-shortcut`} class="input" maxLength={64} aria-describedby={`${p}-shortcut-hint`} value={draft.shortcut}
            onInput={(e) => setDraft({ ...draft, shortcut: e.currentTarget.value })} data-testid={`${p}-shortcut`} />
        </Field>
      </div>
      <Field id={`${p}-text`} label={t('canned.text')}>
        <textarea id={`${p}-text`} class="input" rows={3} required maxLength={4000} value={draft.text}
          onInput={(e) => setDraft({ ...draft, text: e.currentTarget.value })} data-testid={`${p}-text`} />
      </Field>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary btn-small" disabled={action.busy} data-testid={`${p}-submit`}>
          {submit}
        </button>
      </div>
    </TitledForm>
  );
}
