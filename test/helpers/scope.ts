/**
 * What the helpers need of a tap Test: a place to register clean-up. Benchmarks, which run outside tap,
 * pass a Teardowns and run it at the end.
 */
export interface Scope {
  teardown(fn: () => unknown): void;
}

export class Teardowns implements Scope {
  private readonly fns: (() => unknown)[] = [];

  teardown(fn: () => unknown): void {
    this.fns.push(fn);
  }

  /** Last registered first, as tap does. */
  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) await fn();
  }
}
