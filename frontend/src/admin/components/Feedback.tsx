import type { Action } from '../lib/useAction';

/** The outcome of an action: a polite status line and an alert, both always in the page. */
export function Feedback({ action, testid }: { action: Action; testid?: string }) {
  return (
    <div class="feedback">
      <p class="feedback__done" role="status" data-testid={testid ? `${testid}-done` : undefined}>
        {action.done}
      </p>
      <div class="alert" role="alert" data-testid={testid ? `${testid}-error` : undefined}>
        {action.failed}
      </div>
    </div>
  );
}
