/* Exercises every syscall in the strace filter of `madv replay` (and the odd
 * flag, error and process-lifecycle shapes) so tests/traces/syscalls/ holds one
 * real example of each line shape.  Build: gcc -O0 -pthread -o edge edge.c
 * Run it as the program itself (no arguments); it re-executes itself twice:
 *   stage 1 (no argument): memory calls of every kind, signals, fork/vfork/
 *            posix_spawn/threads, children that exit, are killed and crash,
 *            then execve(self, "stage2") from the main thread;
 *   stage 2: a small mmap/madvise, then a second thread calls
 *            execve(self, "stage3") while the main thread waits (strace prints
 *            "+++ superseded by execve in pid N +++");
 *   stage 3: mmap/munmap and exit_group(7).
 * `edge detach` is for an attach/detach test: it blocks in vfork() for 2 s (the
 * child sleeps), during which `strace -p` attaches, then populates a large private
 * mapping with madvise(MADV_POPULATE_WRITE) several times (seconds of work), during
 * which strace is stopped with SIGTERM, leaving a "madvise(... <detached ...>" line.
 * `edge vforkhang` sleeps 1 s, then blocks in vfork() for 3 s: a `strace -p -f`
 * attached before the vfork traces the child too, and if it is then told to detach
 * (SIGTERM) during the vfork, strace 6.1 hangs until it is killed, leaving the log
 * ending with an unterminated "vfork(".
 * Nothing here needs privileges beyond what root has; calls that need hardware
 * or configuration this machine may lack (hugetlb pages, protection keys,
 * NUMA) simply fail and the failure is part of the trace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x3
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#define MADV_COLD_ 20
#define MADV_PAGEOUT_ 21
#define MADV_POPULATE_READ_ 22
#define MADV_POPULATE_WRITE_ 23
#define MADV_DONTNEED_LOCKED_ 24
#define MADV_COLLAPSE_ 25
#define MADV_GUARD_INSTALL_ 102   /* Linux 6.13; unknown to strace 6.1 */
#define MADV_GUARD_REMOVE_ 103
#define SYS_mseal_ 462             /* Linux 6.10; not in strace 6.1's %memory */

static long pg;
static sigjmp_buf jb;
static char *fault_page;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    if (fault_page && (char *)si->si_addr >= fault_page && (char *)si->si_addr < fault_page + pg) {
        mprotect(fault_page, pg, PROT_READ | PROT_WRITE);   /* the GC write-barrier pattern */
        fault_page = NULL;
        return;
    }
    siglongjmp(jb, 1);
}

static void *thread_body(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        char *p = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        madvise(p, 64 * pg, MADV_DONTNEED);
        munmap(p, 64 * pg);
    }
    return NULL;
}

