using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Madvise.Kernel.Tests.Fuzzing;

/// <summary>
/// The multi-threaded syscall fuzzer (<see cref="SyscallFuzzer"/>): a short slice in every run of
/// the suite; long runs on demand.
/// </summary>
/// <remarks>
/// <para>Environment: MADV_SYSFUZZ_CALLS=N runs N calls in all (runs of MADV_SYSFUZZ_RUN_CALLS,
/// 100,000 by default, each a new kernel); MADV_SYSFUZZ_THREADS=T workers per run (3 by default);
/// MADV_SYSFUZZ_SEED=S replays the run of seed S (every failure prints its seed; with one worker
/// the replay is the same calls in the same order). Seeds of a long run come from one master
/// seed, printed at the start.</para>
/// </remarks>
public sealed class SyscallFuzzTests(ITestOutputHelper output)
{
    /// <summary>The suite's slice: a few short runs, each with its own configuration and seed.</summary>
    [Fact]
    public void RandomCallsFromSeveralThreadsNeverCrashHangLeakOrBreakTheKernel()
    {
        if (Environment.GetEnvironmentVariable("MADV_SYSFUZZ_SEED") is { } replay)
        {
            Report(new SyscallFuzzer(long.Parse(replay, CultureInfo.InvariantCulture), Threads(3), Long("MADV_SYSFUZZ_RUN_CALLS") ?? 100_000).Run(), replay);
            return;
        }

        var total = Long("MADV_SYSFUZZ_CALLS") ?? 20_000;
        var perRun = Math.Min(total, Long("MADV_SYSFUZZ_RUN_CALLS") ?? (total > 100_000 ? 100_000 : 5_000));
        var master = Random.Shared.NextInt64();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"master seed {master}: {total} calls in runs of {perRun}, {Threads(3)} workers; load average {LoadAverage()}"));
        var seeds = new Random(unchecked((int)master ^ (int)(master >> 32)));
        var clock = Stopwatch.StartNew();
        long calls = 0, errors = 0, runs = 0, tasks = 0;
        var byOp = new Dictionary<FuzzOp, (long Calls, long Errors)>();
        while (calls < total)
        {
            var fuzzer = new SyscallFuzzer(seeds.NextInt64(), Threads(3), Math.Min(perRun, total - calls));
            var stats = fuzzer.Run();
            calls += stats.Calls;
            errors += stats.Errors;
            tasks += stats.Tasks;
            runs++;
            foreach (var (op, (c, e)) in stats.ByOp)
            {
                var (sc, se) = byOp.GetValueOrDefault(op);
                byOp[op] = (sc + c, se + e);
            }
            if (total > 100_000)
            {
                Report(stats, fuzzer.Seed.ToString(CultureInfo.InvariantCulture));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{runs} runs, {calls} calls ({errors} returned an error), {tasks} processes, {clock.Elapsed.TotalSeconds:0.0} s ({calls / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0} calls/s); load average {LoadAverage()}"));
        output.WriteLine(string.Join(", ", byOp.Where(kv => kv.Value.Calls > 0).OrderByDescending(kv => kv.Value.Calls)
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.Calls} ({100.0 * kv.Value.Errors / kv.Value.Calls:0}% errors)"))));
    }

    private void Report(FuzzStatistics stats, string seed) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {stats.Calls} calls, {stats.Errors} errors, {stats.Tasks} processes, {stats.Elapsed.TotalSeconds:0.0} s"));

    private static int Threads(int fallback) => (int)(Long("MADV_SYSFUZZ_THREADS") ?? fallback);

    private static long? Long(string name) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
