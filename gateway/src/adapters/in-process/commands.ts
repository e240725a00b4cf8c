import type { LedgerCommands } from '@ledger/schema';
import type { Commands } from '../../ports/commands.js';

/**
 * The write service's command API called directly, for a gateway in the same process (`ledger all`).
 * Same contract as the gRPC adapter: results as the service returns them, rejections as the same
 * LedgerError classes. Between processes the gRPC adapter stays the path.
 */
export function createInProcessCommands(service: LedgerCommands): Commands {
  return {
    openAccount: (input) => service.openAccount(input),
    closeAccount: (input) => service.closeAccount(input),
    changeOwner: (input) => service.changeOwner(input),
    deposit: (input) => service.deposit(input),
    withdraw: (input) => service.withdraw(input),
    transfer: (input) => service.transfer(input),
    // The service belongs to the write-service role, which closes its own parts.
    async close() {},
  };
}