static void memory_calls(const char *self)
{
    (void)self;
    /* brk */
    void *b0 = sbrk(0);
    sbrk(256 * pg);
    sbrk(-128 * pg);
    (void)b0;

    /* mmap flag and prot variety */
    char *a = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 1, 64 * pg);
    char *hint = mmap((void *)0x200000000000UL, 4 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmap((void *)0x300000000000UL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    mmap((void *)0x300000000000UL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0); /* EEXIST */
    mmap(hint + pg, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);    /* over an existing one */
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_UNINITIALIZED, -1, 0);
    char *shanon = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
    mmap(NULL, 16 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | 0x40000000, -1, 0);      /* an unknown flag bit */
    mmap(NULL, 16 * pg, PROT_READ | 0x40, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);             /* an unknown prot bit */
    mmap(NULL, 16 * pg, PROT_READ | 0x8 /* PROT_SEM */, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);                           /* EINVAL */
    mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 987, 0);                                         /* EBADF */
    mmap(NULL, 1UL << 47, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);      /* ENOMEM */
    mmap(NULL, pg, PROT_READ, 0, -1, 0);                                                    /* no type: EINVAL */

    /* file mappings */
    char path[] = "/tmp/edge-XXXXXX";
    int fd = mkstemp(path);
    if (ftruncate(fd, 64 * pg) != 0) perror("ftruncate");
    char *f = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    mmap(NULL, 16 * pg, PROT_READ, MAP_PRIVATE, fd, 8 * pg);                               /* nonzero offset */
    mmap(NULL, 16 * pg, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);                  /* EOPNOTSUPP */
    f[0] = 'x';
    msync(f, 64 * pg, MS_ASYNC);
    msync(f, 64 * pg, MS_SYNC | MS_INVALIDATE);
    msync(f + 1, pg, MS_SYNC);                                                              /* EINVAL */
    syscall(SYS_remap_file_pages, f, 4 * pg, 0, 8, 0);                                     /* deprecated, emulated */

    /* mprotect, pkey_mprotect */
    mprotect(a, 4 * pg, PROT_READ);
    mprotect(a + 4 * pg, 4 * pg, PROT_NONE);
    mprotect(a + 8 * pg, 4 * pg, PROT_READ | PROT_WRITE | PROT_EXEC);
    mprotect(a, 4 * pg, PROT_READ | PROT_WRITE | PROT_GROWSDOWN);                          /* EINVAL here */
    mprotect(a + 1, pg, PROT_READ);                                                         /* EINVAL */
    mprotect((void *)0x10000, pg, PROT_READ);                                               /* ENOMEM */
    syscall(SYS_pkey_mprotect, a, 4 * pg, PROT_READ | PROT_WRITE, -1);
    int pkey = (int)syscall(SYS_pkey_alloc, 0, 0);                                          /* may fail without PKU */
    syscall(SYS_pkey_mprotect, a, 4 * pg, PROT_READ | PROT_WRITE, pkey >= 0 ? pkey : 5);
    if (pkey >= 0) syscall(SYS_pkey_free, pkey);

    /* madvise: every advice Linux knows, plus unknown ones and error cases */
    static const int advs[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
        MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE,
        MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
        MADV_COLD_, MADV_PAGEOUT_, MADV_POPULATE_READ_, MADV_POPULATE_WRITE_, MADV_DONTNEED_LOCKED_,
        MADV_COLLAPSE_, MADV_GUARD_INSTALL_, MADV_GUARD_REMOVE_, 5, 7, 26, 200 };
    mprotect(a, 64 * pg, PROT_READ | PROT_WRITE);
    for (size_t i = 0; i < sizeof advs / sizeof advs[0]; i++)
        madvise(a + 16 * pg, 16 * pg, advs[i]);
    madvise(shanon, 16 * pg, MADV_REMOVE);                                                  /* shmem: punches a hole */
    madvise(f, 16 * pg, MADV_REMOVE);
    madvise(f, 16 * pg, MADV_PAGEOUT_);
    madvise(a + 1, pg, MADV_DONTNEED);                                                      /* EINVAL */
    madvise(a, 0, MADV_DONTNEED);                                                           /* len 0: 0 */
    madvise((void *)0x10000, pg, MADV_DONTNEED);                                            /* ENOMEM */
    madvise(NULL, pg, MADV_NORMAL);                                                         /* ENOMEM, NULL addr */
    madvise(a + 60 * pg, 8 * pg, MADV_WILLNEED);                                            /* runs off the end: ENOMEM */

    /* guard pages and a handled SIGSEGV */
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (madvise(a + 32 * pg, pg, MADV_GUARD_INSTALL_) == 0 && sigsetjmp(jb, 1) == 0)
        a[32 * pg] = 1;                                                                     /* SIGSEGV (guard) */
    madvise(a + 32 * pg, pg, MADV_GUARD_REMOVE_);
    fault_page = a + 40 * pg;
    mprotect(fault_page, pg, PROT_READ);
    fault_page[0] = 2;                                                                      /* SIGSEGV, handler mprotects */

    /* mremap */
    char *r = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r[0] = 1;
    r = mremap(r, 8 * pg, 16 * pg, MREMAP_MAYMOVE);
    r = mremap(r, 16 * pg, 4 * pg, 0);                                                      /* shrink in place */
    char *tgt = mmap(NULL, 32 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = mremap(r, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, tgt + 8 * pg);
    mremap(r, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    mremap(r, 4 * pg, 64 * pg, 0);                                                          /* cannot grow in place: ENOMEM */
    mremap(shanon, 0, 4 * pg, MREMAP_MAYMOVE);                                              /* old_size 0 duplicates shmem */
    mremap(r + 1, pg, pg, 0);                                                               /* EINVAL */

    /* mlock family, mincore */
    mlock(a, 8 * pg);
    madvise(a, 8 * pg, MADV_DONTNEED);                                                      /* EINVAL on locked */
    madvise(a, 8 * pg, MADV_DONTNEED_LOCKED_);
    munlock(a, 8 * pg);
    syscall(SYS_mlock2, a, 8 * pg, MLOCK_ONFAULT);
    munlock(a, 8 * pg);
    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
    char *locked = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munlockall();
    mlockall(0x100);                                                                         /* EINVAL, unknown bit */
    unsigned char vec[80];
    madvise(a + 16 * pg, 16 * pg, MADV_DONTNEED);
    mincore(a, 64 * pg, vec);
    mincore(a, 2 * pg, vec);
    mincore((void *)0x10000, pg, vec);                                                      /* ENOMEM */
    (void)locked;

    /* NUMA policy calls (all in %memory) */
    unsigned long node0 = 1;
    syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0);
    syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0);
    syscall(SYS_mbind, a, 16 * pg, 1 /* MPOL_PREFERRED */, &node0, 8 * sizeof node0, 0);
    syscall(SYS_migrate_pages, 0, 8 * sizeof node0, &node0, &node0);
    void *pages[2] = { a, a + pg }; int status[2];
    syscall(SYS_move_pages, 0, 2, pages, NULL, status, 0);

    /* System V shared memory and AIO rings are mappings too */
    int shmid = shmget(IPC_PRIVATE, 8 * pg, IPC_CREAT | 0600);
    char *shm = shmat(shmid, NULL, 0);
    shmat(shmid, NULL, SHM_RDONLY);
    shmdt(shm);
    shmctl(shmid, IPC_RMID, NULL);
    aio_context_t ctx = 0;
    syscall(SYS_io_setup, 16, &ctx);
    syscall(SYS_io_destroy, ctx);

    /* mseal (not traced by strace 6.1): the later munmap fails with EPERM */
    char *sealed = mmap(NULL, 4 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    syscall(SYS_mseal_, sealed, 4 * pg, 0);
    munmap(sealed, 4 * pg);
    mprotect(sealed, 4 * pg, PROT_READ | PROT_WRITE);

    munmap(f, 64 * pg);
    munmap(a + 1, pg);                                                                      /* EINVAL */
    munmap((void *)0x10000, pg);                                                            /* unmapped: 0 */
    munmap(a, 64 * pg);
    close(fd); unlink(path);
}

