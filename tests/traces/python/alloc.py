# Workload for tests/traces/python/python-alloc.log: pymalloc arenas (many small
# objects), large malloc'd bytes (glibc mmap threshold), and an anonymous and a
# file-backed mmap.mmap with explicit madvise() calls, plus one worker thread.
import gc, mmap, os, tempfile, threading

def churn(n):
    for _ in range(n):
        small = [str(i) * 3 for i in range(200_000)]     # pymalloc 256 KiB arenas (glibc malloc -> mmap)
        big = [bytes(1 << 20) for _ in range(16)]         # 1 MiB blocks -> glibc mmap/munmap
        del small, big
        gc.collect()

churn(3)

t = threading.Thread(target=churn, args=(1,))
t.start(); t.join()

m = mmap.mmap(-1, 16 << 20)                               # anonymous shared mapping
m[:] = b'\1' * (16 << 20)
for name in ('MADV_DONTNEED', 'MADV_FREE', 'MADV_COLD', 'MADV_PAGEOUT', 'MADV_WILLNEED',
             'MADV_SEQUENTIAL', 'MADV_RANDOM', 'MADV_NORMAL', 'MADV_DONTFORK', 'MADV_DOFORK',
             'MADV_DONTDUMP', 'MADV_DODUMP', 'MADV_MERGEABLE', 'MADV_UNMERGEABLE',
             'MADV_HUGEPAGE', 'MADV_NOHUGEPAGE', 'MADV_REMOVE', 'MADV_HWPOISON'):
    adv = getattr(mmap, name, None)
    if adv is None:
        print('no', name); continue
    try:
        m.madvise(adv, 0, 1 << 20)
    except OSError as e:
        print(name, e)
m.close()

fd, path = tempfile.mkstemp()
os.ftruncate(fd, 4 << 20)
f = mmap.mmap(fd, 4 << 20)                                  # MAP_SHARED file mapping
f[0:4096] = b'x' * 4096
f.madvise(mmap.MADV_WILLNEED)
f.madvise(mmap.MADV_DONTNEED, 4096, 8192)
f.flush()                                                    # msync
f.resize(8 << 20)                                            # mremap
f.close(); os.close(fd); os.unlink(path)
print('ok')
