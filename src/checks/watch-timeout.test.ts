import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { watchTimeout } from './watch-timeout.js';

const check = (...streams: Parameters<typeof runOf>) => watchTimeout.run(runOf(...streams), DEFAULT_CHECK_PARAMS);
const TEN_S = { timeoutSeconds: 10 };

describe('watch.timeout', () => {
  it('passes a watch the server ends at timeoutSeconds, and one watchmark closed before its deadline', () => {
    const result = check(
      plainWatchStream('a', '100', TEN_S).response(5).added(10, 'a', '101').close(10_006, 'server-eof'),
      plainWatchStream('b', '100', { timeoutSeconds: 300 }).response(5).close(16_000, 'client-abort'),
    );
    expect(result.status).toBe('pass');
  });

  it('fails a watch still open past its deadline plus slack', () => {
    const aborted = check(plainWatchStream('a', '100', TEN_S).response(5).close(16_000, 'client-abort'));
    expect(aborted.status).toBe('fail');
    expect(aborted.findings[0]?.evidence).toMatchObject({ timeoutSeconds: 10, closeReason: 'client-abort' });
    const neverClosed = run().stream(plainWatchStream('a', '100', TEN_S).response(5)).endedAt(20_000).build();
    expect(watchTimeout.run(neverClosed, DEFAULT_CHECK_PARAMS).status).toBe('fail');
    const withinSlack = check(plainWatchStream('a', '100', TEN_S).response(5).close(14_000, 'client-abort'));
    expect(withinSlack.status).toBe('pass');
  });

  it('warns on a very short watch, naming the watch-list fallback', () => {
    const plain = check(plainWatchStream('a', '100', TEN_S).response(5).close(300, 'server-eof'));
    expect(plain.status).toBe('warn');
    expect(plain.findings[0]?.message).toContain('Warning: watch ended with error');
    const watchList = check(watchListStream().response(5).close(300, 'reset'));
    expect(watchList.status).toBe('warn');
    expect(watchList.findings[0]?.message).toContain('falls back to LIST');
  });

  it('does not count a short watch that delivered a bookmark', () => {
    expect(check(plainWatchStream('a', '100', TEN_S).response(5).bookmark(100, '100').close(300, 'server-eof')).status).toBe('pass');
  });

  it('skips when nothing had timeoutSeconds or closed early', () => {
    const result = check(plainWatchStream('a', '100', { timeoutSeconds: undefined }).response(5).close(30_000, 'client-abort'));
    expect(result.status).toBe('skip');
  });
});
