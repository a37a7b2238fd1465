using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Properties;

/// <summary>
/// A naive model of the address spaces of a few processes over a small window: per task, per
/// page, whether it is mapped, its protection and flags, and what its bytes must be. Each
/// method applies one system call the way Linux specifies it page by page and returns the
/// result the call must give.
/// </summary>
/// <remarks>
/// Contents are one byte value per page. Private pages hold their own value; shared anonymous
/// pages name a page of a shared object, which every process mapping it sees. A private page
/// given MADV_FREE may be discarded by reclaim (it then reads zero) until it is written again:
/// the model marks it <see cref="ModelPage.MaybeZero"/> and accepts either value, settling
/// on zero once a load has seen zero (the load mapped the zero page).
/// </remarks>
internal sealed class PageMapModel
{
    /// <summary>Protections steps choose from, indexed by Arg % 3.</summary>
    public static readonly int[] Prots = [Prot.PROT_NONE, Prot.PROT_READ, Prot.PROT_READ | Prot.PROT_WRITE];

    /// <summary>Pages of shared anonymous objects (one array per mmap), by object id.</summary>
    private readonly List<byte[]> _shared = [];

    /// <summary>Creates a model of one process with an empty window of <paramref name="pages"/> pages.</summary>
    public PageMapModel(int pages)
    {
        Pages = pages;
        Tasks.Add(new ModelPage[pages]);
    }

    /// <summary>Pages in the window.</summary>
    public int Pages { get; }

    /// <summary>The live tasks' pages, in the order the runner keeps its tasks.</summary>
    public List<ModelPage[]> Tasks { get; } = [];

    /// <summary>mmap MAP_FIXED: replaces the range with new zero pages.</summary>
    public void Mmap(int task, int page, int pages, int prot, bool shared, bool noReserve)
    {
        var id = -1;
        if (shared)
        {
            id = _shared.Count;
            _shared.Add(new byte[pages]);
        }

        var t = Tasks[task];
        for (var i = 0; i < pages; i++)
        {
            t[page + i] = new ModelPage
            {
                Mapped = true,
                Prot = prot,
                Shared = shared,
                NoReserve = noReserve,
                SharedId = id,
                SharedIndex = i,
            };
        }
    }

    /// <summary>munmap: the range becomes a hole.</summary>
    public void Munmap(int task, int page, int pages) => Array.Clear(Tasks[task], page, pages);

    /// <summary>
    /// mprotect: -ENOMEM with nothing done when the range starts in a hole; otherwise every page
    /// up to the first hole changes, and a hole gives -ENOMEM.
    /// </summary>
    public long Mprotect(int task, int page, int pages, int prot) =>
        Prefix(task, page, pages, (ref ModelPage p) => p.Prot = prot);

    /// <summary>
    /// mlock: as mprotect for the flag; when the whole range is mapped it is populated, which
    /// fails (-ENOMEM) when a page is PROT_NONE.
    /// </summary>
    public long Mlock(int task, int page, int pages)
    {
        var r = Prefix(task, page, pages, (ref ModelPage p) => p.Locked = true);
        if (r != 0)
        {
            return r;
        }

        var t = Tasks[task];
        for (var i = page; i < page + pages; i++)
        {
            if (t[i].Prot == Prot.PROT_NONE)
            {
                return -Errno.ENOMEM;
            }
        }

        return 0;
    }

    /// <summary>munlock: as mprotect for the flag.</summary>
    public long Munlock(int task, int page, int pages) => Prefix(task, page, pages, (ref ModelPage p) => p.Locked = false);

    /// <summary>The task's stores: pages are written in order until one is not writable; returns the bytes stored.</summary>
    public long Write(int task, int page, int pages, byte value)
    {
        var t = Tasks[task];
        for (var i = 0; i < pages; i++)
        {
            ref var p = ref t[page + i];
            if (!p.Mapped || p.Prot != (Prot.PROT_READ | Prot.PROT_WRITE))
            {
                return (long)i * 4096;
            }

            if (p.Shared)
            {
                _shared[p.SharedId][p.SharedIndex] = value;
            }
            else
            {
                p.Value = value;
                p.MaybeZero = false;
            }
        }

        return (long)pages * 4096;
    }

