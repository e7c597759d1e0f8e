// GroupCommit on its own: what arrives during a commit goes into the next one, groups are bounded,
// and a failed group is split so each member gets its own outcome.
import { expect } from 'chai';
import { GroupCommit } from '../../src/registry/group-commit';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('GroupCommit', () => {
  /** Work that records each group and holds the first transaction until `release` is called. */
  const recorder = (fail: (item: number) => boolean = () => false) => {
    const groups: number[][] = [];
    const alone: number[] = [];
    const first = deferred();
    let held = false;
    const hold = async () => {
      if (held) return;
      held = true;
      await first.promise;
    };
    const group = new GroupCommit<number, string>(
      {
        runGroup: async (items) => {
          groups.push([...items]);
          await hold();
          if (items.some(fail)) throw new Error('the group failed');
          return items.map((item) => `group:${item}`);
        },
        runAlone: async (item) => {
          alone.push(item);
          await hold();
          if (fail(item)) throw new Error(`item ${item} failed`);
          return `alone:${item}`;
        },
      },
      3,
    );
    return { group, groups, alone, release: first.resolve };
  };

  it('commits what arrives while a transaction runs in the next one, at most maxGroup at a time', async () => {
    const { group, groups, alone, release } = recorder();
    const first = group.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [1, 2, 3, 4, 5, 6, 7].map((item) => group.submit(item));
    expect(group.stats.queued).to.equal(7);
    release();
    expect(await first).to.equal('alone:0');
    expect(await Promise.all(rest)).to.deep.equal(['group:1', 'group:2', 'group:3', 'group:4', 'group:5', 'group:6', 'alone:7']);
    expect(alone).to.deep.equal([0, 7]);
    expect(groups).to.deep.equal([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(group.stats).to.deep.equal({ members: 8, transactions: 4, largest: 3, split: 0, queued: 0 });
  });

  it('runs the members of a failed group alone: the failing one gets its own error, the others their results', async () => {
    const { group, groups, alone, release } = recorder((item) => item === 2);
    const first = group.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const outcomes = [1, 2, 3].map((item) =>
      group.submit(item).then(
        (result) => result,
        (error: unknown) => (error as Error).message,
      ),
    );
    release();
    await first;
    expect(await Promise.all(outcomes)).to.deep.equal(['alone:1', 'item 2 failed', 'alone:3']);
    expect(groups).to.deep.equal([[1, 2, 3]]);
    expect(alone).to.deep.equal([0, 1, 2, 3]);
    expect(group.stats).to.include({ split: 1, transactions: 5, members: 4 });
  });

  it('drains: waits for every item submitted, including those submitted while draining', async () => {
    const { group, release } = recorder();
    const settled: number[] = [];
    void group.submit(1).then(() => settled.push(1));
    const drained = group.drain().then(() => settled.push(0));
    void group.submit(2).then(() => settled.push(2));
    release();
    await drained;
    expect(settled).to.deep.equal([1, 2, 0]);
  });

  it('refuses a group size below 1', () => {
    expect(() => new GroupCommit({ runGroup: async () => [], runAlone: async () => 0 }, 0)).to.throw('a group size of at least 1');
  });
});
