import type { LedgerCommands } from '@ledger/schema';
import type { Commands } from '../../ports/commands.js';

/**
 * The write service's command API called directly, for a gateway in the same process (`ledger all`).
 * Same contract as the gRPC adapter: results as the service returns them, rejections as the same
 * LedgerError classes. Between processes the gRPC adapter stays the path.
 */
export function createInProcessCommands(service: LedgerCommands): Commands {
  return {
    openAccount: (input, audit) => service.openAccount(input, audit),
    closeAccount: (input, audit) => service.closeAccount(input, audit),
    changeOwner: (input, audit) => service.changeOwner(input, audit),
    deposit: (input, audit) => service.deposit(input, audit),
    withdraw: (input, audit) => service.withdraw(input, audit),
    transfer: (input, audit) => service.transfer(input, audit),
    // The service belongs to the write-service role, which closes its own parts.
    async close() {},
  };
}
