namespace Madvise.Measurement.Compare;

/// <summary>One configuration of an <see cref="EvalResultFile"/>.</summary>
/// <param name="Target"><c>sim</c> or <c>host</c>.</param>
/// <param name="Profile">The simulated profile; null on the host.</param>
/// <param name="Threads">Threads of the advising process.</param>
/// <param name="Batch">process_madvise() vlen; 0 for the madvise() loop.</param>
/// <param name="Samples">The pass times in nanoseconds.</param>
/// <param name="Error">Why the configuration failed, or null.</param>
public sealed record EvalResultRecord(string Target, string? Profile, int Threads, int Batch, IReadOnlyList<double> Samples, string? Error)
{
    /// <summary>The kernel as <c>--a</c>/<c>--b</c> name it: the profile, or <c>host</c>.</summary>
    public string Kernel => Profile ?? Target;
}
