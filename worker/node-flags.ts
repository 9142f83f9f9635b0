// Node flags and environment for a worker in a process of its own: docker-compose.yml's
// svodka-worker passes the same ones, and the bench and the fault tests start their workers with them.
//
// The V8 flag applies to each isolate, the main thread's and the workflow thread's alike. Without
// it V8 let each heap grow to several times what it kept alive: at 2,000 municipalities the main
// heap held 93 MB alive in 315 MB, and the worker peaked at 0.9 GB (1.4 GB at 20,000). With a
// ceiling V8 collects sooner. 384 MB leaves room for a 20,000-event report rendered on the main
// thread and for a national quarter's groups held in the workflow thread's cache.
export const WORKER_NODE_FLAGS = ['--max-old-space-size=384'];

/**
 * Environment for a worker in a process of its own. glibc gives each thread that allocates its own
 * malloc arena (up to eight per core) and keeps what is freed in each; the SDK's Rust core, libuv's
 * pool and the workflow thread all allocate. With two arenas a 20,000 quarter's worker peaked at
 * 880 MB instead of 1,041 MB, and ran no slower (final DOCX at 1,884 s against 1,970 s).
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;
