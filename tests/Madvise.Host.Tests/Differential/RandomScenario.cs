using System.Globalization;
using System.Text;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// A generated scenario: a fixed preamble (reservations, files, task B) chosen by two feature
/// switches, then independent steps. Rendered as <c>.scn</c> text, so a failing one is a file
/// a human runs with <c>madv check</c> and scnhost.py.
/// </summary>
/// <param name="RegularFile">The preamble creates the one-page regular file <c>f</c> (and WILLNEED is left out: see <see cref="RandomScenarioGen"/>).</param>
/// <param name="Task">The preamble creates task B with its own reservation <c>RB</c> and the pidfds <c>PB</c> (of B) and <c>PS</c> (of self).</param>
/// <param name="Steps">The generated steps, in order.</param>
/// <param name="Profile">The simulated kernel's profile for this sequence (a profile must never change a result; <c>madv check</c> uses PerVmaLock).</param>
/// <param name="Thp">The preamble creates the transparent-huge-page reservation <c>RH</c> and the memfd <c>mh</c>, and steps work on 2 MiB blocks there (<see cref="RandomScenarioGen"/>).</param>
internal sealed record RandomScenario(bool RegularFile, bool Task, IReadOnlyList<GenStep> Steps, KernelProfile Profile = KernelProfile.PerVmaLock, bool Thp = false)
{
    /// <summary>Pages of the THP reservation <c>RH</c>: five 2 MiB blocks, so both kernels place it 2 MiB-aligned.</summary>
    public const int ThpReservationPages = 5 * ThpBlockPages;

    /// <summary>Pages of a 2 MiB block.</summary>
    public const int ThpBlockPages = 512;

    /// <summary>First page of RH steps may touch: block 1 (block 0 holds the edge mapping and the drain page).</summary>
    public const int ThpFirstPage = ThpBlockPages;

    /// <summary>First page past RH's interior (blocks 1 to 3): block 4 holds the other edge mapping.</summary>
    public const int ThpEndPage = 4 * ThpBlockPages;

    /// <summary>Pages of the memfd <c>mh</c> (two blocks).</summary>
    public const int ThpMemfdPages = 2 * ThpBlockPages;

    /// <summary>
    /// The preamble ends with <c>fork C</c> (a copy of self, sharing its written pages
    /// copy-on-write) and <c>pidfd PC C</c>; steps may run in C, with addresses in R.
    /// </summary>
    public bool Fork { get; init; }

    /// <summary>
    /// Pages of each reservation (R in self, RB in B): 2 MiB, so both kernels place it 2 MiB-aligned
    /// and an address R+Np has the same offset in its 64 KiB fault-around window on both (a read
    /// fault maps the cached pages of that window: mm-fault-around.scn).
    /// </summary>
    public const int ReservationPages = 512;

    /// <summary>First page steps may touch: page 0 holds an edge mapping that never changes.</summary>
    public const int FirstPage = 1;

    /// <summary>First page past the interior: it holds the other edge mapping; the rest of the reservation stays untouched.</summary>
    public const int EndPage = 39;

    /// <summary>Pages of the memfd <c>m</c>.</summary>
    public const int MemfdPages = 8;

    /// <summary>
    /// The configuration the expectations assume, as the corpus's reference host: PAGEOUT keeps
    /// anonymous pages without swap, HWPOISON is invalid without memory-failure support.
    /// </summary>
    public const string ConfigLine = "config swap=0 memory_failure=off ksm=on thp=madvise";

    /// <summary>
    /// The preamble lines. R's first and last pages are shared anonymous mappings: they never merge
    /// with anything (each has its own shmem file), so the interior's VMAs cannot merge with a
    /// neighbour outside R and <c>vmas</c> results never depend on where R landed. The interior
    /// starts out with memory to work on, so that reads, writes, locks and advice mostly meet
    /// mapped pages (page numbers within R; "---" is R's PROT_NONE remnant):
    /// <code>
    /// 0 edge | 1 --- | 2-17 RA private anon rw, 12 pages written | 18-19 --- | 20-23 RS shared anon rw, 2 written
    /// | 24-25 --- | 26-31 RM memfd m shared rw | 32-33 --- | 34 RF f private rw | 35 --- | 36 RG f shared r | 37-38 --- | 39 edge
    /// | 40-511 --- (never touched)
    /// </code>
    /// (RF and RG only with the regular file). B's reservation RB holds RBA (as RA, written with
    /// 0x33) and RBM (m shared, the same pages as RM).
    /// </summary>
    public IReadOnlyList<string> Preamble()
    {
        var lines = new List<string>
        {
            ConfigLine,
            $"mmap R {ReservationPages}p none private,anon,noreserve",
            "mmap RE0 1p r shared,anon,fixed at=R",
            $"mmap RE1 1p r shared,anon,fixed at=R+{EndPage}p",
            $"file m {MemfdPages}p 0x6b memfd",
            "mmap RA 16p rw private,anon,fixed at=R+2p",
            "write RA 12p 0x11",
            "mmap RS 4p rw shared,anon,fixed at=R+20p",
            "write RS 2p 0x22",
            "mmap RM 6p rw shared,fixed fd=m at=R+26p",
        };
        if (RegularFile)
        {
            lines.Add("file f 1p 0x5a");
            lines.Add("mmap RF 1p rw private,fixed fd=f at=R+34p");
            lines.Add("mmap RG 1p r shared,fixed fd=f at=R+36p");
        }

        if (Thp)
        {
            // RH's interior VMAs never merge with anything outside (shared edges, as R's); RHK is
            // a page outside the interior that mlock/munlock use to drain the per-CPU LRU batches.
            lines.Add($"mmap RH {ThpReservationPages}p none private,anon,noreserve");
            lines.Add("mmap RHE0 1p r shared,anon,fixed at=RH");
            lines.Add($"mmap RHE1 1p r shared,anon,fixed at=RH+{ThpReservationPages - 1}p");
            lines.Add("mmap RHK 1p rw private,anon,fixed at=RH+8p");
            lines.Add("write RHK 1p 0x01");
            lines.Add($"file mh {ThpMemfdPages}p 0x6c memfd");
        }

        if (Task)
        {
            lines.Add("task B");
            lines.Add($"in B: mmap RB {ReservationPages}p none private,anon,noreserve");
            lines.Add("in B: mmap RBE0 1p r shared,anon,fixed at=RB");
            lines.Add($"in B: mmap RBE1 1p r shared,anon,fixed at=RB+{EndPage}p");
            lines.Add("in B: mmap RBA 16p rw private,anon,fixed at=RB+2p");
            lines.Add("in B: write RBA 12p 0x33");
            lines.Add("in B: mmap RBM 6p rw shared,fixed fd=m at=RB+26p");
            lines.Add("pidfd PB B");
            lines.Add("pidfd PS self");
        }

        if (Fork)
        {
            lines.Add("fork C");
            lines.Add("pidfd PC C");
        }

        return lines;
    }

    /// <summary>The scenario text: preamble, then one line per step.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var line in Preamble())
        {
            sb.Append(line).Append('\n');
        }

        for (var i = 0; i < Steps.Count; i++)
        {
            sb.Append(Steps[i].Render(i + 1)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The same scenario (preamble, profile) with <paramref name="keep"/> as its steps.</summary>
    public RandomScenario WithSteps(IReadOnlyList<GenStep> keep) => this with { Steps = keep };

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Steps.Count} steps (file={RegularFile}, task={Task}, fork={Fork}, thp={Thp}, sim profile {Profile}):\n{Render()}");
}
