// The bin takes SIGTERM, SIGINT and SIGHUP from its first line: a signal that comes while the server
// is still starting is kept and handled once it is up (a graceful shutdown, exit 0), instead of
// Node.js's default of dying by the signal.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { holdShutdownSignals, SHUTDOWN_SIGNALS, type SignalSource } from '../src/signals.js';

function fakeProcess(): EventEmitter & SignalSource {
  return new EventEmitter() as EventEmitter & SignalSource;
}

describe('holdShutdownSignals', () => {
  it('keeps a signal that comes before the server is up and shuts down for it once it is', () => {
    const source = fakeProcess();
    const held = holdShutdownSignals(source);
    for (const signal of SHUTDOWN_SIGNALS) expect(source.listenerCount(signal)).toBe(1);
    source.emit('SIGTERM', 'SIGTERM');
    const shutdowns: string[] = [];
    held.serve((signal) => shutdowns.push(signal));
    expect(shutdowns).toEqual(['SIGTERM']);
  });

  it('keeps the first of several early signals; a second is left to the default (no listener)', () => {
    const source = fakeProcess();
    const held = holdShutdownSignals(source);
    source.emit('SIGINT', 'SIGINT');
    // The listener for SIGINT was a `once`: a second Ctrl-C meets Node.js's default.
    expect(source.listenerCount('SIGINT')).toBe(0);
    source.emit('SIGHUP', 'SIGHUP');
    const shutdowns: string[] = [];
    held.serve((signal) => shutdowns.push(signal));
    expect(shutdowns).toEqual(['SIGINT']);
  });

  it('never leaves a signal without a listener while switching (Node.js would close its handle and drop a pending signal)', () => {
    const source = fakeProcess();
    const held = holdShutdownSignals(source);
    const emptied: string[] = [];
    source.on('removeListener', (event: string | symbol) => {
      if (typeof event === 'string' && source.listenerCount(event) === 0) emptied.push(event);
    });
    held.serve(() => {});
    expect(emptied).toEqual([]);
  });

  it('once serving, each signal shuts the server down, and nothing happens without one', () => {
    const source = fakeProcess();
    const held = holdShutdownSignals(source);
    const shutdowns: string[] = [];
    held.serve((signal) => shutdowns.push(signal));
    expect(shutdowns).toEqual([]);
    for (const signal of SHUTDOWN_SIGNALS) expect(source.listenerCount(signal)).toBe(1);
    source.emit('SIGHUP', 'SIGHUP');
    expect(shutdowns).toEqual(['SIGHUP']);
  });
});
