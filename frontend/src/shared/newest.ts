/**
 * Numbers a series of requests for the same thing so that only the newest one's answer is
 * used. Two reads started one after the other can be answered in the other order (separate
 * connections, a busy server): without this, the older answer, arriving last, would put
 * stale data back on screen.
 */
export class Newest {
  private seq = 0;

  /** Start a request; the function returned tells whether it is still the newest one. */
  begin(): () => boolean {
    const mine = ++this.seq;
    return () => mine === this.seq;
  }
}
