// Form parts used by the admin menu, the console and the account dialog: the submit
// handler, a labelled field, and a form with its heading.
import type { ComponentChildren } from 'preact';

/**
 * A form's `onSubmit`: the page stays, and `work` runs. `work` reports its own failures
 * (an alert, the admin's feedback line), so nothing is left to catch here.
 */
export function submitted(work: () => Promise<unknown> | void): (ev: Event) => void {
  return (ev) => {
    ev.preventDefault();
    void work();
  };
}

/** The id of a field's hint, for the control's `aria-describedby`. */
export function hintId(id: string): string {
  return `${id}-hint`;
}

interface FieldProps {
  /** the control's id: the label points at it */
  id: string;
  label: ComponentChildren;
  /** a line under the control, with the id `hintId(id)` */
  hint?: ComponentChildren;
  /** classes besides `field` */
  class?: string;
  labelClass?: string | undefined;
  /** the control itself */
  children: ComponentChildren;
}

/** A label, its control and an optional hint, stacked. */
export function Field({ id, label, hint, class: extra, labelClass, children }: FieldProps) {
  return (
    <div class={extra ? `field ${extra}` : 'field'}>
      <label class={labelClass} for={id}>
        {label}
      </label>
      {children}
      {hint && (
        <small id={hintId(id)} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

interface TitledFormProps {
  title: ComponentChildren;
  /** the heading's id: the form is labelled by it */
  titleId: string;
  titleClass: string;
  /** h3 for a card of its own, h4 inside one */
  level?: 3 | 4;
  class?: string;
  onSubmit: () => Promise<unknown> | void;
  testId?: string;
  children: ComponentChildren;
}

/** A form that starts with its heading and is named by it. */
export function TitledForm({ title, titleId, titleClass, level = 3, class: cls, onSubmit, testId, children }: TitledFormProps) {
  const Heading = level === 3 ? 'h3' : 'h4';
  return (
    <form class={cls} onSubmit={submitted(onSubmit)} aria-labelledby={titleId} data-testid={testId}>
      <Heading id={titleId} class={titleClass}>
        {title}
      </Heading>
      {children}
    </form>
  );
}
