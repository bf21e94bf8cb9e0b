/**
 * Holds Messages requests unanswered until the test releases them, so a test can act while a model call is in
 * flight (send an answer before the call that it answers exists, say) without guessing a delay.
 */
export class RequestHold {
  private current: { released: Promise<void>; release: () => void } | null = null;

  /** Holds every request that is answered from now on; the returned function releases them all (idempotent). */
  start(): () => void {
    if (!this.current) {
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      this.current = { released, release };
    }
    const hold = this.current;
    return () => {
      if (this.current === hold) this.current = null;
      hold.release();
    };
  }

  /** Resolves at once without a hold, else once it is released or the request is cut (`signal`). */
  passed(signal: AbortSignal): Promise<void> {
    const hold = this.current;
    if (!hold || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      void hold.released.then(resolve);
    });
  }
}
