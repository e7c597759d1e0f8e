// The typed lifecycle event bus both services own.
import { expect } from 'chai';
import { EventBus } from '../../src/events';

interface TestEvents {
  loggedIn: { userId: number };
  loggedOut: { userId: number };
}

/** A logger that keeps what it was asked to log. */
function recordingLogger() {
  const errors: { record: Record<string, unknown>; message: string }[] = [];
  return { errors, logger: { error: (record: Record<string, unknown>, message: string) => errors.push({ record, message }) } as never };
}

describe('EventBus', () => {
  it('calls the listeners of an event in subscription order, with its payload, and only those', () => {
    const { logger } = recordingLogger();
    const bus = new EventBus<TestEvents>(logger);
    const seen: string[] = [];
    bus.on('loggedIn', (e) => void seen.push(`first ${e.userId}`));
    bus.on('loggedIn', (e) => void seen.push(`second ${e.userId}`));
    bus.on('loggedOut', (e) => void seen.push(`out ${e.userId}`));
    bus.emit('loggedIn', { userId: 3 });
    expect(seen).to.deep.equal(['first 3', 'second 3']);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const { logger } = recordingLogger();
    const bus = new EventBus<TestEvents>(logger);
    let calls = 0;
    const off = bus.on('loggedIn', () => {
      calls++;
    });
    bus.emit('loggedIn', { userId: 1 });
    off();
    bus.emit('loggedIn', { userId: 1 });
    expect(calls).to.equal(1);
    expect(bus.has('loggedIn')).to.equal(false);
  });

  it('logs a throwing listener and still calls the others, without throwing to the emitter', () => {
    const { logger, errors } = recordingLogger();
    const bus = new EventBus<TestEvents>(logger);
    let reached = false;
    bus.on('loggedIn', () => {
      throw new Error('listener broke');
    });
    bus.on('loggedIn', () => void (reached = true));
    expect(() => bus.emit('loggedIn', { userId: 1 })).not.to.throw();
    expect(reached).to.equal(true);
    expect(errors).to.have.length(1);
    expect(errors[0].record.event).to.equal('loggedIn');
  });

  it('logs a rejecting listener; emitAndWait waits for every listener to settle', async () => {
    const { logger, errors } = recordingLogger();
    const bus = new EventBus<TestEvents>(logger);
    const order: string[] = [];
    bus.on('loggedOut', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push('slow');
    });
    bus.on('loggedOut', async () => {
      throw new Error('rejected');
    });
    await bus.emitAndWait('loggedOut', { userId: 2 });
    order.push('after');
    expect(order).to.deep.equal(['slow', 'after']);
    expect(errors).to.have.length(1);
  });
});
