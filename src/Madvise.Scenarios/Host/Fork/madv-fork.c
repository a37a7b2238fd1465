/*
 * madv-fork.c - the fork server of the scenario host target (libmadv-fork.so).
 *
 * A scenario's `fork NAME` must copy the address space of the task that runs it, and that
 * task is a .NET process (the runner itself for task `self`, or a `madv agent`). A .NET
 * process cannot go on running managed code in a forked child: only the forking thread
 * exists there, while the runtime's state still describes the others (a GC suspension in
 * progress, locks they held, the tiering and finalizer threads). So the child never returns
 * to managed code. madv_fork_serve() forks with a raw clone(2) and, in the child, runs only
 * the code of this file: no C library, no allocation, no locks, no signal handlers, just
 * system calls on memory this file owns (its stack frames and `scratch`). The child serves
 * requests on an inherited socket until told to exit or the socket closes; every decision
 * (which system call, with which arguments) is made by the C# side (ForkServer.cs), so the
 * scenario semantics exist once.
 *
 * Protocol (one request in flight; all fields little-endian, native layout):
 *   hello   child -> runner, once:   i64 pid, u64 scratch address, u64 scratch size
 *   request runner -> child:         u32 op, u32 in_len, u32 out_off, u32 out_len,
 *                                    i64 nr, u64 arg[6], then in_len bytes (copied to scratch)
 *   reply   child -> runner:         i64 result, u32 out_len, u32 fd_count, i32 fd[4],
 *                                    then out_len bytes of scratch from out_off
 *   Descriptors travel as SCM_RIGHTS with the first byte of a request or reply.
 * Ops:
 *   1 SYSCALL  result = syscall(nr, arg[0..5]); pointers may point into scratch
 *   6 READ     as SYSCALL, but the reply carries only the first `result` bytes asked for
 *              (none after an error): for read(2), process_vm_readv(2)
 *   2 TAKE_FDS the descriptors attached to the request stay open here; fd[] = their numbers
 *   3 GIVE_FD  the reply carries descriptor arg[0] (result 0), or result -EBADF
 *   4 FORK     fork again: the attached descriptor is the new child's socket; scratch holds
 *              in_len/4 i32 descriptors the new child keeps; result = pid or -errno
 *   5 EXIT     exit_group(0) without a reply
 * End of file on the socket (or any protocol error) ends the process.
 */

#if !defined(__x86_64__)
#error "libmadv-fork.so supports x86-64 only"
#endif

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;
typedef unsigned long size_t;

/* x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
enum {
	NR_close = 3, NR_rt_sigaction = 13, NR_rt_sigprocmask = 14, NR_sigaltstack = 131,
	NR_getpid = 39, NR_sendmsg = 46, NR_recvmsg = 47, NR_clone = 56, NR_exit_group = 231,
	NR_fcntl = 72, NR_getppid = 110, NR_prctl = 157, NR_set_robust_list = 273,
	NR_close_range = 436,
};

enum { OP_SYSCALL = 1, OP_TAKE_FDS = 2, OP_GIVE_FD = 3, OP_FORK = 4, OP_EXIT = 5, OP_READ = 6 };

enum {
	SIGKILL = 9, SIGPIPE = 13, SIGSTOP = 19, SIGCHLD = 17, NSIG = 64,
	CLONE_PARENT = 0x00008000,
	PR_SET_PDEATHSIG = 1, PR_SET_NAME = 15,
	SIG_SETMASK = 2, SS_DISABLE = 2, F_GETFD = 1,
	SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_NOSIGNAL = 0x4000,
	EBADF = 9, EPROTO = 71,
};

/* Descriptors one message carries, in either direction. */
#define MAX_FDS 4
/* The most descriptors a fork keeps (the list lives on the stack). */
#define MAX_KEEP 1024
/* Request payloads, system call buffers and reply payloads: 1 MiB plus room for headers. */
#define SCRATCH_SIZE ((1u << 20) + (64u << 10))

struct request { u32 op, in_len, out_off, out_len; i64 nr; u64 arg[6]; };
struct reply { i64 result; u32 out_len, fd_count; i32 fd[MAX_FDS]; };
struct hello { i64 pid; u64 scratch, scratch_size; };

struct iovec { void *base; size_t len; };
struct msghdr { void *name; u32 namelen; struct iovec *iov; size_t iovlen; void *control; size_t controllen; i32 flags; };
struct cmsghdr { size_t len; i32 level, type; };
struct kernel_sigaction { void *handler; u64 flags; void *restorer; u64 mask; };
struct stack_t { void *sp; i32 flags; size_t size; };

#define CMSG_SPACE_FDS(n) (sizeof(struct cmsghdr) + (((n) * sizeof(i32) + 7) & ~7ul))

/* The buffer every request works in; in the .so's .bss, so forking adds no mapping. */
static u8 scratch[SCRATCH_SIZE] __attribute__((aligned(4096)));

