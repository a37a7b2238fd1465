using System.Text;
using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Shared;

/// <summary>
/// The test harness for the simulated kernel's core (in the style of Linux's
/// tools/testing/vma: one shared helper file, tests by topic): a kernel, its first process,
/// mappings placed by page number inside a fixed window, byte patterns, and a drawing of the
/// window's VMAs, so that a test can show the address space before and after a step:
/// <code>
///   page  0123456789
///         AA B   CC        Layout(10): one letter per VMA, in address order; ' ' = no VMA
/// </code>
/// </summary>
/// <remarks>
/// <para>The window starts at <see cref="Window"/> (16 TiB), far below the top-down mmap area
/// (which starts near 128 TiB), so no unhinted mmap of a test lands in it: every page number
/// names memory only the test placed there, with MAP_FIXED.</para>
/// <para>Calls go through the syscall layer (<see cref="Sys"/>) as the calling task, so
/// argument checks, the mmap_lock and population run as they do for a user. Every helper that
/// expects success asserts it with the call named in the message.</para>
/// <para><see cref="Dispose"/> exits every task and releases the kernel; it asserts nothing, so a
/// failing test reports its own failure. Tests that check that every frame came back call
/// <see cref="ExitAllAndAssertNoFramesInUse"/>.</para>
/// </remarks>
internal sealed class MmBuilder : IDisposable
{
    /// <summary>First address of the test window (16 TiB).</summary>
    public const ulong Window = 0x1000_0000_0000UL;

    /// <summary>Letters used for VMAs in <see cref="Layout"/>, in address order.</summary>
    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Every task this builder created or forked, in creation order.</summary>
    private readonly List<TaskStruct> _tasks = [];

    /// <summary>Creates a kernel with <paramref name="config"/> (default: <see cref="KernelConfig.Default"/>) and its first process.</summary>
    public MmBuilder(KernelConfig? config = null)
    {
        Kernel = new SimulatedKernel(config);
        Task = Kernel.CreateProcess();
        _tasks.Add(Task);
    }

    /// <summary>The simulated kernel.</summary>
    public SimulatedKernel Kernel { get; }

    /// <summary>The first process; the default task of every helper.</summary>
    public TaskStruct Task { get; }

    /// <summary>The first process's address space (it must not have exited).</summary>
    public MmStruct Mm => Task.Mm ?? throw new InvalidOperationException("the main task has exited");

    /// <summary>Every task created through this builder, exited ones included.</summary>
    public IReadOnlyList<TaskStruct> Tasks => _tasks;

    /// <summary>The address of page <paramref name="page"/> of the window.</summary>
    public static ulong Addr(int page) => Window + ((ulong)page << PAGE_SHIFT);

    /// <summary>Bytes in <paramref name="pages"/> pages.</summary>
    public static ulong Bytes(int pages) => (ulong)pages << PAGE_SHIFT;

    /// <summary>Parses a protection written as in the scenario format: <c>none</c> or letters of <c>rwx</c>.</summary>
    public static int Prot(string prot)
    {
        if (prot == "none")
        {
            return Abi.Prot.PROT_NONE;
        }

        var p = 0;
        foreach (var c in prot)
        {
            p |= c switch
            {
                'r' => Abi.Prot.PROT_READ,
                'w' => Abi.Prot.PROT_WRITE,
                'x' => Abi.Prot.PROT_EXEC,
                _ => throw new ArgumentException($"bad protection '{prot}'", nameof(prot)),
            };
        }

        return p;
    }

