import { createInProcessLeaseStore } from './in-process.js';
import { defineLeaseContract } from './lease.contract.js';

defineLeaseContract('in-process', () => createInProcessLeaseStore());
