import type { ComponentChildren } from 'preact';
import './tag.css';

/** A small rounded label beside a name: "you", "store-wide", "ended", a chat's status. */
export function Tag({ tone, testId, children }: { tone?: string; testId?: string; children: ComponentChildren }) {
  return (
    <span class={tone ? `tag tag--${tone}` : 'tag'} data-testid={testId}>
      {children}
    </span>
  );
}
