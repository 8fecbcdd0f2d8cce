"""gunicorn's threaded worker, taking a new connection only while one of its threads is free.

gunicorn's ``gthread`` worker accepts every connection it can (up to ``worker_connections``, 1,000), busy or not.
All workers wait on the one listening socket and the kernel wakes whichever it likes, so a worker whose threads are
all serving requests still takes the next connection, and that connection's requests queue behind the others in the
worker's own pool while another worker idles (gunicorn issues #908 and #3433). Keep-alive connections then stay
where they landed: eight clients on two workers were seen split 6/2 and 7/1, never 4/4, and the busier worker's
queue set the transitions' p95 (bench/scale.py).

This worker stops listening while as many requests are in hand (running or queued for its threads) as it has
threads, and listens again when one is done. A connection meanwhile waits in the kernel's backlog and goes to the
first worker with a free thread, or to this one when its thread frees. Nothing waits longer than it would have in
the worker's own queue, and requests on the connections a worker already holds are served as before.

The limit is soft: a listening socket that became readable in the same wait as the request that filled the threads
is still accepted from, one connection more at most. Kept so on purpose: a strict limit would let busy keep-alive
clients on every worker hold new connections in the backlog for as long as they keep sending.

Imported by gunicorn's configuration (``worker_class``), in the worker process: nothing of Django here.
"""

from gunicorn.workers.gthread import ThreadWorker


class FreeThreadWorker(ThreadWorker):
    """``gthread`` that accepts only while a thread is free (see the module's docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Requests handed to the thread pool and not yet finished. Changed only on the worker's main thread: the
        # pool's threads report back through gunicorn's method queue (finish_request runs there).
        self.in_hand = 0

    def set_accept_enabled(self, enabled: bool) -> None:
        # gunicorn's loop asks for accepting whenever it is below worker_connections; a busy worker declines.
        super().set_accept_enabled(enabled and self.in_hand < self.cfg.threads)

    def enqueue_req(self, conn) -> None:
        super().enqueue_req(conn)  # its finish_request comes later, through the method queue, on this thread
        self.in_hand += 1  # only once the pool took it: a pool shut down (SIGQUIT) raises, and counts nothing
        if self.in_hand >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn, fs) -> None:
        self.in_hand -= 1
        super().finish_request(conn, fs)