static i64 sys6(i64 nr, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
{
	register u64 r10 __asm__("r10") = d;
	register u64 r8 __asm__("r8") = e;
	register u64 r9 __asm__("r9") = f;
	i64 ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys0(nr) sys6(nr, 0, 0, 0, 0, 0, 0)
#define sys1(nr, a) sys6(nr, (u64)(a), 0, 0, 0, 0, 0)
#define sys2(nr, a, b) sys6(nr, (u64)(a), (u64)(b), 0, 0, 0, 0)
#define sys3(nr, a, b, c) sys6(nr, (u64)(a), (u64)(b), (u64)(c), 0, 0, 0)
#define sys4(nr, a, b, c, d) sys6(nr, (u64)(a), (u64)(b), (u64)(c), (u64)(d), 0, 0)

static __attribute__((noreturn)) void die(int code)
{
	for (;;)
		sys1(NR_exit_group, code);
}

static void copy(void *to, const void *from, size_t n)
{
	volatile u8 *t = to;
	const u8 *f = from;
	while (n--)
		*t++ = *f++;
}

static void zero(void *to, size_t n)
{
	volatile u8 *t = to;
	while (n--)
		*t++ = 0;
}

/*
 * Receives exactly n bytes; descriptors that come with them are appended to fds (beyond
 * MAX_FDS they are closed). Returns 1, or 0 at end of file / on an error.
 */
static int recv_exact(int sock, void *buf, size_t n, i32 *fds, u32 *nfds)
{
	u8 *p = buf;
	while (n > 0) {
		u64 control[(CMSG_SPACE_FDS(MAX_FDS) + 7) / 8];
		struct iovec iov = { p, n };
		struct msghdr msg;
		zero(&msg, sizeof msg);
		msg.iov = &iov;
		msg.iovlen = 1;
		msg.control = control;
		msg.controllen = sizeof control;
		i64 r = sys3(NR_recvmsg, sock, &msg, 0);
		if (r == -4) /* EINTR */
			continue;
		if (r <= 0)
			return 0;
		if (msg.controllen >= sizeof(struct cmsghdr)) {
			struct cmsghdr *h = (struct cmsghdr *)control;
			if (h->level == SOL_SOCKET && h->type == SCM_RIGHTS) {
				u32 count = (u32)((h->len - sizeof(struct cmsghdr)) / sizeof(i32));
				i32 *got = (i32 *)(h + 1);
				for (u32 i = 0; i < count; i++) {
					if (*nfds < MAX_FDS)
						fds[(*nfds)++] = got[i];
					else
						sys1(NR_close, got[i]);
				}
			}
		}
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* Sends all of buf (with fd attached to the first byte when fd >= 0); 1, or 0 on an error. */
static int send_all(int sock, const void *buf, size_t n, int fd)
{
	const u8 *p = buf;
	while (n > 0) {
		u64 control[(CMSG_SPACE_FDS(1) + 7) / 8];
		struct iovec iov = { (void *)p, n };
		struct msghdr msg;
		zero(&msg, sizeof msg);
		msg.iov = &iov;
		msg.iovlen = 1;
		if (fd >= 0) {
			struct cmsghdr *h = (struct cmsghdr *)control;
			h->len = sizeof(struct cmsghdr) + sizeof(i32);
			h->level = SOL_SOCKET;
			h->type = SCM_RIGHTS;
			*(i32 *)(h + 1) = fd;
			msg.control = control;
			msg.controllen = sizeof control;
		}
		i64 r = sys3(NR_sendmsg, sock, &msg, MSG_NOSIGNAL);
		if (r == -4)
			continue;
		if (r <= 0)
			return 0;
		fd = -1;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static __attribute__((noreturn)) void serve(int sock);

/* Closes every descriptor but sock and keep[0..n); keep has room for one more entry. */
static void close_others(int sock, i32 *keep, u32 n)
{
	keep[n++] = sock;
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			i32 t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	u32 from = 0;
	for (u32 i = 0; i < n; i++) {
		if (keep[i] < 0 || (u32)keep[i] < from)
			continue;
		if ((u32)keep[i] > from)
			sys3(NR_close_range, from, (u32)keep[i] - 1, 0);
		from = (u32)keep[i] + 1;
	}
	sys3(NR_close_range, from, ~0u, 0);
}

/*
 * The first code the child runs: become a plain single-threaded process that runs nothing
 * but this file, then serve. The signal handlers the runtime installed point into code that
 * needs the runtime; they go first (signals stay blocked until then).
 */
static __attribute__((noreturn)) void child_start(int sock, i32 *keep, u32 nkeep, int expected_parent)
{
	struct kernel_sigaction dfl;
	zero(&dfl, sizeof dfl);
	for (int sig = 1; sig <= NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		dfl.handler = sig == SIGPIPE ? (void *)1 /* SIG_IGN */ : (void *)0 /* SIG_DFL */;
		sys4(NR_rt_sigaction, sig, &dfl, 0, 8);
	}
	struct stack_t off = { 0, SS_DISABLE, 0 };
	sys2(NR_sigaltstack, &off, 0);
	/* The runtime thread's robust futex list describes the parent's locks, not ours. */
	sys2(NR_set_robust_list, 0, 24);
	u64 none = 0;
	sys4(NR_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);

	/* Die with the thread that forked the first of us (the runner's step thread). */
	sys2(NR_prctl, PR_SET_PDEATHSIG, SIGKILL);
	if (sys0(NR_getppid) != expected_parent)
		die(0);
	static const char name[16] = "madv-fork";
	sys2(NR_prctl, PR_SET_NAME, name);

	close_others(sock, keep, nkeep);
	serve(sock);
}

/*
 * clone(2) as fork (with CLONE_PARENT the child becomes a sibling: the runner, not the
 * forking task, is its parent, so it outlives that task and the runner reaps it). All signals
 * stay blocked across the call so that no handler of the runtime runs in the child.
 * Returns the child's pid (parent side) or -errno; the child never returns.
 */
static i64 fork_child(int sock, i32 *keep, u32 nkeep, int clone_parent)
{
	u64 all = ~0ull, old = 0;
	int expected_parent = (int)(clone_parent ? sys0(NR_getppid) : sys0(NR_getpid));
	sys4(NR_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	i64 pid = sys6(NR_clone, SIGCHLD | (clone_parent ? CLONE_PARENT : 0), 0, 0, 0, 0, 0);
	if (pid == 0)
		child_start(sock, keep, nkeep, expected_parent);
	sys4(NR_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
	return pid;
}

static __attribute__((noreturn)) void serve(int sock)
{
	struct hello h = { sys0(NR_getpid), (u64)scratch, SCRATCH_SIZE };
	if (!send_all(sock, &h, sizeof h, -1))
		die(0);
	for (;;) {
		struct request rq;
		struct reply rp;
		i32 fds[MAX_FDS];
		u32 nfds = 0;
		int attach = -1;
		if (!recv_exact(sock, &rq, sizeof rq, fds, &nfds))
			die(0);
		if (rq.in_len > SCRATCH_SIZE || rq.out_off > SCRATCH_SIZE || rq.out_len > SCRATCH_SIZE - rq.out_off)
			die(EPROTO);
		if (rq.in_len > 0 && !recv_exact(sock, scratch, rq.in_len, fds, &nfds))
			die(0);
		zero(&rp, sizeof rp);
		rp.out_len = rq.out_len;
		switch (rq.op) {
		case OP_SYSCALL:
			rp.result = sys6(rq.nr, rq.arg[0], rq.arg[1], rq.arg[2], rq.arg[3], rq.arg[4], rq.arg[5]);
			break;
		case OP_READ:
			rp.result = sys6(rq.nr, rq.arg[0], rq.arg[1], rq.arg[2], rq.arg[3], rq.arg[4], rq.arg[5]);
			if (rp.result < (i64)rp.out_len)
				rp.out_len = rp.result < 0 ? 0 : (u32)rp.result;
			break;
		case OP_TAKE_FDS:
			rp.result = nfds;
			rp.fd_count = nfds;
			copy(rp.fd, fds, nfds * sizeof(i32));
			nfds = 0;
			break;
		case OP_GIVE_FD:
			if ((i64)rq.arg[0] < 0 || (i64)rq.arg[0] > 0x7fffffff || sys2(NR_fcntl, rq.arg[0], F_GETFD) < 0) {
				rp.result = -EBADF;
			} else {
				attach = (int)rq.arg[0];
			}
			break;
		case OP_FORK: {
			if (nfds != 1 || rq.in_len / sizeof(i32) > MAX_KEEP) {
				rp.result = -EBADF;
				break;
			}
			i32 keep[MAX_KEEP + 1];
			u32 nkeep = rq.in_len / sizeof(i32);
			copy(keep, scratch, nkeep * sizeof(i32));
			rp.result = fork_child(fds[0], keep, nkeep, 1);
			break;
		}
		case OP_EXIT:
			die(0);
		default:
			die(EPROTO);
		}
		for (u32 i = 0; i < nfds; i++)
			sys1(NR_close, fds[i]);
		if (!send_all(sock, &rp, sizeof rp, attach) ||
		    (rp.out_len > 0 && !send_all(sock, scratch + rq.out_off, rp.out_len, -1)))
			die(0);
	}
}

/*
 * Forks the calling process; the child serves the protocol above on `sock` and keeps only
 * `sock` and keep[0..nkeep) of its descriptors. With clone_parent the child's parent is the
 * caller's parent. Returns the child's pid or -errno (the child never returns).
 */
__attribute__((visibility("default"))) i64 madv_fork_serve(i32 sock, const i32 *keep, i32 nkeep, i32 clone_parent)
{
	i32 copy_of_keep[MAX_KEEP + 1];
	if (nkeep < 0 || nkeep > MAX_KEEP)
		return -22; /* EINVAL */
	/* the child sorts the list and adds sock to it; the caller's array is left as it was */
	copy(copy_of_keep, keep, (size_t)nkeep * sizeof(i32));
	return fork_child(sock, copy_of_keep, (u32)nkeep, clone_parent);
}