    /// <summary>Parses mmap flags written as in the scenario format: a comma list of <c>private shared anon fixed noreserve locked populate</c>.</summary>
    public static int Flags(string flags)
    {
        var f = 0;
        foreach (var word in flags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            f |= word switch
            {
                "private" => MapFlags.MAP_PRIVATE,
                "shared" => MapFlags.MAP_SHARED,
                "anon" => MapFlags.MAP_ANONYMOUS,
                "fixed" => MapFlags.MAP_FIXED,
                "fixed_noreplace" => MapFlags.MAP_FIXED_NOREPLACE,
                "noreserve" => MapFlags.MAP_NORESERVE,
                "locked" => MapFlags.MAP_LOCKED,
                "populate" => MapFlags.MAP_POPULATE,
                _ => throw new ArgumentException($"bad mmap flag '{word}'", nameof(flags)),
            };
        }

        return f;
    }

    /// <summary>
    /// mmap(2) of <paramref name="pages"/> pages at window page <paramref name="page"/> with
    /// MAP_FIXED added; anonymous unless <paramref name="fd"/> is given.
    /// </summary>
    /// <returns>The raw result: the address, or a negative errno.</returns>
    public long TryMap(int page, int pages, string prot = "rw", string flags = "private", long fd = -1, int filePage = 0, TaskStruct? task = null)
    {
        var f = Flags(flags) | MapFlags.MAP_FIXED | (fd < 0 ? MapFlags.MAP_ANONYMOUS : 0);
        return Sys.Mmap(task ?? Task, Addr(page), Bytes(pages), (ulong)Prot(prot), (ulong)(uint)f, fd, Bytes(filePage));
    }

    /// <summary>As <see cref="TryMap"/>, asserting success; returns the address.</summary>
    public ulong Map(int page, int pages, string prot = "rw", string flags = "private", long fd = -1, int filePage = 0, TaskStruct? task = null)
    {
        var r = TryMap(page, pages, prot, flags, fd, filePage, task);
        Assert.True(r >= 0, $"mmap of pages {page}+{pages} {prot} {flags} returned {Errno(r)}");
        Assert.Equal(Addr(page), (ulong)r);
        return (ulong)r;
    }

    /// <summary>munmap(2) of window pages [page, page + pages).</summary>
    public long TryUnmap(int page, int pages, TaskStruct? task = null) => Sys.Munmap(task ?? Task, Addr(page), Bytes(pages));

    /// <summary>munmap(2), asserting 0.</summary>
    public void Unmap(int page, int pages, TaskStruct? task = null) => Expect(0, TryUnmap(page, pages, task), $"munmap {page}+{pages}");

    /// <summary>mprotect(2) of window pages.</summary>
    public long Protect(int page, int pages, string prot, TaskStruct? task = null) =>
        Sys.Mprotect(task ?? Task, Addr(page), Bytes(pages), (ulong)Prot(prot));

    /// <summary>mlock(2) of window pages.</summary>
    public long Lock(int page, int pages, TaskStruct? task = null) => Sys.Mlock(task ?? Task, Addr(page), Bytes(pages));

    /// <summary>munlock(2) of window pages.</summary>
    public long Unlock(int page, int pages, TaskStruct? task = null) => Sys.Munlock(task ?? Task, Addr(page), Bytes(pages));

    /// <summary>madvise(2) of window pages.</summary>
    public long Advise(int page, int pages, MemoryAdvice behavior, TaskStruct? task = null) =>
        Sys.Madvise(task ?? Task, Addr(page), Bytes(pages), behavior);

    /// <summary>Creates a file of <paramref name="bytes"/> bytes, each <paramref name="fill"/> (all pages cached, clean), or a memfd; returns its descriptor.</summary>
    public long CreateFile(ulong bytes, byte fill, bool memfd = false, TaskStruct? task = null)
    {
        var fd = Sys.CreateFile(task ?? Task, bytes, fill, memfd);
        Assert.True(fd >= 0, $"file creation returned {Errno(fd)}");
        return fd;
    }

    /// <summary>Forks <paramref name="parent"/> (default: the main task), asserting success.</summary>
    public TaskStruct Fork(TaskStruct? parent = null)
    {
        var child = (parent ?? Task).Fork(out var error);
        Assert.True(child is not null, $"fork returned {Errno(error)}");
        _tasks.Add(child);
        return child;
    }

