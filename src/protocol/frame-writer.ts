/**
 * Writes text frames to a `ws` socket, coalescing every frame sent in one
 * tick into one socket write: the underlying TCP socket is corked on the
 * first frame and uncorked on the next tick. A burst of `job` frames (or of
 * `done` frames) then costs one `writev` system call instead of one each,
 * which is most of the gateway's CPU at high throughput. Frames keep their
 * order; nothing is delayed past the current tick.
 *
 * `flush()` writes what is corked now, for a sender that knows its burst is
 * over: the gateway after handing a batch of jobs to a worker, so the frames
 * leave before the rest of the tick (an HTTP answer being finished, say)
 * runs — on an idle system that is most of enqueue → start.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Sends one serialised frame; `flush()` writes the frames of this tick now. */
export interface FrameWriter {
  (frame: string): void;
  flush(): void;
}

/** A writer for an open `ws` socket (see the file's header). */
export function createFrameWriter(ws: WebSocket): FrameWriter {
  // `_socket` is ws's (long-stable) handle on the net.Socket; without it, frames are simply sent one by one.
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  let corked = false;
  const uncork = (): void => {
    if (!corked) return;
    corked = false;
    socket?.uncork();
  };
  const write = (frame: string): void => {
    if (socket && !corked && typeof socket.cork === 'function') {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    ws.send(frame);
  };
  return Object.assign(write, { flush: uncork });
}