static void processes(const char *self)
{
    /* a thread that maps and unmaps, next to a main thread doing the same */
    pthread_t t1, t2;
    pthread_create(&t1, NULL, thread_body, NULL);
    pthread_create(&t2, NULL, thread_body, NULL);
    thread_body(NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);

    /* fork: the child inherits a WIPEONFORK and a DONTFORK region and exits 3 */
    char *w = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *d = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    w[0] = d[0] = 1;
    madvise(w, 4 * pg, MADV_WIPEONFORK);
    madvise(d, 4 * pg, MADV_DONTFORK);
    pid_t c = fork();
    if (c == 0) {
        madvise(w, 4 * pg, MADV_DONTNEED);
        madvise(d, 4 * pg, MADV_DONTNEED);                                                  /* ENOMEM: not inherited */
        _exit(3);
    }
    waitpid(c, NULL, 0);

    /* vfork + a failing and a successful execve */
    c = vfork();
    if (c == 0) {
        char *argv[] = { "true", NULL };
        execve("/nonexistent/true", argv, NULL);
        execve("/bin/true", argv, NULL);
        _exit(127);
    }
    waitpid(c, NULL, 0);

    /* posix_spawn: glibc uses clone3(CLONE_VM|CLONE_VFORK) */
    pid_t sp;
    char *sargv[] = { "true", NULL };
    posix_spawn(&sp, "/bin/true", NULL, NULL, sargv, NULL);
    waitpid(sp, NULL, 0);

    /* a child killed by SIGKILL while blocked, one that dies of SIGSEGV */
    c = fork();
    if (c == 0) { pause(); _exit(0); }
    usleep(20000);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        struct rlimit rl = { 0, 0 };
        setrlimit(RLIMIT_CORE, &rl);
        signal(SIGSEGV, SIG_DFL);
        char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ro[0] = 1;
        _exit(0);
    }
    waitpid(c, NULL, 0);
    (void)self;
}

static void *exec_from_thread(void *arg)
{
    const char *self = arg;
    char *argv[] = { (char *)self, "stage3", NULL };
    usleep(20000);
    execv(self, argv);
    return NULL;
}

int main(int argc, char **argv)
{
    pg = sysconf(_SC_PAGESIZE);
    const char *self = "/proc/self/exe";
    char exe[4096];
    ssize_t n = readlink(self, exe, sizeof exe - 1);
    if (n > 0) { exe[n] = 0; self = exe; }

    if (argc > 1 && strcmp(argv[1], "vforkhang") == 0) {
        char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        sleep(1);
        madvise(p, 8 * pg, MADV_DONTNEED);
        pid_t c = vfork();
        if (c == 0) { sleep(3); _exit(0); }
        waitpid(c, NULL, 0);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "detach") == 0) {
        char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, 8 * pg, MADV_DONTNEED);
        pid_t c = vfork();
        if (c == 0) { sleep(2); _exit(0); }
        waitpid(c, NULL, 0);
        madvise(p, 8 * pg, MADV_DONTNEED);
        size_t big = 2UL << 30;
        char *q = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < 8; i++) {
            madvise(q, big, MADV_POPULATE_WRITE_);
            madvise(q, big, MADV_DONTNEED);
        }
        munmap(q, big);
        munmap(p, 8 * pg);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "stage3") == 0) {
        char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, 8 * pg, MADV_DONTNEED);
        munmap(p, 8 * pg);
        syscall(SYS_exit_group, 7);
    }
    if (argc > 1 && strcmp(argv[1], "stage2") == 0) {
        char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, 8 * pg, MADV_FREE);
        pthread_t t;
        pthread_create(&t, NULL, exec_from_thread, (void *)self);
        for (;;) pause();
    }
    memory_calls(self);
    processes(self);
    char *argv2[] = { (char *)self, "stage2", NULL };
    execv(self, argv2);
    return 1;
}
