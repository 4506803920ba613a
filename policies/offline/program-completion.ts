// Decides when a program run under mocks has finished, and whether it finished well. The Pulumi CLI fails a
// program that leaves an Output unresolved ("promises still active") or whose data source or apply throws
// after the last registration; the offline checker must do the same *before* it prints any report, and
// never hang: a report printed for half a program would pass by accident.
import { createRequire } from 'node:module';

const localRequire = createRequire(__filename);

export class ProgramDidNotFinish extends Error {}

/** Resolves after the current macrotask queue has drained, so rejections raised "later" are seen. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How many Pulumi promises (registrations, invokes, Outputs) are still pending. */
function pendingPulumiPromises(): number {
  try {
    const state = localRequire('@pulumi/pulumi/runtime/state') as {
      getStore(): { leakCandidates?: Set<unknown> };
    };
    return state.getStore().leakCandidates?.size ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Waits for `finished` (the runtime's RPC queue draining) and then for every rejection the program raised
 * to surface. Rejects with a clear message when:
 * - the program or a data source it calls throws, even after its last registration (unhandled rejection);
 * - the event loop runs dry while the program is unfinished (an Output that can never resolve);
 * - it has not finished after `timeoutMs` (an Output that never resolves while something keeps the
 *   process busy).
 */
export async function waitForProgram(finished: () => Promise<void>, timeoutMs: number): Promise<void> {
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const onError = (e: unknown) =>
    fail(new Error(`the program failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  const onDry = () =>
    fail(
      new ProgramDidNotFinish(
        `the program can never finish: ${pendingPulumiPromises()} Pulumi promises are still pending and ` +
          'nothing is left to settle them (an Output that never resolves, or a dependency cycle)',
      ),
    );
  const timer = setTimeout(
    () =>
      fail(
        new ProgramDidNotFinish(
          `the program did not finish within ${timeoutMs / 1000} s: ${pendingPulumiPromises()} Pulumi ` +
            'promises are still pending (an Output that never resolves?); raise --timeout if it is only slow',
        ),
      ),
    timeoutMs,
  );
  // The timer must not keep a dry event loop alive: that case is reported at once by onDry.
  timer.unref();
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  process.on('beforeExit', onDry);
  try {
    await Promise.race([
      (async () => {
        await finished();
        // Rejections of data sources and applies settle a turn or two after the last RPC.
        for (let i = 0; i < 3; i++) await nextTurn();
      })(),
      failed,
    ]);
    await Promise.race([nextTurn(), failed]);
    // The CLI fails a program that logged an error (pulumi.log.error, a failed registration) even if it ran on.
    const log = localRequire('@pulumi/pulumi/log') as { hasErrors(): boolean };
    if (log.hasErrors())
      throw new Error('the program logged an error (see above), so the stack cannot be checked');
  } finally {
    clearTimeout(timer);
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
    process.off('beforeExit', onDry);
  }
}