    /// <summary>A new process with an empty address space, tracked for cleanup.</summary>
    public TaskStruct CreateProcess()
    {
        var task = Kernel.CreateProcess();
        _tasks.Add(task);
        return task;
    }

    /// <summary>The live address space of <paramref name="task"/> (default: the main task).</summary>
    public MmStruct MmOf(TaskStruct? task) => (task ?? Task).Mm ?? throw new InvalidOperationException($"{task} has exited");

    /// <summary>Stores <paramref name="value"/> into every byte of the pages as the task's own stores (through its TLB); returns bytes stored before a fault.</summary>
    public long TryWrite(int page, int pages, byte value, TaskStruct? task = null) => MmOf(task).FillUser(Addr(page), Bytes(pages), value);

    /// <summary>As <see cref="TryWrite"/>, asserting that no byte faulted.</summary>
    public void Write(int page, int pages, byte value, TaskStruct? task = null) =>
        Assert.True(TryWrite(page, pages, value, task) == (long)Bytes(pages), $"write of pages {page}+{pages} faulted");

    /// <summary>Loads the pages as the task's own loads would; null when a byte faulted.</summary>
    public byte[]? TryRead(int page, int pages, TaskStruct? task = null)
    {
        var buffer = new byte[Bytes(pages)];
        return MmOf(task).ReadUser(Addr(page), buffer) == buffer.Length ? buffer : null;
    }

    /// <summary>
    /// The pages' contents in run-length form, one entry per page (<c>"11 11 00 22"</c>):
    /// the byte every byte of the page holds, <c>??</c> when they differ, <c>--</c> for a page
    /// that faults. Loads fault pages in, as the task's loads would.
    /// </summary>
    public string Pattern(int page, int pages, TaskStruct? task = null)
    {
        var mm = MmOf(task);
        var sb = new StringBuilder();
        var buffer = new byte[PAGE_SIZE];
        for (var i = 0; i < pages; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            if (mm.ReadUser(Addr(page + i), buffer) != buffer.Length)
            {
                sb.Append("--");
                continue;
            }

            sb.Append(Uniform(buffer) is { } b ? b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) : "??");
        }

