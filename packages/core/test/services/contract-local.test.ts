import { createLocalBackend } from '../../src/local/index.js';
import { describeServicesContract } from './contract.js';

// The services over the real local backend: real worker threads running the contract functions.
describeServicesContract('local backend', (dir) => createLocalBackend({ dir, idleTimeoutMs: 60_000 }));
