import { defineEventBusContract, defineNotificationBusContract } from './bus.contract.js';
import { createInProcessEventBus, createInProcessNotificationBus } from './in-process.js';

defineEventBusContract('in-process', () => createInProcessEventBus({ redeliveryDelayMs: 20 }));
defineNotificationBusContract('in-process', () => createInProcessNotificationBus());
