import { describe, expect, it } from 'vitest';
import { plainWatchStream } from '../../test/support/timeline-builder.js';
import { deadlineBookmarkOf, serverDeadlineClose } from './deadline-bookmark.js';

describe('serverDeadlineClose / deadlineBookmarkOf', () => {
  it('recognises a server close at timeoutSeconds and the bookmark shortly before it', () => {
    const s = plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).bookmark(3_000, '101').bookmark(8_000, '101').close(10_004).build();
    expect(serverDeadlineClose(s)?.deadlineMs).toBe(10_005);
    expect(deadlineBookmarkOf(s, 5_000)?.atMs).toBe(8_000);
    expect(serverDeadlineClose(plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).close(8_000).build())).toBeUndefined();
    expect(serverDeadlineClose(plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).close(10_004, 'client-abort').build())).toBeUndefined();
  });
});
