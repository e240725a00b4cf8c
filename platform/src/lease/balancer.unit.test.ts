import { after } from 'node:test';
import { linkTo } from '../testing/balancer-harness.js';
import { defineBalancerScenarios } from '../testing/balancer-scenarios.js';
import { createInProcessLeaseStore } from './in-process.js';

const shared = createInProcessLeaseStore();
after(() => shared.close());

defineBalancerScenarios('in-process', async () => linkTo(shared));
