import { createGrpcEventSource, rebuildBalance } from '@ledger/projector';
import { writeServiceAddress } from '@ledger/platform';
import type { LedgerConfig, Logger } from '@ledger/platform';
import { createEngines } from './engines.js';

/** `ledger rebuild balance`: replays the store over gRPC into a fresh read model, showing progress. */
export async function runRebuild(config: LedgerConfig, logger: Logger): Promise<number> {
  const engines = createEngines(config, logger);
  const address = writeServiceAddress(config);
  const source = createGrpcEventSource({ address, serviceSecret: config.LEDGER_SERVICE_SECRET });
  try {
    const readModel = await engines.readModel();
    const started = Date.now();
    const result = await rebuildBalance({
      readModel,
      source,
      onProgress: (progress) => {
        const total = progress.heads.reduce((sum, head) => sum + head, 0);
        process.stderr.write(`\r${progress.phase.padEnd(12)} ${progress.events} events applied, store at ${total}   `);
      },
    });
    process.stderr.write('\n');
    console.log(JSON.stringify({ ...result, elapsedMs: Date.now() - started }));
    return 0;
  } catch (error) {
    process.stderr.write('\n');
    console.error(
      `ledger rebuild: ${error instanceof Error ? error.message : String(error)} (write service at ${address})`,
    );
    return 1;
  } finally {
    await source.close();
    await engines.close();
  }
}
