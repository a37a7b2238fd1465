/* Calls process_madvise(2) with short and long iovec vectors so the strace
 * format of each is known (tests/traces/pmadvise/).  Build: gcc -O0 -o pmadvise pmadvise.c
 *
 * 1. self: pidfd_open(getpid()), then process_madvise with a 4-entry vector
 *    (MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED, and MADV_DONTNEED which older kernels
 *    refuse with EINVAL), a 1024-entry vector (UIO_MAXIOV, accepted), a 2000-entry
 *    vector (over UIO_MAXIOV: EINVAL), a vector with an unaligned base (EINVAL),
 *    flags != 0 (EINVAL), an unknown advice number, and an empty vector.
 * 2. remote: fork a child that maps memory and waits on a pipe; the parent
 *    pidfd_opens it and process_madvises the child's pages (the child's address
 *    is passed through the pipe), then kills it with SIGKILL.
 * 3. a bad pidfd (EBADF) and a pidfd_open of a pid that does not exist (ESRCH).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static long pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static long pmadv(int pidfd, const struct iovec *iov, size_t n, int advice, unsigned flags)
{
    return syscall(SYS_process_madvise, pidfd, iov, n, advice, flags);
}
static void report(const char *what, long r) { printf("%-28s = %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : ""); }

int main(void)
{
    const long pg = sysconf(_SC_PAGESIZE);
    const size_t npages = 4096;
    char *buf = mmap(NULL, npages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) { perror("mmap"); return 1; }
    memset(buf, 1, npages * pg);

    int self = (int)pidfd_open(getpid(), 0);
    report("pidfd_open(self)", self);

    struct iovec four[4];
    for (int i = 0; i < 4; i++) { four[i].iov_base = buf + (size_t)i * 2 * pg; four[i].iov_len = pg; }
    report("4 x COLD", pmadv(self, four, 4, MADV_COLD, 0));
    report("4 x PAGEOUT", pmadv(self, four, 4, MADV_PAGEOUT, 0));
    report("4 x WILLNEED", pmadv(self, four, 4, MADV_WILLNEED, 0));
    report("4 x DONTNEED", pmadv(self, four, 4, MADV_DONTNEED, 0));

    struct iovec *many = calloc(2000, sizeof *many);
    for (int i = 0; i < 2000; i++) { many[i].iov_base = buf + (size_t)i * 2 * pg; many[i].iov_len = pg; }
    report("1024 x COLD", pmadv(self, many, 1024, MADV_COLD, 0));
    report("2000 x COLD", pmadv(self, many, 2000, MADV_COLD, 0));

    struct iovec odd[2] = { { buf + 100, pg }, { buf + 8 * pg, 3 * pg } };
    report("unaligned base", pmadv(self, odd, 2, MADV_COLD, 0));
    report("flags=1", pmadv(self, four, 4, MADV_COLD, 1));
    report("advice 77", pmadv(self, four, 4, 77, 0));
    report("empty vector", pmadv(self, four, 0, MADV_COLD, 0));
    struct iovec mixed[3] = { { buf, pg }, { NULL, 0 }, { buf + 16 * pg, 16 * pg } };
    report("with a zero-length entry", pmadv(self, mixed, 3, MADV_PAGEOUT, 0));

    /* remote target */
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 1; }
    pid_t child = fork();
    if (child == 0) {
        char *cbuf = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(cbuf, 2, 64 * pg);
        if (write(p[1], &cbuf, sizeof cbuf) != sizeof cbuf) _exit(2);
        for (;;) pause();
    }
    char *caddr;
    if (read(p[0], &caddr, sizeof caddr) != sizeof caddr) { perror("read"); return 1; }
    int cfd = (int)pidfd_open(child, 0);
    report("pidfd_open(child)", cfd);
    struct iovec r[2] = { { caddr, 8 * pg }, { caddr + 32 * pg, 8 * pg } };
    report("child COLD", pmadv(cfd, r, 2, MADV_COLD, 0));
    report("child PAGEOUT", pmadv(cfd, r, 2, MADV_PAGEOUT, 0));
    report("child DONTNEED (refused)", pmadv(cfd, r, 2, MADV_DONTNEED, 0));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    report("child gone: COLD", pmadv(cfd, r, 2, MADV_COLD, 0));

    report("bad pidfd", pmadv(999, four, 4, MADV_COLD, 0));
    report("pidfd_open(no such pid)", pidfd_open(4194303, 0));
    return 0;
}