    /// <summary>The number of pages from <paramref name="page"/> the task can load before one faults.</summary>
    public int Readable(int task, int page, int pages)
    {
        var t = Tasks[task];
        for (var i = 0; i < pages; i++)
        {
            if (!t[page + i].Mapped || t[page + i].Prot == Prot.PROT_NONE)
            {
                return i;
            }
        }

        return pages;
    }

    /// <summary>True when <paramref name="seen"/> is a value page <paramref name="page"/> may hold.</summary>
    public bool Allows(int task, int page, byte seen)
    {
        ref var p = ref Tasks[task][page];
        var value = Value(ref p);
        return seen == value || (p.MaybeZero && seen == 0);
    }

    /// <summary>A load saw <paramref name="seen"/>: a possibly discarded page that read zero is zero from now on.</summary>
    public void Observe(int task, int page, byte seen)
    {
        ref var p = ref Tasks[task][page];
        if (p.MaybeZero && seen == 0)
        {
            p.Value = 0;
            p.MaybeZero = false;
        }
    }

    /// <summary>The value the page holds (for a possibly discarded page: its value if it was kept).</summary>
    public byte Value(ref ModelPage p) => p.Shared ? _shared[p.SharedId][p.SharedIndex] : p.Value;

    /// <summary>
    /// madvise: holes are skipped and reported as -ENOMEM at the end (a range with no mapped page
    /// at all is -ENOMEM too); a page whose VMA refuses the behaviour ends the call with -EINVAL,
    /// the pages before it done.
    /// </summary>
    public long Madvise(int task, int page, int pages, MemoryAdvice behavior)
    {
        var t = Tasks[task];
        var hole = false;
        for (var i = page; i < page + pages; i++)
        {
            ref var p = ref t[i];
            if (!p.Mapped)
            {
                hole = true;
                continue;
            }

            switch (behavior)
            {
                case MADV_DONTNEED:
                    if (p.Locked)
                    {
                        return -Errno.EINVAL;
                    }

                    // Shared pages live on in their object; private ones are gone.
                    if (!p.Shared)
                    {
                        p.Value = 0;
                        p.MaybeZero = false;
                    }

                    break;
                case MADV_FREE:
                    if (p.Locked || p.Shared)
                    {
                        return -Errno.EINVAL;
                    }

                    p.MaybeZero |= p.Value != 0;
                    break;
                case MADV_DONTFORK:
                    p.DontFork = true;
                    break;
                case MADV_DOFORK:
                    p.DontFork = false;
                    break;
                case MADV_WIPEONFORK:
                    if (p.Shared)
                    {
                        return -Errno.EINVAL;
                    }

                    p.WipeOnFork = true;
                    break;
                case MADV_KEEPONFORK:
                    p.WipeOnFork = false;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(behavior));
            }
        }

        return hole ? -Errno.ENOMEM : 0;
    }

    /// <summary>fork: the child gets every page not marked DONTFORK, unlocked; WIPEONFORK pages read zero.</summary>
    public void Fork(int task)
    {
        var parent = Tasks[task];
        var child = new ModelPage[Pages];
        for (var i = 0; i < Pages; i++)
        {
            var p = parent[i];
            if (!p.Mapped || p.DontFork)
            {
                continue;
            }

            p.Locked = false;
            if (p.WipeOnFork)
            {
                p.Value = 0;
                p.MaybeZero = false;
            }

            child[i] = p;
        }

        Tasks.Add(child);
    }

    /// <summary>exit: the task's pages are gone.</summary>
    public void Exit(int task) => Tasks.RemoveAt(task);

    /// <summary>A change applied to one page.</summary>
    private delegate void PageChange(ref ModelPage page);

    /// <summary>The walk of mprotect/mlock/munlock: pages in order up to the first hole.</summary>
    private long Prefix(int task, int page, int pages, PageChange change)
    {
        var t = Tasks[task];
        if (!t[page].Mapped)
        {
            return -Errno.ENOMEM;
        }

        for (var i = page; i < page + pages; i++)
        {
            if (!t[i].Mapped)
            {
                return -Errno.ENOMEM;
            }

            change(ref t[i]);
        }

        return 0;
    }
}