        return sb.ToString();
    }

    /// <summary>The byte every byte of <paramref name="data"/> holds, or null when they differ.</summary>
    public static byte? Uniform(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return null;
        }

        var first = data[0];
        return data.IndexOfAnyExcept(first) < 0 ? first : null;
    }

    /// <summary>mincore(2) of the pages as a string of '0' and '1', or the errno.</summary>
    public string Mincore(int page, int pages, TaskStruct? task = null)
    {
        var vec = new byte[pages];
        var r = Sys.Mincore(task ?? Task, Addr(page), Bytes(pages), vec);
        if (r != 0)
        {
            return Errno(r);
        }

        var sb = new StringBuilder(pages);
        foreach (var v in vec)
        {
            sb.Append((char)('0' + (v & 1)));
        }

        return sb.ToString();
    }

    /// <summary>
    /// Draws window pages [0, <paramref name="pages"/>): one letter per VMA (A for the first VMA
    /// that overlaps the window, B for the next, ...), a space where no VMA is. A VMA that starts
    /// before the window or runs past its end keeps its letter.
    /// </summary>
    public string Layout(int pages, TaskStruct? task = null)
    {
        var chars = new char[pages];
        Array.Fill(chars, ' ');
        var end = Addr(pages);
        var n = 0;
        foreach (var (start, stop, _) in MmOf(task).VmaList())
        {
            if (stop <= Window || start >= end)
            {
                continue;
            }

            var letter = Letters[n++ % Letters.Length];
            for (var a = Math.Max(start, Window); a < Math.Min(stop, end); a += PAGE_SIZE)
            {
                chars[(int)((a - Window) >> PAGE_SHIFT)] = letter;
            }
        }

        return new string(chars);
    }

    /// <summary>The VMAs overlapping window pages [0, <paramref name="pages"/>) as <c>"0-2 rw-p; 2-4 r--p lo"</c> (pages relative to the window, then the maps permissions and scenario mnemonics).</summary>
    public string Describe(int pages, TaskStruct? task = null)
    {
        var end = Addr(pages);
        var parts = new List<string>();
        foreach (var (start, stop, flags) in MmOf(task).VmaList())
        {
            if (stop <= Window || start >= end)
            {
                continue;
            }

            var text = $"{PageOf(start)}-{PageOf(stop)} {flags.Perms()}";
            var mnemonics = string.Join(' ', flags.Mnemonics());
            parts.Add(mnemonics.Length == 0 ? text : text + " " + mnemonics);
        }

        return string.Join("; ", parts);
    }

    /// <summary>The flags of the VMA containing window page <paramref name="page"/>; fails when there is none.</summary>
    public VmFlags FlagsAt(int page, TaskStruct? task = null)
    {
        var addr = Addr(page);
        foreach (var (start, stop, flags) in MmOf(task).VmaList())
        {
            if (start <= addr && addr < stop)
            {
                return flags;
            }
        }

        Assert.Fail($"no VMA at window page {page}");
        return default;
    }

    /// <summary>The page table entry of window page <paramref name="page"/>.</summary>
    internal Pte PteAt(int page, TaskStruct? task = null) => MmOf(task).PageTable.ReadPte(Addr(page));

    /// <summary>Window page number of <paramref name="addr"/> (negative below the window).</summary>
    public static long PageOf(ulong addr) => (long)(addr - Window) >> PAGE_SHIFT;

    /// <summary>Checks the invariants of every live address space this builder knows.</summary>
    public void AssertInvariants()
    {
        foreach (var task in _tasks)
        {
            task.Mm?.AssertInvariants();
        }
    }

    /// <summary>Audits every frame's counts against the page tables of the live tasks (<see cref="FrameAudit"/>).</summary>
    public void AssertFrames()
    {
        var live = new List<MmStruct>();
        foreach (var task in _tasks)
        {
            if (task.Mm is { } mm)
            {
                live.Add(mm);
            }
        }

        FrameAudit.Assert(Kernel, live);
    }

    /// <summary>Frames in use that hold data (anonymous, page cache, swap cache): every frame in use but the page tables' (<see cref="Mm.Physical.PhysicalMemory.PageTableFrames"/>).</summary>
    public long DataFrames => Kernel.Memory.FramesInUse - Kernel.Memory.PageTableFrames;

    /// <summary>Exits every task (each closes its descriptors and drops its address space).</summary>
    public void ExitAll()
    {
        foreach (var task in _tasks)
        {
            task.Exit();
        }
    }

    /// <summary>
    /// Exits every task, drains every CPU's folio batches (which may still hold references on
    /// frames nothing maps any more) and asserts that every frame came back to the allocator: the
    /// counter and a scan of every frame agree on zero (the shared zero page is never counted).
    /// </summary>
    public void ExitAllAndAssertNoFramesInUse()
    {
        ExitAll();
        Kernel.LruBatches.DrainAll();
        Assert.Equal(0, Kernel.Memory.FramesInUse);
        Assert.Equal(0, Kernel.Memory.CountFramesInUseSlow());
    }

    /// <summary>Fails unless <paramref name="actual"/> is <paramref name="expected"/>, naming both as errno.</summary>
    public static void Expect(long expected, long actual, string what) =>
        Assert.True(expected == actual, $"{what}: expected {Errno(expected)}, got {Errno(actual)}");

    /// <summary>A result as text: the number, or <c>-ENAME</c> for a negative errno.</summary>
    public static string Errno(long result) => result >= 0 ? result.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "-" + Abi.Errno.Name((int)-result);

    /// <summary>Exits every task and releases the kernel.</summary>
    public void Dispose()
    {
        ExitAll();
        Kernel.Dispose();
    }
}
