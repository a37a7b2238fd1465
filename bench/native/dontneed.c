/*
 * MADV_DONTNEED over 256 MiB in 4 KiB units, from C: the reference the .NET bindings and the
 * advice batcher are compared with (bench/native/compare.py runs everything in one go).
 *
 * Built two ways from this one file:
 *
 *   gcc -O2 -o dontneed dontneed.c                      a program, the C side of the comparison
 *   gcc -O2 -shared -fPIC -DDONTNEED_LIBRARY -o libdontneed.so dontneed.c
 *                                                       the same loops for the .NET twin to call
 *                                                       in its own process (modes c:...), so C
 *                                                       and .NET run with the same threads, the
 *                                                       same mm and the same moment's noise
 *
 * The .NET twin is bench/Madvise.Bench/Host/DontNeedLoop.cs; both take the same arguments and
 * print the same lines, so keep them in step:
 *
 *   dontneed RUNS MODE...
 *
 * madvise     one madvise() per 4 KiB page
 * whole       one madvise() over the whole 256 MiB
 * pm:N        process_madvise() on a pidfd of this process, N pages (iovecs) per call
 * pm-alt:N    the same over every other page only (32768 separate ranges)
 * empty-MODE  MODE on a buffer with no pages (nothing to free): the calls' fixed cost, where
 *             the price of crossing into native code shows most
 *
 * Every measured pass starts from the same state (untimed): the whole buffer dropped, then
 * (except for the empty- modes) every page faulted in again with MADV_POPULATE_WRITE, so no
 * pass inherits the page layout the previous mode left. One untimed warm-up pass per mode, then
 * RUNS passes, the modes taken in turn within each run so that drift of the machine spreads over
 * all of them. Output: "MODE NANOSECONDS" lines.
 *
 * The buffer is MADV_NOHUGEPAGE so that every page is a 4 KiB unit whatever the THP setting.
 * process_madvise and pidfd_open go through syscall(2), as the .NET bindings do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

#define PAGE 4096UL

/* madvise(DONTNEED) on each page of [buffer, buffer + size): 0, or the errno of the first failure. */
int dontneed_each(char *buffer, size_t size)
{
	for (size_t off = 0; off < size; off += PAGE)
		if (madvise(buffer + off, PAGE, MADV_DONTNEED))
			return errno;
	return 0;
}

/* madvise(DONTNEED) on the whole of [buffer, buffer + size): 0 or the errno. */
int dontneed_whole(char *buffer, size_t size)
{
	return madvise(buffer, size, MADV_DONTNEED) ? errno : 0;
}

/* process_madvise(DONTNEED) over v[0..count) in calls of vlen iovecs: 0, or the first errno. */
int dontneed_vectors(int pidfd, const struct iovec *v, size_t count, long vlen)
{
	for (size_t i = 0; i < count; i += (size_t)vlen) {
		size_t n = count - i < (size_t)vlen ? count - i : (size_t)vlen;

		if (syscall(SYS_process_madvise, pidfd, &v[i], n, MADV_DONTNEED, 0) < 0)
			return errno;
	}
	return 0;
}

#ifndef DONTNEED_LIBRARY

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define SIZE (256UL << 20)
#define PAGES (SIZE / PAGE)

enum kind { K_MADVISE, K_WHOLE, K_PM, K_PM_ALT };

struct mode {
	const char *name;
	enum kind kind;
	long vlen;
	int empty;
};

static char *buffer;
static int pidfd;
static struct iovec every[PAGES];
static struct iovec alternate[PAGES / 2];

static void die(const char *what, int error)
{
	fprintf(stderr, "dontneed: %s: %s\n", what, strerror(error));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long pass(const struct mode *m)
{
	long long start;
	int error = 0;

	/* Same start for every pass: drop everything, then fault every page in again. */
	if (madvise(buffer, SIZE, MADV_DONTNEED))
		die("drop", errno);
	if (!m->empty && madvise(buffer, SIZE, MADV_POPULATE_WRITE))
		die("populate", errno);
	start = now_ns();
	switch (m->kind) {
	case K_MADVISE:
		error = dontneed_each(buffer, SIZE);
		break;
	case K_WHOLE:
		error = dontneed_whole(buffer, SIZE);
		break;
	case K_PM:
		error = dontneed_vectors(pidfd, every, PAGES, m->vlen);
		break;
	case K_PM_ALT:
		error = dontneed_vectors(pidfd, alternate, PAGES / 2, m->vlen);
		break;
	}
	start = now_ns() - start;
	if (error)
		die(m->name, error);
	return start;
}

static int parse(const char *arg, struct mode *m)
{
	m->name = arg;
	m->vlen = 0;
	m->empty = !strncmp(arg, "empty-", 6);
	if (m->empty)
		arg += 6;
	if (!strcmp(arg, "madvise"))
		m->kind = K_MADVISE;
	else if (!strcmp(arg, "whole"))
		m->kind = K_WHOLE;
	else if (!strncmp(arg, "pm:", 3))
		m->kind = K_PM, m->vlen = atol(arg + 3);
	else if (!strncmp(arg, "pm-alt:", 7))
		m->kind = K_PM_ALT, m->vlen = atol(arg + 7);
	else
		return -1;
	return (m->kind == K_PM || m->kind == K_PM_ALT) && (m->vlen < 1 || m->vlen > 1024) ? -1 : 0;
}

int main(int argc, char **argv)
{
	int runs, count = argc - 2;
	struct mode *modes;

	if (argc < 3 || (runs = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: dontneed RUNS MODE...  ([empty-]madvise | whole | pm:VLEN | pm-alt:VLEN)\n");
		return 2;
	}
	modes = calloc((size_t)count, sizeof(*modes));
	for (int i = 0; i < count; i++)
		if (parse(argv[i + 2], &modes[i])) {
			fprintf(stderr, "dontneed: unknown mode %s\n", argv[i + 2]);
			return 2;
		}

	buffer = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buffer == MAP_FAILED)
		die("mmap", errno);
	if (madvise(buffer, SIZE, MADV_NOHUGEPAGE))
		die("nohugepage", errno);
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		die("pidfd_open", errno);
	for (size_t i = 0; i < PAGES; i++) {
		every[i].iov_base = buffer + i * PAGE;
		every[i].iov_len = PAGE;
	}
	for (size_t i = 0; i < PAGES / 2; i++) {
		alternate[i].iov_base = buffer + 2 * i * PAGE;
		alternate[i].iov_len = PAGE;
	}

	for (int i = 0; i < count; i++)
		pass(&modes[i]);
	for (int r = 0; r < runs; r++)
		for (int i = 0; i < count; i++)
			printf("%s %lld\n", modes[i].name, pass(&modes[i]));
	return 0;
}

#endif
