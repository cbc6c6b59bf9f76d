import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { FAULT_NAMES, FAULTS, faultHelp, parseFaults } from './faults.js';

/** The usage error parseFaults throws for these values (fails the test when it throws none). */
function usageError(values: string[]): WatchmarkError {
  try {
    parseFaults(values);
  } catch (err) {
    expect(err).toBeInstanceOf(WatchmarkError);
    expect((err as WatchmarkError).code).toBe('WM_USAGE');
    expect((err as WatchmarkError).message).not.toContain('\n');
    return err as WatchmarkError;
  }
  throw new Error(`parseFaults(${JSON.stringify(values)}) accepted them`);
}

describe('parseFaults', () => {
  const good: Array<[string, number]> = [
    ['strip-end-bookmark', 0],
    ['delay-end-bookmark=30s', 30_000],
    ['strip-bookmarks', 0],
    ['delay-bookmarks=500ms', 500],
    ['drop-annotation', 0],
    ['ignore-send-initial-events', 0],
    ['reset-after=2s', 2000],
    ['stall-after=1m', 60_000],
    ['close-after=1500ms', 1500],
    ['slow=2Ki', 2048],
    ['split-frames', 0],
    ['corrupt-frame=3', 3],
    ['drop-events=0.5', 0.5],
    ['duplicate-events=.25', 0.25],
    ['reorder-window=4', 4],
    ['rewind-rv', 0],
    ['answer-410', 0],
    ['answer-status=503', 503],
  ];

  it('covers every fault in the registry with a good value', () => {
    expect(good.map(([text]) => text.split('=')[0]).sort()).toEqual([...FAULT_NAMES].sort());
  });

  it.each(good)('parses %s', (text, value) => {
    expect(parseFaults([text])).toEqual([{ name: text.split('=')[0], value, text }]);
  });

  it('takes repeated and comma-separated values, trimming blanks', () => {
    expect(parseFaults(['strip-end-bookmark, slow=512', 'split-frames,']).map((f) => [f.name, f.value])).toEqual([
      ['strip-end-bookmark', 0],
      ['slow', 512],
      ['split-frames', 0],
    ]);
    expect(parseFaults([])).toEqual([]);
  });

  it('reads a rate given per second (2Ki/s, 2KiB/s) and a status or fraction at its bounds', () => {
    expect(parseFaults(['slow=2Ki/s'])[0]!.value).toBe(2048);
    expect(parseFaults(['slow=2KiB/s'])[0]!.value).toBe(2048);
    expect(parseFaults(['answer-status=400'])[0]!.value).toBe(400);
    expect(parseFaults(['answer-status=599'])[0]!.value).toBe(599);
    expect(parseFaults(['drop-events=0'])[0]!.value).toBe(0);
    expect(parseFaults(['drop-events=1'])[0]!.value).toBe(1);
    expect(parseFaults(['reorder-window=1'])[0]!.value).toBe(1);
  });

  it('refuses an unknown fault, naming it and listing the faults', () => {
    const err = usageError(['strip-end-bookmarks']);
    expect(err.message).toContain('"strip-end-bookmarks"');
    for (const name of FAULT_NAMES) expect(err.message).toContain(name);
  });

  it.each([
    ['delay-end-bookmark', 'needs a value'],
    ['delay-end-bookmark=', 'needs a value'],
    ['slow', 'needs a value'],
    ['corrupt-frame', 'needs a value'],
    ['drop-events', 'needs a value'],
    ['answer-status', 'needs a value'],
  ])('refuses %s without its value (%s)', (text, why) => {
    const err = usageError([text]);
    expect(err.message).toContain(`"${text}"`);
    expect(err.message).toContain(why);
  });

  it.each(['strip-end-bookmark=1', 'split-frames=yes', 'rewind-rv=2', 'answer-410=410'])('refuses a value on %s, which takes none', (text) => {
    const err = usageError([text]);
    expect(err.message).toContain(`"${text}"`);
    expect(err.message).toContain('takes no value');
  });

  it.each([
    ['delay-end-bookmark=soon', 'soon'],
    ['reset-after=-1s', '-1s'],
    ['slow=fast', 'fast'],
    ['slow=0', '0'],
    ['corrupt-frame=0', 'corrupt-frame=0'],
    ['corrupt-frame=1.5', 'corrupt-frame=1.5'],
    ['corrupt-frame=-2', 'corrupt-frame=-2'],
    ['reorder-window=x', 'reorder-window=x'],
    ['drop-events=1.5', 'drop-events=1.5'],
    ['drop-events=-0.1', 'drop-events=-0.1'],
    ['duplicate-events=half', 'duplicate-events=half'],
    ['answer-status=200', 'answer-status=200'],
    ['answer-status=600', 'answer-status=600'],
    ['answer-status=5033', 'answer-status=5033'],
    ['answer-status=abc', 'answer-status=abc'],
  ])('refuses the bad value %s, naming it', (text, named) => {
    expect(usageError([text]).message).toContain(named);
  });

  it('refuses a fault given twice, even with different values', () => {
    expect(usageError(['slow=1Ki', 'slow=2Ki']).message).toBe('--fault slow is given twice');
    expect(usageError(['split-frames,split-frames']).message).toBe('--fault split-frames is given twice');
  });

  it.each([
    [['reset-after=1s', 'stall-after=2s'], 'reset-after and stall-after cannot be combined'],
    [['close-after=1s', 'reset-after=2s'], 'reset-after and close-after cannot be combined'],
    [['stall-after=1s', 'close-after=2s'], 'stall-after and close-after cannot be combined'],
    [['strip-bookmarks', 'strip-end-bookmark'], 'strip-bookmarks already drops every bookmark'],
    [['strip-bookmarks', 'delay-end-bookmark=1s'], 'strip-bookmarks already drops every bookmark'],
    [['strip-bookmarks', 'drop-annotation'], 'strip-bookmarks already drops every bookmark'],
    [['strip-bookmarks', 'delay-bookmarks=1s'], 'strip-bookmarks already drops every bookmark'],
    [['strip-end-bookmark', 'delay-end-bookmark=1s'], 'strip-end-bookmark drops the end bookmark'],
    [['strip-end-bookmark', 'drop-annotation'], 'strip-end-bookmark drops the end bookmark'],
  ])('refuses the combination %j', (values, message) => {
    expect(usageError(values).message).toContain(message);
  });

  it('allows the combinations that make sense together', () => {
    expect(parseFaults(['drop-annotation', 'delay-end-bookmark=1s', 'delay-bookmarks=2s', 'slow=1Ki', 'split-frames', 'reset-after=5s']).length).toBe(6);
    expect(parseFaults(['strip-end-bookmark', 'delay-bookmarks=1s']).length).toBe(2);
  });

  it('faultHelp names every fault with the shape of its value', () => {
    const help = faultHelp();
    for (const f of FAULTS) expect(help).toContain(f.name);
    expect(help).toContain('delay-end-bookmark=D');
    expect(help).toContain('answer-status=CODE');
    expect(help).not.toContain('strip-end-bookmark=');
  });
});
