/**
 * A stack of undo steps. Each resource a test creates registers how to remove itself
 * right after it exists, so a failing test still leaves nothing behind: run() undoes
 * everything in reverse order, keeps going past failures and reports them all at the end.
 */
export class Cleanup {
  private readonly steps: Array<{ what: string; undo: () => void | Promise<void> }> = [];

  /** Registers an undo step; returns a function that runs it early (once). */
  add(what: string, undo: () => void | Promise<void>): () => Promise<void> {
    const step = { what, undo };
    this.steps.push(step);
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await undo();
    };
  }

  get size(): number {
    return this.steps.length;
  }

  async run(): Promise<void> {
    const errors: Error[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (err) {
        errors.push(new Error(`cleanup step "${step.what}" failed: ${(err as Error).message}`, { cause: err }));
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
  }
}
