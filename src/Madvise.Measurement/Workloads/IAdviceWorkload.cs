namespace Madvise.Measurement.Workloads;

/// <summary>
/// The seed's workload on one kernel (a simulated kernel with one profile, or the host). All
/// calls come from one thread, the advising thread, except <see cref="CreateWriter"/>'s writer,
/// which runs on its own thread.
/// </summary>
public interface IAdviceWorkload : IDisposable
{
    /// <summary><c>sim</c> or <c>host</c>.</summary>
    string Target { get; }

    /// <summary>The simulated kernel's profile name; null on the host.</summary>
    string? Profile { get; }

    /// <summary>Column name in tables and plots: the profile, or <c>host</c>, with " tN" for N threads.</summary>
    string Label { get; }

    /// <summary>Threads of the advising process that run during a pass: the advising one and its siblings (1 = none).</summary>
    int Threads => 1;

    /// <summary>What the siblings do while a pass runs.</summary>
    SiblingWork SiblingWork => SiblingWork.Sleep;

    /// <summary>The workload's sizes and hint.</summary>
    WorkloadSpec Spec { get; }

    /// <summary>Writes every page of the buffer (untimed; undoes what the last pass did). Null on success, else why not.</summary>
    string? Populate();

    /// <summary>
    /// With <see cref="WorkloadSpec.Thp"/> set: the 2 MiB blocks of the buffer that huge pages
    /// backed after the last <see cref="Populate"/> (smaps AnonHugePages / 2 MiB); -1 otherwise.
    /// </summary>
    int HugeBlocks => -1;

    /// <summary>
    /// Advises the whole buffer: by madvise() per unit when <paramref name="batch"/> is 0, else by
    /// process_madvise() on the own pidfd with vectors of <paramref name="batch"/> units, each
    /// vector split into calls of at most <paramref name="maxRangesPerCall"/> ranges when that is
    /// positive. Makes no managed allocation unless it fails.
    /// </summary>
    PassResult RunPass(int batch, int maxRangesPerCall);

    /// <summary>A writer that takes this address space's mmap_lock for writing, for a second thread.</summary>
    IMmapWriter CreateWriter(WriterKind kind);
}
